"""Playbooks: one per decision, validated on load, adapted per result, overridable by a team."""

import itertools
import re
import shutil
from dataclasses import replace
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kujo_triage import FLAGS, PlaybookError, first_reply, load_playbooks, render, render_playbook, triage
from kujo_triage.playbook import decisions
from kujo_triage.resources import playbook_dir
from kujo_triage.schema import EMOTIONS, INTENSITIES, PHASES

MINIMAL = """\
id = "routine.team"
title = "当チームの通常対応"
tier = "routine"
first_response = "当日中"
escalate_to = ["一次対応者"]
summary = "通常の問い合わせへの対応"
donts = ["言い訳をする"]

[draft]
empathy = "ご不便をおかけしております。"
apology = "ご心配をおかけし申し訳ございません。"
confirm = ["ご注文番号"]
next_contact = "【次回ご連絡日時】までに【担当者名】よりご連絡いたします。"

[[steps]]
phase = "listen"
action = "最後までお話を伺う"
why = "真意をつかむため"
phrase = "お話を最後までお聞かせいただけますでしょうか。"
owner = "一次対応者"
seed = "kami_taiou"

[[steps]]
phase = "respond"
action = "対応策をお伝えする"
why = "お客様が次に何をすればよいか分かるため"
phrase = "【対応策】にて対応させていただきます。"
owner = "一次対応者"
seed = "trust_recovery"

[[follow_up]]
when = "解決の翌営業日"
action = "解決したかを確認する"
"""


def result(tier="serious", category=None, emotion="neutral", intensity="low", flags=()):
    return SimpleNamespace(tier=tier, category=category, emotion=emotion, intensity=intensity, flags=tuple(flags))


@pytest.fixture(scope="module")
def books():
    return load_playbooks()


# --- the shipped playbooks ------------------------------------------------------------------

def test_every_decision_maps_to_exactly_one_shipped_playbook(books):
    assert set(books) == set(decisions())
    assert len({pb.id for pb in books.values()}) == len(books)
    for (tier, category), pb in books.items():
        assert (pb.tier, pb.category) == (tier, category)
        assert pb.steps and pb.donts and pb.follow_up and pb.escalate_to and pb.first_response
        assert [PHASES.index(s.phase) for s in pb.steps] == sorted(PHASES.index(s.phase) for s in pb.steps)


def test_every_step_cites_a_seed_document(books):
    seeds = {s.seed for pb in books.values() for s in pb.steps}
    assert seeds <= {"trust_recovery", "kami_taiou", "worst_cases", "visit"}
    assert len(seeds) == 4  # all four source documents are used somewhere


def test_worst_case_playbooks_carry_cited_obligations(books):
    for (tier, _), pb in books.items():
        if tier == "worst_case":
            assert pb.obligations, pb.id
            for ob in pb.obligations:
                assert ob.source.startswith("https://") and "確認" in ob.note


def test_the_known_statutory_deadlines_are_stated(books):
    leak = " ".join(o.deadline + o.name for o in books[("worst_case", "data_leak")].obligations)
    assert "30日" in leak and "60日" in leak and "速報" in leak
    accident = " ".join(o.deadline + o.name for o in books[("worst_case", "product_accident")].obligations)
    assert "10日" in accident and "消費者庁" in " ".join(o.report_to for o in books[("worst_case", "product_accident")].obligations)


def test_result_carries_its_adapted_playbook_and_to_dict_includes_it():
    r = triage("充電中にスマホが発火して、子どもが手をやけどしました")
    assert (r.playbook.tier, r.playbook.category) == (r.tier, r.category)
    for flag in r.flags:
        assert f"flag.{flag}" in r.playbook.modifiers
    d = r.to_dict()["playbook"]
    assert d["id"] == r.playbook.id and isinstance(d["steps"], list) and d["steps"][0]["action"]
    assert isinstance(d["reply"]["confirm"], list) and d["modifiers"] == list(r.playbook.modifiers)


# --- modifiers ------------------------------------------------------------------------------

@pytest.mark.parametrize("emotion, intensity, flags, applied", [
    ("neutral", "low", (), set()),
    ("anger", "high", (), {"emotion.anger.high"}),
    ("anger", "medium", (), set()),
    ("anxiety", "medium", (), {"emotion.anxiety"}),
    ("confusion", "low", (), {"emotion.confusion"}),
    ("anger", "high", ("legal", "repeat"), {"emotion.anger.high", "flag.legal", "flag.repeat"}),
    ("neutral", "low", tuple(FLAGS), {f"flag.{f}" for f in FLAGS}),
])
def test_modifiers_apply_by_emotion_intensity_and_flags(books, emotion, intensity, flags, applied):
    pb = books.for_result(result(emotion=emotion, intensity=intensity, flags=flags))
    assert set(pb.modifiers) == applied
    assert {s.added_by for s in pb.steps} - {""} == applied


def phase_of(pb, pred):
    return [i for i, s in enumerate(pb.steps) if pred(s)]


def test_high_anger_listens_fully_before_anything_is_explained(books):
    pb = books.for_result(result(emotion="anger", intensity="high"))
    added = phase_of(pb, lambda s: s.added_by == "emotion.anger.high")
    explain = phase_of(pb, lambda s: s.phase in ("apologize", "investigate", "respond"))
    assert pb.steps[added[0]].phase == "listen" and max(added) < min(explain)
    own_listen = phase_of(pb, lambda s: s.phase == "listen" and not s.added_by)
    assert added[0] < min(own_listen)  # "first" goes before the playbook's own listening step


def test_legal_puts_the_legal_team_before_any_written_answer(books):
    for decision in decisions():
        pb = books.for_result(result(*decision, flags=("legal",)))
        legal = phase_of(pb, lambda s: s.added_by == "flag.legal")
        own_respond = phase_of(pb, lambda s: s.phase == "respond" and not s.added_by)
        assert "法務" in pb.escalate_to and pb.steps[legal[0]].owner == "法務"
        assert not own_respond or legal[0] < min(own_respond)


@pytest.mark.parametrize("flag, role", [("regulator", "コンプライアンス部門"), ("public", "広報"),
                                        ("repeat", "上長"), ("compensation", "決裁権限者")])
def test_flags_bring_in_the_right_people(books, flag, role):
    pb = books.for_result(result(flags=(flag,)))
    assert role in pb.escalate_to
    assert len(pb.escalate_to) == len(set(pb.escalate_to))


def test_repeat_makes_a_supervisor_own_the_case_from_the_start(books):
    pb = books.for_result(result(flags=("repeat",)))
    assert pb.steps[0].added_by == "flag.repeat" and pb.steps[0].owner == "上長"


def test_compensation_forbids_promising_on_the_spot(books):
    pb = books.for_result(result(flags=("compensation",)))
    assert any("約束" in d for d in pb.donts)


def test_adapting_leaves_the_shipped_playbook_unchanged(books):
    before = books[("serious", None)]
    books.for_result(result(emotion="anger", intensity="high", flags=("legal",)))
    assert books[("serious", None)] == before and before.modifiers == ()


# --- the first-reply draft ------------------------------------------------------------------

PROMISES = ("返金いたします", "返金します", "補償いたします", "お支払いいたします", "賠償いたします", "必ず", "全額")
DIGITS = re.compile(r"[0-9０-９]")


def check_draft(pb):
    d = first_reply(pb)
    bare = re.sub(r"【[^【】]+】", "", d.text)
    assert not DIGITS.search(bare), d.text  # no dates, amounts or counts stated as facts
    assert not any(p in d.text for p in PROMISES), d.text
    assert "【" not in bare and "】" not in bare  # every bracket is a listed placeholder
    assert set(re.findall(r"【([^【】]+)】", d.text)) == set(d.placeholders)
    assert {"お客様名", "次回ご連絡日時", "担当者名"} <= set(d.placeholders)
    r = pb.reply
    order = [d.text.index(r.empathy), d.text.index(r.apology), d.text.index(r.confirm[0]), d.text.index(r.next_contact)]
    assert order == sorted(order)  # 共感 → 謝罪 → 確認したい事実 → 次の連絡期限
    return d


@settings(max_examples=60, deadline=None)
@given(decision=st.sampled_from(decisions()), emotion=st.sampled_from(EMOTIONS),
       intensity=st.sampled_from(INTENSITIES), flags=st.sets(st.sampled_from(FLAGS)))
def test_no_draft_states_an_unfilled_fact_or_a_promise(decision, emotion, intensity, flags):
    books = load_playbooks()
    check_draft(books.for_result(result(*decision, emotion=emotion, intensity=intensity, flags=sorted(flags))))


def test_draft_does_not_repeat_the_customers_claims_as_facts():
    text = "山田です。昨日3万円が二重に引き落とされました。弁護士に相談します。"
    d = check_draft(triage(text).playbook)
    assert "山田" not in d.text and "3万円" not in d.text


def test_modifier_sentences_reach_the_draft(books):
    d = first_reply(books.for_result(result(emotion="confusion")))
    assert books.modifiers["emotion.confusion"].reply in d.text


def test_first_reply_needs_a_playbook():
    with pytest.raises(PlaybookError, match="expected a TriageResult with a playbook or a Playbook, got str"):
        first_reply("届かない")


# --- rendering ------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_render_includes_every_step_obligation_and_the_draft(books, fmt):
    r = triage("御社から届いたメールに他の顧客の氏名と住所が一覧で載っていました")
    out = render(r, fmt)
    for s in r.playbook.steps:
        assert s.action in out and s.phrase in out
    for o in r.playbook.obligations:
        assert o.source in out
    assert first_reply(r).text.strip() in out
    assert ("```text" in out) == (fmt == "markdown")


def test_render_refuses_an_unknown_format(books):
    with pytest.raises(PlaybookError, match=r"format: expected one of text, markdown, got 'html'"):
        render_playbook(books[("routine", None)], "html")


# --- custom playbooks -----------------------------------------------------------------------

def test_a_team_directory_overrides_one_decision(tmp_path, books):
    (tmp_path / "mine.toml").write_text(MINIMAL, encoding="utf-8")
    mine = load_playbooks(tmp_path)
    assert mine.playbook("routine").id == "routine.team"
    assert mine.playbook("serious") == books.playbook("serious")
    r = triage("注文した商品の色が違いました。交換できますか？", playbooks=tmp_path)
    assert r.tier != "routine" or r.playbook.id == "routine.team"
    assert triage("注文した商品の色が違いました。交換できますか？", playbooks=mine).playbook.id == r.playbook.id


def test_a_team_can_replace_add_and_switch_off_modifiers(tmp_path, books):
    (tmp_path / "modifiers.toml").write_text("""
[[modifiers]]
id = "flag.public"
enabled = false

[[modifiers]]
id = "flag.legal"
when = { flag = "legal" }
escalate_to = ["顧問弁護士"]

[[modifiers]]
id = "team.vip"
when = { emotion = ["disappointment"], intensity = ["high"] }
reply = "今後ともどうぞよろしくお願いいたします。"
""", encoding="utf-8")
    mine = load_playbooks(tmp_path)
    assert "flag.public" not in mine.modifiers and "team.vip" in mine.modifiers
    pb = mine.for_result(result(flags=("legal", "public")))
    assert pb.modifiers == ("flag.legal",)
    assert pb.escalate_to == tuple(dict.fromkeys(books.playbook("serious").escalate_to + ("顧問弁護士",)))


def test_a_team_reply_frame_replaces_only_the_keys_it_gives(tmp_path, books):
    (tmp_path / "reply.toml").write_text('closing = "引き続きよろしくお願いいたします。"\n', encoding="utf-8")
    mine = load_playbooks(tmp_path)
    reply = mine.playbook("routine").reply
    assert reply.closing == "引き続きよろしくお願いいたします。"
    assert reply.salutation == books.playbook("routine").reply.salutation


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.replace('tier = "routine"', 'tier = "urgent"'), r"mine.toml: key 'tier': expected one of routine"),
    (lambda s: s.replace('title = "当チームの通常対応"\n', ''), r"mine.toml: key 'title': expected a non-empty string, got nothing"),
    (lambda s: s.replace('seed = "kami_taiou"', 'seed = "blog"'), r"mine.toml: steps\[0\]: key 'seed': expected one of .* \(listed in seeds.toml\), got 'blog'"),
    (lambda s: s.replace('phase = "listen"', 'phase = "later"'), r"mine.toml: steps\[0\]: key 'phase': expected one of prepare, listen"),
    (lambda s: s.replace('phase = "respond"', 'phase = "prepare"'), r"mine.toml: steps\[1\]: key 'phase': 'prepare' comes after 'listen'"),
    (lambda s: s.replace('owner = "一次対応者"\n', 'owner = 3\n', 1), r"mine.toml: steps\[0\]: key 'owner': expected a non-empty string, got 3"),
    (lambda s: s.replace('escalate_to = ["一次対応者"]', 'escalate_to = "一次対応者"'), r"key 'escalate_to': expected a non-empty list of strings"),
    (lambda s: s.replace('tier = "routine"', 'tier = "routine"\ncategory = "data_leak"'), r"key 'category': only worst_case playbooks have a category"),
    (lambda s: s.replace('tier = "routine"', 'tier = "worst_case"'), r"key 'category': a worst_case playbook needs one of"),
    (lambda s: s.replace("[draft]", "[drafts]"), r"mine.toml: unknown key\(s\) drafts; expected only id, title"),
    (lambda s: s.replace("[[steps]]", "[[step]]", 1), r"mine.toml: unknown key\(s\) step; expected only"),
    (lambda s: s + '\n[[obligation]]\nname = "x"\n', r"mine.toml: unknown key\(s\) obligation"),
    (lambda s: s.replace('why = "真意をつかむため"', 'why = "真意をつかむため"\nwhom = "x"'),
     r"mine.toml: steps\[0\]: unknown key\(s\) whom"),
    (lambda s: s.replace("【次回ご連絡日時】までに", "明日までに"), r"draft: key 'next_contact': expected the placeholder\(s\) 【次回ご連絡日時】"),
    (lambda s: s + 'note = "閉じていない文字列\n', r"mine.toml: not valid TOML"),
])
def test_malformed_files_name_the_file_and_key(tmp_path, edit, message):
    (tmp_path / "mine.toml").write_text(edit(MINIMAL), encoding="utf-8")
    with pytest.raises(PlaybookError, match=message):
        load_playbooks(tmp_path)


@pytest.mark.parametrize("text, message", [
    ('[[modifiers]]\nid = "x"\nwhen = { mood = "bad" }\n', r"modifiers.toml: modifiers\[0\]: key 'when': unknown condition\(s\) mood"),
    ('[[modifiers]]\nid = "x"\nwhen = { flag = "lawsuit" }\n', r"key 'when.flag': expected one of legal, regulator"),
    ('[[modifiers]]\nid = "x"\nwhen = { emotion = ["rage"] }\n', r"key 'when.emotion': expected one of anger"),
    ('[[modifiers]]\nid = "x"\n', r"key 'when': expected a table"),
    ('[[modifiers]]\nid = "x"\nwhen = { flag = "legal" }\nreply = "a"\n[[modifiers]]\nid = "x"\nwhen = { flag = "legal" }\nreply = "b"\n',
     r"'x' is used twice"),
    ('[[modifiers]]\nid = "flag.legal"\nwhen = { flag = "legal" }\nescalte_to = ["法務"]\n', r"unknown key\(s\) escalte_to"),
    ('[[modifiers]]\nid = "x"\nwhen = { flag = "legal" }\n', r"modifier 'x' changes nothing"),
    ('[[modifiers]]\nid = "emotion.angr.high"\nenabled = false\n', r"enabled = false for 'emotion.angr.high', which is not a modifier"),
    ('[[modifiers]]\nid = "x"\nwhen = { flag = "legal" }\n[[modifiers.steps]]\nplace = "middle"\n', r"steps\[0\]: key 'place': expected one of first, last"),
])
def test_malformed_modifiers_name_the_file_and_key(tmp_path, text, message):
    (tmp_path / "modifiers.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PlaybookError, match=message):
        load_playbooks(tmp_path)


def test_unknown_reply_keys_are_refused(tmp_path):
    (tmp_path / "reply.toml").write_text('greeting = "こんにちは"\n', encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"reply.toml: unknown key\(s\) greeting; expected only salutation"):
        load_playbooks(tmp_path)


def test_two_files_for_one_decision_are_an_error(tmp_path):
    (tmp_path / "a.toml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "b.toml").write_text(MINIMAL.replace("routine.team", "routine.other"), encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"b.toml: a second playbook for routine \(the first is .*a.toml\)"):
        load_playbooks(tmp_path)


def test_missing_directory_is_an_error(tmp_path):
    with pytest.raises(PlaybookError, match=r"not a directory"):
        load_playbooks(tmp_path / "nope")


def test_obligation_without_a_url_source_is_refused(tmp_path):
    text = MINIMAL + ('\n[[obligations]]\nname = "報告"\napplies_when = "常に"\ndeadline = "法務が確認"\n'
                      'report_to = "所管官庁"\nsource = "ネットで見た"\nnote = "法務が確認すること"\n')
    (tmp_path / "mine.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"obligations\[0\]: key 'source': expected the URL"):
        load_playbooks(tmp_path)


def test_shipped_files_copied_as_a_team_folder_give_the_same_playbooks(tmp_path, books):
    shutil.copytree(playbook_dir(), tmp_path / "copy")
    copy = load_playbooks(tmp_path / "copy")
    assert {k: replace(v, source_file="") for k, v in copy.items()} == {k: replace(v, source_file="") for k, v in books.items()}
    assert copy[("routine", None)].source_file == str(tmp_path / "copy" / "routine.toml")  # a team file says where it is


def test_two_playbooks_with_one_id_are_refused(tmp_path):
    (tmp_path / "leak.toml").write_text((playbook_dir() / "data_leak.toml").read_text(encoding="utf-8")
                                        .replace('id = "worst_case.data_leak"', 'id = "routine"'), encoding="utf-8")
    with pytest.raises(PlaybookError, match=r"id 'routine' is also the id of"):
        load_playbooks(tmp_path)


def test_every_modifier_combination_adapts_every_playbook(books):
    # no combination of labels can produce a plan that fails to build or repeats a step
    for decision, emotion, intensity in itertools.product(decisions(), EMOTIONS, INTENSITIES):
        pb = books.for_result(result(*decision, emotion=emotion, intensity=intensity, flags=FLAGS))
        assert len(pb.steps) == len(set(pb.steps))


def test_markdown_nests_the_details_of_step_ten_and_later(books):
    pb = books.for_result(result("worst_case", "product_accident", emotion="anger", intensity="high", flags=("legal",)))
    assert len(pb.steps) >= 10
    lines = render_playbook(pb, "markdown").splitlines()
    ten = lines.index(next(line for line in lines if line.startswith("10. ")))
    assert lines[ten + 1].startswith("    - なぜ: ")  # four spaces: under "10. ", not a new list


def test_health_comes_before_everything_said_to_an_injured_customer(books):
    pb = books.for_result(result("worst_case", "product_accident", emotion="anger", intensity="high"))
    first_talk = next(s for s in pb.steps if "体" in s.action or "遮らず" in s.action)
    assert "お体" in first_talk.action


def test_a_bom_and_decomposed_kana_from_other_editors_are_read(tmp_path):
    import unicodedata

    text = unicodedata.normalize("NFD", MINIMAL)
    (tmp_path / "mine.toml").write_bytes("\ufeff".encode() + text.encode("utf-8"))
    assert load_playbooks(tmp_path).playbook("routine").id == "routine.team"


def test_a_file_that_is_not_utf8_says_so(tmp_path):
    (tmp_path / "mine.toml").write_bytes(MINIMAL.encode("cp932"))
    with pytest.raises(PlaybookError, match=r"mine.toml: not UTF-8 .*save the file as UTF-8"):
        load_playbooks(tmp_path)


def test_render_keeps_each_evidence_on_one_line():
    r = triage("お世話になっております。\n\n先日の請求が二重になっていました。\n返金をお願いします。")
    lines = render(r, "markdown").splitlines()
    section = lines[lines.index("**Evidence:**") + 1: next(i for i, x in enumerate(lines) if x.startswith("## "))]
    items = [x for x in section if x.strip()]
    assert len(items) == len(r.evidence)
    assert all(x.startswith("- 「") and x.endswith(f"→ {e.label}") for x, e in zip(items, r.evidence))
