"""Triage the text column of a pandas DataFrame: every row and column kept, scores appended.

:func:`triage_pandas` returns the DataFrame with the score columns of
:data:`kujo_triage.scoring.OUTPUT_COLUMNS` appended. It is what the Dask integration
(:mod:`kujo_triage.dask`) maps over partitions, and what Spark teams call inside
``mapInPandas``; it needs only pandas.

A bad text (empty, missing, not a string, undecodable, too long) never raises: its row gets an
``error`` and empty scores, and every other row is scored (see :func:`kujo_triage.scoring.score_texts`).

Column types (:data:`OUTPUT_DTYPES`)
------------------------------------
- text columns (``tier``, ``category``, ``emotion``, ``intensity``, ``flags``, ``playbook``,
  ``evidence``, ``error``) are pandas ``"string"``; a row that was not scored holds ``""``
  in them, never ``<NA>``, so ``value_counts()`` and ``groupby("tier")`` keep error rows
  visible (as ``""``) instead of dropping them, and ``ddf[ddf.error == ""]`` keeps the scored
  rows. ``"string"`` rather than ``object`` because Dask writes it to Parquet without
  guessing the type of ``object`` columns (which fails) and it matches the type Dask gives
  text columns it reads.
- ``confidence`` is ``float64``, ``NaN`` for a row that was not scored.
- ``needs_review`` is the nullable ``"boolean"``, ``<NA>`` for a row that was not scored.

Name clashes
------------
If the input already has a column named like an output column (a labelled corpus has
``tier``, ``category``, …), **all** appended columns are prefixed with ``kujo_``
(``kujo_tier``, …, ``kujo_error``) so nothing of the input is overwritten; a frame scored
before gets ``kujo2_``, and so on. :func:`output_names` tells the names for a given set of
input columns; batch scoring names them the same way.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Hashable, Sequence, Union

import numpy as np
import pandas as pd

from .errors import KujoTriageError
from .scoring import OUTPUT_COLUMNS, PREFIX, score_texts  # noqa: F401 - PREFIX re-exported
from .scoring import output_names as scoring_output_names

__all__ = [
    "OUTPUT_DTYPES",
    "PREFIX",
    "MissingColumnError",
    "output_names",
    "triage_pandas",
]


#: The dtype of each appended column (keys in the order of ``OUTPUT_COLUMNS``).
OUTPUT_DTYPES: dict[str, str] = {
    c: {"confidence": "float64", "needs_review": "boolean"}.get(c, "string") for c in OUTPUT_COLUMNS
}

#: How the cells of several text columns are joined into one text (件名 + 本文).
JOIN = "\n"

TextColumns = Union[Hashable, Sequence[Hashable]]

# Models and playbooks given as paths, loaded once per process (each Dask worker process
# loads its own copy on its first partition and reuses it for every later one).
_CACHE: dict[tuple[str, str], Any] = {}
_CACHE_LOCK = threading.Lock()


class MissingColumnError(KujoTriageError, KeyError, ValueError):
    """A text column named by the caller is not in the DataFrame.

    A ``KeyError`` (like pandas' own ``df["nope"]``) and a ``ValueError`` (like the other bad
    input errors of kujo-triage); the message names the missing column(s) and lists the
    columns found.
    """

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


def as_columns(text_column: TextColumns) -> list[Hashable]:
    """``text_column`` as a non-empty list of column labels."""
    if isinstance(text_column, (list, tuple)):
        columns = list(text_column)
        if not columns:
            raise ValueError("text_column: expected a column name or a non-empty list of column names, got an "
                             "empty list; name the column(s) holding the complaint text, e.g. ['件名', '本文']")
        return columns
    if isinstance(text_column, (set, frozenset, dict)):
        raise TypeError(f"text_column: expected a column name or a list of names (the order matters, it is the "
                        f"order they are joined in), got a {type(text_column).__name__}; pass a list")
    return [text_column]


def _check_columns(found: Sequence[Hashable], wanted: Sequence[Hashable]) -> None:
    missing = [c for c in wanted if c not in found]
    if missing:
        listed = ", ".join(repr(c) for c in found) or "none"
        raise MissingColumnError(
            f"text_column: no column {', '.join(repr(c) for c in missing)} in the DataFrame; columns found: "
            f"{listed}. Pass text_column= the name of the column holding the complaint text "
            f"(or a list of names to join with a newline)."
        )


def output_names(columns: Sequence[Hashable]) -> dict[str, str]:
    """Names of the appended columns for a DataFrame with ``columns``: output column → name used.

    The names are :data:`~kujo_triage.scoring.OUTPUT_COLUMNS` as they are, or all of them with
    the first free prefix — ``kujo_``, then ``kujo2_``, … — if any is already an input column
    (compared case-insensitively, as for batch scoring).

    Examples
    --------
    >>> output_names(["id", "text"])["tier"]
    'tier'
    >>> output_names(["id", "text", "tier"])["tier"], output_names(["id", "text", "tier"])["error"]
    ('kujo_tier', 'kujo_error')
    >>> output_names(["tier", "kujo_tier"])["tier"]
    'kujo2_tier'
    """
    return dict(zip(OUTPUT_COLUMNS, scoring_output_names(list(columns))))


def _missing(value: Any) -> bool:
    """True for None, NaN, pd.NA and NaT (a missing cell), False for anything else."""
    if value is None or isinstance(value, str):
        return value is None
    try:
        return bool(pd.api.types.is_scalar(value) and pd.isna(value))
    except (TypeError, ValueError):
        return False


def _join(parts: Sequence[Any]) -> Any:
    """One text from the cells of several columns; missing and blank cells are left out.

    All cells missing or blank gives None (an "empty text" row). A cell that is not a string
    is returned as it is, so the row gets score_texts' "not text" error naming its type.
    """
    kept = []
    for part in parts:
        if _missing(part):
            continue
        if not isinstance(part, str):
            return part
        if part.strip():
            kept.append(part)
    return JOIN.join(kept) if kept else None


def _texts(df: pd.DataFrame, columns: Sequence[Hashable]) -> list[Any]:
    if len(columns) == 1:
        return [None if _missing(v) else v for v in df[columns[0]].tolist()]
    cells = [df[c].tolist() for c in columns]
    return [_join(row) for row in zip(*cells)]


def _cached(kind: str, path: str | os.PathLike[str]) -> Any:
    key = (kind, os.path.abspath(os.fspath(path)))
    if key not in _CACHE:
        with _CACHE_LOCK:
            if key not in _CACHE:
                if kind == "model":
                    from .persist import load_model

                    _CACHE[key] = load_model(key[1])
                else:
                    from .playbook import load_playbooks

                    _CACHE[key] = load_playbooks(key[1])
    return _CACHE[key]


def check_model(model: Any) -> None:
    if model is None or isinstance(model, (str, os.PathLike)) or hasattr(model, "triage_many"):
        return
    raise TypeError(f"model: expected None (the shipped model), a TriageModel or the path of a directory saved "
                    f"by save_model(), got {type(model).__name__}; load one with kujo_triage.load_model(path)")


def check_playbooks(playbooks: Any) -> None:
    if playbooks is None or isinstance(playbooks, (str, os.PathLike)) or hasattr(playbooks, "for_result"):
        return
    raise TypeError(f"playbooks: expected None (the shipped playbooks), a PlaybookSet or the path of a directory "
                    f"of playbook files, got {type(playbooks).__name__}")


def _columns(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rows from score_texts → one array per output column, in the dtypes of OUTPUT_DTYPES."""
    out: dict[str, Any] = {}
    for c in OUTPUT_COLUMNS:
        values = [r[c] for r in rows]
        if c == "confidence":
            out[c] = np.array([np.nan if r["error"] else v for r, v in zip(rows, values)], dtype="float64")
        elif c == "needs_review":
            out[c] = pd.array([None if r["error"] else bool(v) for r, v in zip(rows, values)], dtype="boolean")
        else:
            out[c] = pd.array(["" if v is None else str(v) for v in values], dtype=OUTPUT_DTYPES[c])
    return out


def triage_pandas(df: pd.DataFrame, text_column: TextColumns = "text", *, model: Any = None,
                  playbooks: Any = None) -> pd.DataFrame:
    """Return ``df`` with the score columns appended (a new DataFrame; ``df`` is not changed).

    Parameters
    ----------
    df : pandas.DataFrame
        Any columns and any index (kept as they are, duplicates included).
    text_column : column name or list of column names, default "text"
        The column holding the complaint text, or several (e.g. ``["件名", "本文"]``) whose
        cells are joined with a newline, leaving out missing and blank cells.
    model : TriageModel or path, optional
        A model object, or the directory of a model saved by ``save_model`` (loaded on first
        use and cached for the process); the shipped default model otherwise.
    playbooks : PlaybookSet or path, optional
        As for :func:`kujo_triage.triage`; a path is loaded once and cached for the process.

    Returns
    -------
    pandas.DataFrame
        ``df``'s columns, then :data:`~kujo_triage.scoring.OUTPUT_COLUMNS` (prefixed with
        ``kujo_``, ``kujo2_`` … if one of them is already an input column; see :func:`output_names`) with
        the dtypes of :data:`OUTPUT_DTYPES`. Rows that could not be scored have ``error`` set,
        ``""`` in the other text columns, ``NaN`` confidence and ``<NA>`` needs_review.

    Raises
    ------
    MissingColumnError
        (a KeyError and a ValueError) a text column is not in ``df``; the message lists the
        columns found.
    TypeError
        ``df`` is not a pandas DataFrame, or ``model``/``playbooks`` is of the wrong kind.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id": ["a", "b"],
    ...                    "text": ["充電中にスマホが発火して、子どもが手をやけどしました", None]})
    >>> out = triage_pandas(df)
    >>> out["tier"].tolist(), out["category"].tolist()
    (['worst_case', ''], ['product_accident', ''])
    >>> out.loc[1, "error"], bool(pd.isna(out.loc[1, "confidence"])), out.loc[1, "needs_review"]
    ('empty text: the text cell is empty', True, <NA>)
    >>> list(out.columns[:3])
    ['id', 'text', 'tier']
    """
    if not isinstance(df, pd.DataFrame):
        hint = " (for a Dask DataFrame use kujo_triage.dask.triage_dataframe)" if type(df).__module__.startswith("dask") else ""
        raise TypeError(f"triage_pandas: expected a pandas DataFrame, got {type(df).__name__}{hint}")
    columns = as_columns(text_column)
    _check_columns(list(df.columns), columns)
    names = output_names(list(df.columns))
    check_model(model)
    check_playbooks(playbooks)
    rows: list[dict[str, Any]] = []
    if len(df):
        if isinstance(model, (str, os.PathLike)):
            model = _cached("model", model)
        if isinstance(playbooks, (str, os.PathLike)):
            playbooks = _cached("playbooks", playbooks)
        rows = score_texts(_texts(df, columns), model=model, playbooks=playbooks)
    # arrays, not Series: assigned by position, so any index (even with duplicates) is kept as is
    return df.assign(**{names[c]: values for c, values in _columns(rows).items()})
