"""A self-contained HTML summary of a batch scoring run, for the support team lead.

:func:`render_report` turns the summary dict the batch scorer builds into one HTML page:
the run's facts, bar charts of tiers, worst-case categories, emotions, intensities and flags,
the worst-case rows with their evidence highlighted, and the rows that need review or failed.
The page has inline CSS and inline SVG only: no scripts, no fonts or images from the network,
so it opens offline and prints on A4. The same dict always gives the same HTML.

The summary dict (every key optional; empty dicts and lists render too)::

    {
      "input": "export.csv", "output": "scored.csv", "started": "2026-12-07T23:10:00",
      "elapsed_s": 12.3, "rows": 1000, "scored": 990, "errors": 10, "needs_review": 57,
      "text_columns": ["件名", "本文"], "model": "default (kujo-triage 0.1.0.dev0)",
      "by_tier": {"routine": 600, ...}, "by_category": {"data_leak": 40, ...},
      "by_emotion": {...}, "by_intensity": {...}, "by_flag": {"legal": 12, ...},
      "errors_by_kind": {"empty text": {"count": 8, "rows": [5, 17]}},
      "worst_cases": [{"row": 12, "id": "T-00012", "category": "data_leak",
                       "confidence": 0.93, "needs_review": False, "flags": ["legal"],
                       "playbook": "worst_case.data_leak", "text": "...",
                       "spans": [[3, 7, "data_leak"], [10, 12, "legal"]]}],
      "worst_cases_total": 140,
    }
"""

from __future__ import annotations

import html
import os
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from string import Template
from typing import Any

from .resources import read_text
from .schema import CATEGORIES, EMOTIONS, FLAGS, INTENSITIES, TIERS, WORST_CASE

TEMPLATE_FILE = "report.html"

#: At most this many example row numbers are listed per error kind.
MAX_ERROR_ROWS = 20

# C0 controls (other than tab, newline, carriage return), DEL and lone surrogates are not
# valid in an HTML document; each becomes U+FFFD, one character for one, so offsets hold.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _esc(value: Any) -> str:
    """``value`` as HTML text, safe in element content and in quoted attribute values."""
    return html.escape(_INVALID.sub("\ufffd", "" if value is None else str(value)), quote=True)


def _int(value: Any) -> int:
    """A count from the summary; anything that is not a number counts as 0."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _num(n: int) -> str:
    return f"{n:,}"


def _pct(count: int, total: int) -> str:
    return f"{100.0 * count / total:.1f}%" if total > 0 else "–"


def _mapping(value: Any) -> Mapping[Any, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else ()


def _labels(value: Any) -> list[str]:
    """Flags as a list; a ``;``-joined string (the CSV cell form) is split."""
    if isinstance(value, str):
        return [f for f in value.split(";") if f]
    return [str(f) for f in _sequence(value)]


def _merge_spans(spans: Iterable[Any], length: int) -> list[tuple[int, int, list[str]]]:
    """Clip spans to ``[0, length)``, drop empty or malformed ones, merge overlapping ones.

    Overlapping or nested spans become one span carrying every label once, in the order of the
    spans' starts. Spans that only touch (one ends where the next starts) stay separate.
    """
    clean: list[tuple[int, int, str]] = []
    for span in spans:
        try:
            start, end = max(0, int(span[0])), min(length, int(span[1]))
            label = str(span[2]) if len(span) > 2 and span[2] is not None else ""
        except (TypeError, ValueError, IndexError, KeyError):
            continue
        if start < end:
            clean.append((start, end, label))
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, label in sorted(clean):
        if merged and start < merged[-1][1]:
            first, last, labels = merged[-1]
            merged[-1] = (first, max(last, end), labels)
        else:
            labels = []
            merged.append((start, end, labels))
        if label and label not in labels:
            labels.append(label)
    return merged


def _highlight(text: Any, spans: Any) -> str:
    """``text`` HTML-escaped, with each (merged) evidence span in ``<mark title="labels">``.

    Examples
    --------
    >>> _highlight("<b>発火した", [[3, 5, "product_accident"]])
    '&lt;b&gt;<mark title="product_accident">発火</mark>した'
    """
    text = "" if text is None else str(text)
    out: list[str] = []
    pos = 0
    for start, end, labels in _merge_spans(_sequence(spans), len(text)):
        out.append(_esc(text[pos:start]))
        title = f' title="{_esc(", ".join(labels))}"' if labels else ""
        out.append(f"<mark{title}>{_esc(text[start:end])}</mark>")
        pos = end
    out.append(_esc(text[pos:]))
    return "".join(out)


def _started(value: Any) -> str:
    """An ISO date-time as ``YYYY-MM-DD HH:MM:SS`` (offset kept); anything else as given."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    try:
        return datetime.fromisoformat(str(value)).isoformat(sep=" ", timespec="seconds")
    except ValueError:
        return "" if value is None else str(value)


def _elapsed(value: Any, scored: int) -> str:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return "–"
    rate = f" ({scored / seconds:,.0f} 行/秒)" if seconds > 0 and scored > 0 else ""
    return f"{seconds:,.1f} 秒{rate}"


def _ordered(counts: Mapping[Any, Any], canonical: Sequence[str]) -> list[tuple[str, int]]:
    """The canonical labels first (zeros included), then any other keys sorted."""
    named = {str(k): _int(v) for k, v in counts.items()}
    extra = sorted(k for k in named if k not in canonical)
    return [(k, named.get(k, 0)) for k in canonical] + [(k, named[k]) for k in extra]


def _chart(title: str, counts: Mapping[Any, Any], canonical: Sequence[str], total: int, basis: str,
           colour: str | None = None) -> str:
    """One distribution as a table: label, an SVG bar (share of ``total``), count, percent.

    ``colour`` is a CSS class for every bar; without it a bar takes its label's class (tiers).
    """
    rows = []
    for label, count in _ordered(counts, canonical):
        width = min(100.0, 100.0 * count / total) if total > 0 else 0.0
        cls = _esc(colour if colour else label)
        bar = (f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">'
               f'<rect class="track" width="100" height="10"/>'
               f'<rect class="fill {cls}" width="{width:.2f}" height="10"/></svg>')
        rows.append(f'<tr><th scope="row">{_esc(label)}</th><td class="barcell">{bar}</td>'
                    f'<td class="num">{_num(count)}</td><td class="num">{_pct(count, total)}</td></tr>')
    return (f'<section class="chart"><h3>{_esc(title)}</h3><table>'
            f"<caption>{_esc(basis)}</caption>"
            '<thead><tr><th scope="col">ラベル</th><th scope="col"><span class="muted">割合</span></th>'
            '<th scope="col" class="num">件数</th><th scope="col" class="num">%</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></section>')


def _header(s: Mapping[str, Any]) -> str:
    rows, scored, errors = _int(s.get("rows")), _int(s.get("scored")), _int(s.get("errors"))
    review = _int(s.get("needs_review"))
    worst = _int(_mapping(s.get("by_tier")).get(WORST_CASE))
    columns = "、".join(str(c) for c in _labels(s.get("text_columns"))) or "–"
    facts = [
        ("入力ファイル", _esc(s.get("input") or "–")),
        ("出力ファイル", _esc(s.get("output") or "–")),
        ("実行日時", _esc(_started(s.get("started")) or "–")),
        ("処理時間", _esc(_elapsed(s.get("elapsed_s"), scored))),
        ("テキスト列", _esc(columns)),
        ("モデル", _esc(s.get("model") or "–")),
    ]
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    kpis = [
        ("", "読み込み行数", _num(rows)),
        ("", "スコア付け行数", _num(scored)),
        ("error", "エラー行数", _num(errors)),
        ("worst", WORST_CASE, _num(worst)),
        ("review", "要確認", _num(review)),
    ]
    cards = "".join(f'<div class="{" ".join(["kpi", c]).strip()}"><div class="value">{v}</div>'
                    f'<div class="label">{_esc(k)}</div></div>' for c, k, v in kpis)
    source = f' — {_esc(s["input"])}' if s.get("input") else ""
    return (f"<header><h1>クレーム分類レポート</h1>"
            f'<p class="subtitle">kujo-triage 一括スコアリングの結果{source}</p>'
            f'<dl class="facts">{dl}</dl><div class="kpis">{cards}</div></header>')


def _charts(s: Mapping[str, Any]) -> str:
    by_tier = _mapping(s.get("by_tier"))
    by_category = _mapping(s.get("by_category"))
    scored = _int(s.get("scored")) or sum(_int(v) for v in by_tier.values())
    worst = _int(by_tier.get(WORST_CASE)) if WORST_CASE in by_tier else sum(_int(v) for v in by_category.values())
    of_scored = f"スコア付け {_num(scored)} 行に対する割合"
    charts = [
        _chart("重大度 (tier)", by_tier, TIERS, scored, of_scored),
        _chart("最悪ケースの種別 (category)", by_category, CATEGORIES, worst,
               f"{WORST_CASE} {_num(worst)} 行に対する割合", "category"),
        _chart("感情 (emotion)", _mapping(s.get("by_emotion")), EMOTIONS, scored, of_scored, "plain"),
        _chart("強度 (intensity)", _mapping(s.get("by_intensity")), INTENSITIES, scored, of_scored, "plain"),
        _chart("フラグ (flags)", _mapping(s.get("by_flag")), FLAGS, scored,
               of_scored + "(1 行に複数のフラグが付くことがあります)", "plain"),
    ]
    return f'<section><h2>分布</h2><div class="charts">{"".join(charts)}</div></section>'


def _confidence(value: Any) -> str:
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return _esc(value) if value is not None else "–"


def _worst_cases(s: Mapping[str, Any]) -> str:
    cases = [c for c in _sequence(s.get("worst_cases")) if isinstance(c, Mapping)]
    total = max(_int(s.get("worst_cases_total")), len(cases))
    head = '<section><h2>最悪ケース (worst_case)</h2>'
    if not cases:
        note = "最悪ケースと判定された行はありません。" if total == 0 else "表示できる行がありません。"
        more = f'<p class="note more">{_num(total)} more not shown</p>' if total else ""
        return f'{head}<p class="note">{note}</p>{more}</section>'
    body = []
    for c in cases:
        flags = "".join(f'<span class="flag">{_esc(f)}</span>' for f in _labels(c.get("flags"))) or "–"
        review = '<span class="badge review">要確認</span>' if c.get("needs_review") else ""
        body.append(
            "<tr>"
            f'<td class="num">{_esc(c.get("row", ""))}</td>'
            f'<td class="id">{_esc(c.get("id") or "–")}</td>'
            f'<td><span class="badge worst_case">{_esc(c.get("category") or "–")}</span></td>'
            f'<td class="num">{_confidence(c.get("confidence"))}</td>'
            f"<td>{review}</td>"
            f"<td>{flags}</td>"
            f'<td class="id">{_esc(c.get("playbook") or "–")}</td>'
            f'<td class="text">{_highlight(c.get("text"), c.get("spans"))}</td>'
            "</tr>"
        )
    shown = f"{_num(total)} 行中 {_num(len(cases))} 行を表示。" if total > len(cases) else f"{_num(total)} 行。"
    more = (f'<p class="note more">{_num(total - len(cases))} more not shown</p>'
            if total > len(cases) else "")
    return (f'{head}<p class="note">{shown}ハイライトは判定の根拠となった箇所です(ラベル付き)。</p>'
            '<table class="rows"><thead><tr>'
            '<th scope="col" class="num">行</th><th scope="col">ID</th><th scope="col">category</th>'
            '<th scope="col" class="num">confidence</th><th scope="col">needs_review</th>'
            '<th scope="col">flags</th><th scope="col">playbook</th><th scope="col">本文</th>'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table>{more}</section>')


def _review_and_errors(s: Mapping[str, Any]) -> str:
    scored, review = _int(s.get("scored")), _int(s.get("needs_review"))
    out = ['<section><h2>要確認・エラー</h2>',
           f'<p>要確認 (needs_review) の行: <strong>{_num(review)}</strong>'
           f'<span class="muted"> ({_pct(review, scored)} / スコア付け {_num(scored)} 行)</span></p>']
    kinds = []
    for kind, info in _mapping(s.get("errors_by_kind")).items():
        info = _mapping(info)
        rows = [_esc(r) for r in _sequence(info.get("rows"))]
        count = _int(info.get("count")) if "count" in info else len(rows)
        kinds.append((str(kind), count, rows))
    kinds.sort(key=lambda k: (-k[1], k[0]))
    errors = _int(s.get("errors"))
    if not kinds:
        text = "エラーの行はありません。" if errors == 0 else f"エラーの行: {_num(errors)}(種類別の内訳なし)"
        out.append(f'<p class="note">{text}</p>')
    else:
        out.append(f"<p>エラーの行: <strong>{_num(errors)}</strong>(スコアは付いていません)</p>")
        body = []
        for kind, count, rows in kinds:
            examples = ", ".join(rows[:MAX_ERROR_ROWS])
            if count > min(len(rows), MAX_ERROR_ROWS):
                examples += f' <span class="muted">… 他 {_num(count - min(len(rows), MAX_ERROR_ROWS))} 行</span>'
            body.append(f'<tr><td>{_esc(kind)}</td><td class="num">{_num(count)}</td>'
                        f"<td>{examples or '–'}</td></tr>")
        out.append('<table class="rows"><thead><tr><th scope="col">エラーの種類</th>'
                   '<th scope="col" class="num">件数</th>'
                   f'<th scope="col">行番号の例 (最大 {MAX_ERROR_ROWS})</th></tr></thead>'
                   f'<tbody>{"".join(body)}</tbody></table>')
    notes = []
    for kind, info in _mapping(s.get("notes_by_kind")).items():
        info = _mapping(info)
        rows = [_esc(r) for r in _sequence(info.get("rows"))]
        notes.append((str(kind), _int(info.get("count")) if "count" in info else len(rows), rows))
    if notes:
        notes.sort(key=lambda k: (-k[1], k[0]))
        body = [f'<tr><td>{_esc(kind)}</td><td class="num">{_num(count)}</td>'
                f"<td>{', '.join(rows[:MAX_ERROR_ROWS]) or '–'}</td></tr>" for kind, count, rows in notes]
        out.append("<p>注記付きの行（スコアは付いています）</p>"
                   '<table class="rows"><thead><tr><th scope="col">注記の種類</th>'
                   '<th scope="col" class="num">件数</th>'
                   f'<th scope="col">行番号の例 (最大 {MAX_ERROR_ROWS})</th></tr></thead>'
                   f'<tbody>{"".join(body)}</tbody></table>')
    out.append("</section>")
    return "".join(out)


def render_report(summary: Mapping[str, Any]) -> str:
    """The batch run's summary as one self-contained HTML page.

    Parameters
    ----------
    summary : mapping
        The batch scorer's summary (see the module docstring). Every key is optional; missing
        or empty counts render as zeros and empty sections say so.

    Returns
    -------
    str
        A complete HTML document: inline CSS and SVG, no scripts, no external URLs. Texts, ids,
        file names and error kinds are HTML-escaped; evidence spans are ``<mark title="label">``
        (overlapping or nested spans are merged into one mark titled with all their labels).
        The same summary always gives the same string.

    Examples
    --------
    >>> page = render_report({"input": "export.csv", "rows": 2, "scored": 2,
    ...                       "by_tier": {"routine": 1, "worst_case": 1}})
    >>> page.startswith("<!DOCTYPE html>"), "export.csv" in page, "<script" in page
    (True, True, False)
    """
    s = _mapping(summary)
    body = "\n".join([
        _header(s),
        "<main>",
        _charts(s),
        _worst_cases(s),
        _review_and_errors(s),
        "</main>",
        '<footer>kujo-triage による自動分類です。判定は目安であり、最終判断は担当者が行ってください。</footer>',
    ])
    title = f"クレーム分類レポート — {s.get('input') or 'kujo-triage'}"
    return Template(read_text(TEMPLATE_FILE)).substitute(title=_esc(title), body=body)


def write_report(path: str | os.PathLike[str], summary: Mapping[str, Any]) -> None:
    """Render ``summary`` and write it to ``path`` as UTF-8, atomically.

    The page is written to a temporary file in the same directory and moved over ``path`` with
    :func:`os.replace`, so readers see the old report or the new one, never half a file. On any
    error the temporary file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or os.PathLike
        The HTML file to write; its directory must exist.
    summary : mapping
        As for :func:`render_report`.
    """
    path = Path(path)
    data = render_report(summary).encode("utf-8")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            # 0o666 minus the umask: the report gets the permissions of any new file
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:  # pragma: no cover - a 48-bit random name already taken
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
