"""The batch run's HTML report: every section, escaping, evidence marks, offline, atomic write."""

import copy
import os
import re

import pytest

from kujo_triage import report
from kujo_triage.report import MAX_ERROR_ROWS, _highlight, render_report, write_report

TEXT_LEAK = "先日、他のお客様の個人情報が届きました。弁護士に相談します。"


def _summary():
    return {
        "input": "export.csv", "output": "scored.csv", "started": "2026-12-07T23:10:00", "elapsed_s": 12.3,
        "rows": 1000, "scored": 990, "errors": 10, "needs_review": 57,
        "text_columns": ["件名", "本文"], "model": "default (kujo-triage 0.1.0.dev0)",
        "by_tier": {"routine": 600, "serious": 250, "worst_case": 140},
        "by_category": {"data_leak": 40, "product_accident": 50, "service_error": 50},
        "by_emotion": {"anger": 300, "anxiety": 200, "disappointment": 200, "confusion": 90, "neutral": 200},
        "by_intensity": {"low": 500, "medium": 300, "high": 190},
        "by_flag": {"legal": 12, "regulator": 3, "public": 20, "churn": 80, "compensation": 60, "repeat": 40},
        "errors_by_kind": {"empty text": {"count": 8, "rows": [5, 17, 23, 31, 40, 52, 77, 81]},
                           "undecodable bytes": {"count": 2, "rows": [44, 90]}},
        "worst_cases": [
            {"row": 12, "id": "T-00012", "category": "data_leak", "confidence": 0.93, "needs_review": False,
             "flags": ["legal"], "playbook": "worst_case.data_leak", "text": TEXT_LEAK,
             "spans": [[3, 13, "data_leak"], [20, 23, "legal"]]},
            {"row": 40, "id": "T-00040", "category": "product_accident", "confidence": 0.714, "needs_review": True,
             "flags": ["compensation", "public"], "playbook": "worst_case.product_accident",
             "text": "充電中に発火して、\n手をやけどしました。", "spans": [[4, 6, "product_accident"]]},
        ],
        "worst_cases_total": 140,
    }


def _row_of(page, label):
    """The chart row of ``label`` with the SVG bar removed: '<th …>label</th>…count…pct'."""
    match = re.search(rf'<tr><th scope="row">{re.escape(label)}</th>.*?</tr>', page)
    assert match, label
    return re.sub(r"<svg.*?</svg>", "", match.group(0))


# --- sections ---------------------------------------------------------------------------------

def test_header_shows_the_run_facts():
    page = render_report(_summary())
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for fact in ("export.csv", "scored.csv", "2026-12-07 23:10:00", "12.3 秒", "件名、本文",
                 "default (kujo-triage 0.1.0.dev0)"):
        assert fact in page, fact
    for label, value in (("読み込み行数", "1,000"), ("スコア付け行数", "990"), ("エラー行数", "10"), ("要確認", "57")):
        assert f'<div class="value">{value}</div><div class="label">{label}</div>' in page


def test_charts_give_counts_and_percentages_in_label_order():
    page = render_report(_summary())
    for title in ("重大度 (tier)", "最悪ケースの種別 (category)", "感情 (emotion)", "強度 (intensity)", "フラグ (flags)"):
        assert f"<h3>{title}</h3>" in page
    # tiers, emotions, intensities and flags are shares of the scored rows
    assert ">600</td><td class=\"num\">60.6%</td>" in _row_of(page, "routine")
    assert ">140</td><td class=\"num\">14.1%</td>" in _row_of(page, "worst_case")
    assert ">12</td><td class=\"num\">1.2%</td>" in _row_of(page, "legal")
    assert ">190</td><td class=\"num\">19.2%</td>" in _row_of(page, "high")
    # categories are shares of the worst_case rows
    assert ">40</td><td class=\"num\">28.6%</td>" in _row_of(page, "data_leak")
    # canonical order, whatever the dict order
    shuffled = _summary()
    shuffled["by_tier"] = {"worst_case": 140, "routine": 600, "serious": 250}
    page2 = render_report(shuffled)
    assert page2.index(">routine<") < page2.index(">serious<") < page2.index(">worst_case</th>")
    assert page2 == page


def test_bar_width_is_the_share():
    page = render_report(_summary())
    assert re.search(r'<th scope="row">routine</th>.*?<rect class="fill routine" width="60.61"', page)


def test_unknown_labels_are_listed_after_the_known_ones():
    s = _summary()
    s["by_flag"] = {"legal": 1, "zz_custom": 2, "aa_custom": 3}
    page = render_report(s)
    assert page.index(">repeat<") < page.index(">aa_custom<") < page.index(">zz_custom<")
    assert ">0</td>" in _row_of(page, "regulator")  # a known label missing from the dict shows 0


def test_worst_cases_table():
    page = render_report(_summary())
    assert "<h2>最悪ケース (worst_case)</h2>" in page
    for cell in ('<td class="num">12</td>', '<td class="id">T-00012</td>', '<td class="id">worst_case.data_leak</td>',
                 '<td class="num">0.93</td>', '<td class="num">0.71</td>', '<span class="flag">legal</span>',
                 '<span class="flag">compensation</span><span class="flag">public</span>'):
        assert cell in page, cell
    assert page.count('<span class="badge review">要確認</span>') == 1  # only T-00040 needs review
    assert page.index("T-00012") < page.index("T-00040")  # the caller's order is kept
    assert "138 more not shown" in page


def test_no_more_line_when_every_worst_case_is_shown():
    s = _summary()
    s["worst_cases_total"] = 2
    assert "more not shown" not in render_report(s)
    del s["worst_cases_total"]
    assert "more not shown" not in render_report(s)


def test_more_line_even_when_no_rows_are_given():
    s = _summary()
    s["worst_cases"] = []
    assert "140 more not shown" in render_report(s)


def test_flags_may_come_as_the_csv_cell():
    s = _summary()
    s["worst_cases"][0]["flags"] = "legal;churn"
    assert '<span class="flag">legal</span><span class="flag">churn</span>' in render_report(s)


def test_review_and_errors():
    page = render_report(_summary())
    assert "<h2>要確認・エラー</h2>" in page
    assert "<strong>57</strong>" in page and "5.8%" in page
    assert '<tr><td>empty text</td><td class="num">8</td><td>5, 17, 23, 31, 40, 52, 77, 81</td></tr>' in page
    assert '<tr><td>undecodable bytes</td><td class="num">2</td><td>44, 90</td></tr>' in page
    assert page.index("empty text") < page.index("undecodable bytes")  # most frequent first


def test_error_examples_are_capped():
    s = _summary()
    s["errors_by_kind"] = {"empty text": {"count": 500, "rows": list(range(1, 101))}}
    page = render_report(s)
    cell = re.search(r"<tr><td>empty text</td>.*?</tr>", page).group(0)
    assert ", ".join(str(n) for n in range(1, MAX_ERROR_ROWS + 1)) + " <span" in cell
    assert f"{MAX_ERROR_ROWS + 1}," not in cell
    assert "他 480 行" in cell


# --- escaping and self-containment ------------------------------------------------------------

def test_texts_ids_kinds_and_names_are_escaped():
    s = _summary()
    s["input"] = 'a<b>&"c".csv'
    s["text_columns"] = ["<col>"]
    text = "<script>alert('x')</script> & 発火"
    at = text.index("発火")
    s["worst_cases"][0].update(id="<img src=x onerror=alert(1)>", playbook="<pb>", category="<cat>",
                               text=text, spans=[[at, at + 2, "<lbl>"]], flags=["<f>"])
    s["errors_by_kind"] = {"<b>bad</b>: kind": {"count": 1, "rows": ["<7>"]}}
    page = render_report(s)
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; " in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'a&lt;b&gt;&amp;&quot;c&quot;.csv' in page
    assert '<mark title="&lt;lbl&gt;">発火</mark>' in page
    for escaped in ("&lt;pb&gt;", "&lt;cat&gt;", "&lt;f&gt;", "&lt;col&gt;", "&lt;b&gt;bad&lt;/b&gt;: kind", "&lt;7&gt;"):
        assert escaped in page, escaped


def test_invalid_characters_become_replacement_characters():
    out = _highlight("a\x00b\udcffc", [[3, 4, "x"]])
    assert out == 'a\ufffdb<mark title="x">\ufffd</mark>c'


def test_self_contained():
    page = render_report(_summary())
    lowered = page.lower()
    for banned in ("http://", "https://", "<script", "<link", "@import", "url(", "<img", "<iframe", "src="):
        assert banned not in lowered, banned
    assert "<style>" in page and "<svg" in page


def test_deterministic():
    assert render_report(_summary()) == render_report(_summary())


def test_summary_is_not_modified():
    s = _summary()
    before = copy.deepcopy(s)
    render_report(s)
    assert s == before


# --- evidence spans -----------------------------------------------------------------------------

def test_spans_at_their_offsets():
    page = render_report(_summary())
    assert ('先日、<mark title="data_leak">他のお客様の個人情報</mark>が届きました。'
            '<mark title="legal">弁護士</mark>に相談します。') in page
    assert TEXT_LEAK[3:13] == "他のお客様の個人情報" and TEXT_LEAK[20:23] == "弁護士"
    assert '充電中に<mark title="product_accident">発火</mark>して、\n手をやけどしました。' in page


@pytest.mark.parametrize("spans, expected", [
    ([], "abcdefgh"),
    ([[0, 2, "x"]], '<mark title="x">ab</mark>cdefgh'),
    ([[6, 8, "x"]], 'abcdef<mark title="x">gh</mark>'),
    ([[0, 8, "x"]], '<mark title="x">abcdefgh</mark>'),
    # overlapping: one mark, both labels, in order of start
    ([[4, 7, "b"], [2, 5, "a"]], 'ab<mark title="a, b">cdefg</mark>h'),
    # nested, and the same label twice
    ([[1, 7, "a"], [2, 4, "b"], [3, 5, "a"]], 'a<mark title="a, b">bcdefg</mark>h'),
    # a chain of overlaps merges transitively
    ([[0, 2, "a"], [1, 4, "b"], [3, 6, "c"]], '<mark title="a, b, c">abcdef</mark>gh'),
    # touching spans stay separate
    ([[0, 2, "a"], [2, 4, "b"]], '<mark title="a">ab</mark><mark title="b">cd</mark>efgh'),
    # identical spans with different labels
    ([[3, 5, "b"], [3, 5, "a"]], 'abc<mark title="a, b">de</mark>fgh'),
    # out of range is clipped, empty or inverted or malformed spans are dropped
    ([[-3, 2, "a"], [6, 99, "b"]], '<mark title="a">ab</mark>cdef<mark title="b">gh</mark>'),
    ([[3, 3, "a"], [5, 4, "b"], [8, 9, "c"], ["x", 2, "d"], [1], None], "abcdefgh"),
    # tuples (as score_texts gives them) and a span without a label
    ([(1, 3, "a"), (5, 6)], 'a<mark title="a">bc</mark>de<mark>f</mark>gh'),
])
def test_highlight_merges_and_clips(spans, expected):
    assert _highlight("abcdefgh", spans) == expected


def test_highlight_escapes_inside_and_around_marks():
    assert _highlight("<a>&<b>", [[1, 5, "x"]]) == '&lt;<mark title="x">a&gt;&amp;&lt;</mark>b&gt;'


def test_highlight_without_text_or_spans():
    assert _highlight(None, None) == ""
    assert _highlight("abc", None) == "abc"


# --- empty and partial summaries ------------------------------------------------------------------

@pytest.mark.parametrize("summary", [
    {},
    {"input": "empty.csv", "rows": 0, "scored": 0, "errors": 0, "needs_review": 0, "text_columns": [],
     "by_tier": {}, "by_category": {}, "by_emotion": {}, "by_intensity": {}, "by_flag": {},
     "errors_by_kind": {}, "worst_cases": [], "worst_cases_total": 0, "elapsed_s": 0.0},
    {"input": "bad.csv", "rows": 3, "scored": 0, "errors": 3, "by_tier": {}, "worst_cases": [],
     "errors_by_kind": {"empty text": {"count": 3, "rows": [1, 2, 3]}}},
])
def test_empty_summaries_render(summary):
    page = render_report(summary)
    for heading in ("<h1>クレーム分類レポート</h1>", "<h2>分布</h2>", "<h2>最悪ケース (worst_case)</h2>",
                    "<h2>要確認・エラー</h2>"):
        assert heading in page
    assert "最悪ケースと判定された行はありません。" in page
    assert "more not shown" not in page
    assert "<script" not in page and "http" not in page
    assert ">0</td><td class=\"num\">–</td>" in _row_of(page, "routine")  # no share of zero rows


def test_all_errors_run_lists_them():
    page = render_report({"rows": 3, "scored": 0, "errors": 3,
                          "errors_by_kind": {"empty text": {"count": 3, "rows": [1, 2, 3]}}})
    assert '<tr><td>empty text</td><td class="num">3</td><td>1, 2, 3</td></tr>' in page


def test_no_errors_says_so():
    s = _summary()
    s["errors"], s["errors_by_kind"] = 0, {}
    assert "エラーの行はありません。" in render_report(s)


def test_started_that_is_not_iso_is_shown_as_given():
    s = _summary()
    s["started"] = "yesterday <evening>"
    assert "yesterday &lt;evening&gt;" in render_report(s)


# --- writing ------------------------------------------------------------------------------------

def test_write_report_creates_the_file_and_no_temp(tmp_path):
    target = tmp_path / "report.html"
    write_report(target, _summary())
    assert target.read_text(encoding="utf-8") == render_report(_summary())
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_report_replaces_an_old_report(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    write_report(str(target), {})
    assert target.read_text(encoding="utf-8") == render_report({})
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_report_failure_keeps_the_old_file_and_removes_the_temp(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(report.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_report(target, _summary())
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_report_into_a_missing_directory_fails(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_report(tmp_path / "nope" / "report.html", {})


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_write_report_file_is_readable_like_any_new_file(tmp_path):
    target = tmp_path / "report.html"
    old = os.umask(0o022)
    try:
        write_report(target, {})
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644
