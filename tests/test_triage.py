"""triage() on the shipped default model: the behaviour a support team relies on."""

import json

import pytest

from kujo_triage import CATEGORIES, EMOTIONS, FLAGS, INTENSITIES, TIERS, EmptyTextError, TriageResult, triage, triage_many

NOT_WORST = ("routine", "serious")

# (text, allowed tiers, category or None)
CASES = [
    # calm reports of worst cases are worst cases: severity is not anger
    ("いつもお世話になっております。先日購入した電気ケトルの底から煙が出て、娘が指に軽いやけどを負いました。念のためご報告いたします。",
     ("worst_case",), "product_accident"),
    ("充電中にスマホが発火して、子どもが手をやけどしました", ("worst_case",), "product_accident"),
    ("御社から届いたメールの宛先に、他のお客様のメールアドレスが100件以上表示されていました。", ("worst_case",), "data_leak"),
    ("振込先を窓口で間違えて処理され、300万円が別の会社の口座に入金されていました。", ("worst_case",), "service_error"),
    ("薬局で渡された薬が別の人の薬で、母が飲んでしまい救急搬送されました。", ("worst_case",), "service_error"),
    # harm implied without the keyword
    ("会員登録した翌日から、知らない業者から何度も電話がかかってくるようになりました。登録した番号にだけです。",
     ("worst_case",), "data_leak"),
    # a fire that happened is a product accident even when nobody was hurt
    ("ストーブから火が出ました。すぐ消えて、けが人はいませんでした。", ("worst_case",), "product_accident"),
    # furious about routine matters
    ("ピザが冷めてたんだけど！！！ふざけんな！！！最悪！！！", NOT_WORST, None),
    ("ふざけるな！！何回電話させるんだ！！配達が1日遅れてるだけでもイライラするのに！！", NOT_WORST, None),
    # negated and hypothetical harm
    ("個人情報が漏洩したわけではありませんが、パスワード再設定のメールが届かず困っています。", NOT_WORST, None),
    ("個人情報が漏れていないか心配です。大丈夫でしょうか。", NOT_WORST, None),
    ("もし充電中に発火したらと思うと怖くて使えません。大丈夫な製品ですか？", NOT_WORST, None),
    # polysemy
    ("上の階からの水漏れで天井にシミができました。管理会社として対応してください。", NOT_WORST, None),
    ("人身事故で電車が遅れ、会議に遅刻しました。遅延証明書はどこでもらえますか。", NOT_WORST, None),
    ("配送車の事故で荷物の到着が遅れると連絡がありました。いつ届きますか。", NOT_WORST, None),
    ("海外送金が遅いです。3日経ってもまだ着金しません。", NOT_WORST, None),
    # another company's incident
    ("ニュースで他社の情報漏洩を見ました。御社は大丈夫ですか？", NOT_WORST, None),
    # ordinary questions and thanks
    ("注文した商品の色が違いました。交換できますか？", ("routine",), None),
    ("いつも丁寧な対応ありがとうございます。", ("routine",), None),
    # foreign matter in food is a product accident even when nobody was harmed
    ("お弁当に髪の毛が入っていました。食べる前に気づいたので体調は大丈夫です。", ("worst_case",), "product_accident"),
    # short posts are read, not counted: a one-line worst case is still a worst case
    ("ケトルの底から火出た", ("worst_case",), "product_accident"),
    ("ｽﾏﾎ燃えた", ("worst_case",), "product_accident"),
    ("カード不正利用された", ("worst_case",), "data_leak"),
    ("薬まちがえて渡された", ("worst_case",), "service_error"),
]


@pytest.mark.parametrize("text, tiers, category", CASES)
def test_tier_and_category(text, tiers, category):
    r = triage(text)
    assert r.tier in tiers
    if category is not None:
        assert r.category == category
    if r.tier != "worst_case":
        assert r.category is None


@pytest.mark.parametrize("text, emotion, intensity", [
    ("ピザが冷めてたんだけど！！！ふざけんな！！！最悪！！！", "anger", "high"),
    ("いつも丁寧な対応ありがとうございます。", "neutral", "low"),
    ("個人情報が漏れていないか心配です。大丈夫でしょうか。", "anxiety", None),
])
def test_emotion_and_intensity(text, emotion, intensity):
    r = triage(text)
    assert r.emotion == emotion
    if intensity:
        assert r.intensity == intensity


@pytest.mark.parametrize("text, flag", [
    ("対応がひどすぎます。弁護士に相談して訴えることも考えています。", "legal"),
    ("このままなら消費者センターに相談します。", "regulator"),
    ("今回の件はSNSで拡散させてもらいます。", "public"),
])
def test_escalation_flags(text, flag):
    assert flag in triage(text).flags


def test_result_fields_and_values():
    r = triage("充電中にスマホが発火して、子どもが手をやけどしました")
    assert isinstance(r, TriageResult)
    assert r.tier in TIERS and r.category in CATEGORIES and r.emotion in EMOTIONS and r.intensity in INTENSITIES
    assert set(r.flags) <= set(FLAGS) and 0.0 <= r.confidence <= 1.0 and isinstance(r.needs_review, bool)
    with pytest.raises(AttributeError):
        r.tier = "routine"  # results are frozen


def test_evidence_points_into_the_original_text_and_supports_the_decision():
    text = "ｽﾏﾎを充電していたら発火して、子どもが手をやけどしました！！"
    r = triage(text)
    assert r.evidence
    for ev in r.evidence:
        assert text[ev.start:ev.end] == ev.text
    supporting = " ".join(e.text for e in r.evidence if e.label == r.category)
    assert "発火" in supporting or "やけど" in supporting


def test_to_dict_is_json_with_stable_keys():
    d = triage("荷物がまだ届きません").to_dict()
    assert list(d) == ["tier", "category", "emotion", "intensity", "flags", "confidence", "needs_review",
                       "evidence", "playbook", "truncated"]
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d


def test_triage_many_matches_triage_in_order():
    texts = ["荷物がまだ届きません", "充電中にスマホが発火しました", "ありがとうございました"]
    many = triage_many(texts, batch_size=2)
    assert [r.to_dict() for r in many] == [triage(t).to_dict() for t in texts]
    assert triage_many([]) == []


@pytest.mark.parametrize("bad, error, message", [
    (None, TypeError, r"expected a str, got NoneType"),
    (b"\xe5\xb1\x8a", TypeError, r"got bytes \(decode it first"),
    (42, TypeError, r"got int"),
    ("", EmptyTextError, r"empty or only whitespace"),
    ("  \n\t　", EmptyTextError, r"empty or only whitespace"),
])
def test_bad_input_gets_a_clear_error(bad, error, message):
    with pytest.raises(error, match=message):
        triage(bad)


def test_empty_text_error_is_a_value_error():
    assert issubclass(EmptyTextError, ValueError)


def test_triage_many_names_the_bad_element_and_rejects_a_bare_string():
    with pytest.raises(TypeError, match=r"texts\[1\]: expected a str, got NoneType"):
        triage_many(["ok", None])
    with pytest.raises(TypeError, match=r"got a single str"):
        triage_many("届かない")


def test_huge_text_is_truncated_not_hung():
    text = "商品が届きません。" * 120_000  # ~1 MB
    r = triage(text)
    assert r.truncated and r.needs_review
