"""Rows of scores for many texts: the columns batch scoring and Dask append to a table.

Unlike :func:`kujo_triage.triage_many`, a bad text never raises here: the row gets an
``error`` and empty scores, and every other row is scored. Batch scoring (``batch.py``) and
the Dask integration (``dask.py``) both build on :func:`score_texts`.
"""

from __future__ import annotations

from typing import Any, Sequence

from .errors import UNDECODABLE

#: The columns appended to every input row, in order.
OUTPUT_COLUMNS: tuple[str, ...] = (
    "tier", "category", "emotion", "intensity", "flags", "playbook",
    "confidence", "needs_review", "evidence", "error",
)

#: A cell longer than this is not scored (the row keeps it and gets an error). The model reads
#: the first 20,000 characters of a text anyway; anything this long is a broken export.
MAX_CELL_CHARS = 1_000_000


#: Prefix of the appended columns when an input column already has one of their names.
PREFIX = "kujo_"


def output_names(columns: Sequence[Any]) -> list[str]:
    """The appended column names for a table with ``columns``: plain, or with the first prefix
    (``kujo_``, ``kujo2_``, ``kujo3_`` …) under which none of them is taken (case-insensitively),
    so nothing of the input is overwritten — also when a scored file is scored again.

    >>> output_names(["id", "text"])[0], output_names(["id", "Tier"])[0], output_names(["tier", "kujo_tier"])[0]
    ('tier', 'kujo_tier', 'kujo2_tier')
    """
    taken = {str(c).casefold() for c in columns}
    for prefix in ("", PREFIX, *(f"kujo{i}_" for i in range(2, 100))):
        candidate = [prefix + c for c in OUTPUT_COLUMNS]
        if not taken & {c.casefold() for c in candidate}:
            return candidate
    from .errors import OptionError

    raise OptionError("the input already has every kujo_/kujoN_ score column name; rename some columns")


def _bad_text(text: Any, max_chars: int) -> str | None:
    """Why ``text`` cannot be scored, or None."""
    if text is None or (isinstance(text, float) and text != text):  # None / NaN from pandas
        return "empty text: the text cell is empty"
    if not isinstance(text, str):
        return f"not text: expected a string, got {type(text).__name__}"
    if not text.strip():
        return "empty text: the text cell is empty or only whitespace"
    if len(text) > max_chars:
        return f"text too long: {len(text):,} characters, over the limit of {max_chars:,}; not scored"
    if UNDECODABLE.search(text):
        return "undecodable bytes: part of this row is not valid in the file's encoding; not scored"
    return None


def empty_row(error: str) -> dict[str, Any]:
    """The appended columns of a row that was not scored."""
    row: dict[str, Any] = {c: "" for c in OUTPUT_COLUMNS}
    row["error"] = error
    row["_spans"] = ()
    return row


def format_evidence(result: Any, text: str | None = None, redact: bool = False) -> str:
    """Evidence as one readable cell: ``発火→product_accident; やけど→product_accident``.

    With ``redact``, each snippet is cut from the redacted ``text`` (masks included whole), so
    no piece of a name, number or address survives in the evidence.
    """
    if redact:
        from .redact import redact_mapped

        out, where = redact_mapped(text if text is not None else "")
        snippets = [out[where.start(e.start):where.end(e.end)] for e in result.evidence]
    else:
        snippets = [e.text for e in result.evidence]
    parts = [f"{' '.join(s.split())}→{e.label}" for s, e in zip(snippets, result.evidence) if s.strip()]
    return "; ".join(parts)


def score_texts(texts: Sequence[Any], *, model: Any = None, playbooks: Any = None, redact: bool = False,
                max_chars: int = MAX_CELL_CHARS) -> list[dict[str, Any]]:
    """Score texts; one dict of :data:`OUTPUT_COLUMNS` per text, in order, never raising for a row.

    Parameters
    ----------
    texts : sequence
        Texts; ``None``, NaN, empty, undecodable or over-long ones get ``error`` set.
    model, playbooks
        As for :func:`kujo_triage.triage`.
    redact : bool
        Mask personal data in the evidence (see :mod:`kujo_triage.redact`).

    Returns
    -------
    list of dict
        ``flags`` joined with ``;``, ``playbook`` the id, ``confidence`` a float, ``needs_review`` a
        bool, ``evidence`` one string; the private key ``_spans`` holds ``(start, end, label)``
        tuples for reports.

    Examples
    --------
    >>> rows = score_texts(["請求が二重になっています", "  "])
    >>> rows[0]["tier"] in ("routine", "serious", "worst_case"), rows[1]["error"][:10]
    (True, 'empty text')
    """
    from .api import triage_many

    rows: list[dict[str, Any] | None] = [None] * len(texts)
    good: list[int] = []
    for i, text in enumerate(texts):
        why = _bad_text(text, max_chars)
        if why:
            rows[i] = empty_row(why)
        else:
            good.append(i)
    if good:
        results = triage_many([texts[i] for i in good], model=model, playbooks=playbooks)
        for i, r in zip(good, results):
            rows[i] = {
                "tier": r.tier,
                "category": r.category or "",
                "emotion": r.emotion,
                "intensity": r.intensity,
                "flags": ";".join(r.flags),
                "playbook": r.playbook.id if r.playbook is not None else "",
                "confidence": round(float(r.confidence), 4),
                "needs_review": bool(r.needs_review),
                "evidence": format_evidence(r, texts[i], redact),
                "error": "",  # a truncated text is scored and marked needs_review, not an error
                "_spans": tuple((e.start, e.end, e.label) for e in r.evidence),
            }
    return rows  # type: ignore[return-value]
