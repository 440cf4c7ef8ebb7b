"""Read and validate a labelled complaint dataset (the columns of shared/LABELING.md §5).

Every error names the row it is on, so a data scientist can fix a CSV of thousands of tickets
without bisecting it. The same checks serve the shipped corpus, a team's own labelled tickets,
and training.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"id": ["a"], "text": ["届きません"], "tier": ["routine"],
...                    "category": [""], "emotion": ["confusion"], "intensity": ["low"],
...                    "flags": [""]})
>>> read_corpus(df)["tier"].tolist()
['routine']
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections import Counter
from pathlib import Path
from typing import Union

import pandas as pd

from .errors import CorpusError, Problem
from .schema import CATEGORIES, EMOTIONS, FLAGS, INTENSITIES, NEUTRAL, SPLITS, TIERS, WORST_CASE

REQUIRED_COLUMNS: tuple[str, ...] = ("id", "text", "tier", "category", "emotion", "intensity", "flags")
"""Columns every labelled dataset must have."""

OPTIONAL_COLUMNS: tuple[str, ...] = ("source", "note", "industry", "split")
"""Columns read when present: channel, hard-case note, industry, and the fixed split."""

SPLIT_FRACTIONS: dict[str, float] = {"train": 0.70, "dev": 0.15, "test": 0.15}

DataLike = Union[str, "os.PathLike[str]", pd.DataFrame]


def parse_flags(value: str) -> tuple[str, ...]:
    """Split a CSV flags cell (``"legal;repeat"``) into a tuple; empty cell → ``()``.

    >>> parse_flags("legal; repeat")
    ('legal', 'repeat')
    >>> parse_flags("")
    ()
    """
    return tuple(f.strip() for f in str(value).split(";") if f.strip())


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> str | None:
    if value in allowed:
        return None
    return f"{name} {value!r} is not one of {', '.join(allowed)}"


def check_row(row: dict[str, str]) -> list[str]:
    """Return the rules of LABELING.md that one row breaks (empty list when it is valid).

    >>> check_row({"text": "x", "tier": "serious", "category": "data_leak",
    ...            "emotion": "anger", "intensity": "high", "flags": ""})
    ["category 'data_leak' given on a serious row; category is only for worst_case (leave it empty)"]
    """
    errs: list[str] = []
    text, tier, cat = row.get("text", ""), row.get("tier", ""), row.get("category", "")
    emotion, intensity = row.get("emotion", ""), row.get("intensity", "")
    if not text.strip():
        errs.append("text is empty")
    for msg in (_one_of("tier", tier, TIERS), _one_of("emotion", emotion, EMOTIONS),
                _one_of("intensity", intensity, INTENSITIES)):
        if msg:
            errs.append(msg)
    if tier == WORST_CASE and cat not in CATEGORIES:
        errs.append(f"worst_case needs a category ({', '.join(CATEGORIES)}), got {cat!r}")
    elif tier != WORST_CASE and tier in TIERS and cat:
        errs.append(f"category {cat!r} given on a {tier} row; category is only for worst_case (leave it empty)")
    if emotion == NEUTRAL and intensity in INTENSITIES and intensity != "low":
        errs.append(f"neutral emotion must have intensity 'low', got {intensity!r}")
    flags = parse_flags(row.get("flags", ""))
    for f in flags:
        if f not in FLAGS:
            errs.append(f"flag {f!r} is not one of {', '.join(FLAGS)} (separate flags with ';')")
    if len(set(flags)) != len(flags):
        errs.append(f"flags repeat a value: {row.get('flags')!r}")
    split = row.get("split", "")
    if split and split not in SPLITS:
        errs.append(f"split {split!r} is not one of {', '.join(SPLITS)}")
    return errs


def _read_csv_records(path: Path, encoding: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Read a CSV with the stdlib reader, keeping the line each record starts on."""
    try:
        with open(path, encoding=encoding, newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise CorpusError(str(path), message=f"{path}: the file is empty; expected a header line "
                                  f"with the columns {', '.join(REQUIRED_COLUMNS)}")
            records, last = [], reader.line_num
            for rec in reader:
                records.append((last + 1, rec))
                last = reader.line_num
    except UnicodeDecodeError as e:
        raise CorpusError(str(path), message=(
            f"{path}: cannot be decoded as {encoding} ({e.reason} at byte {e.start}). "
            "Labelled data is UTF-8; re-save it as UTF-8, or pass encoding='cp932' "
            "(--encoding cp932 on the command line) for a file saved by Japanese Excel.")) from e
    return [h.strip() for h in header], records


def _as_cell(value: object) -> str:
    """A DataFrame cell as the CSV text it stands for: missing → "", a list of flags → "a;b"."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return ";".join(str(v) for v in value)
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return ""
    return str(value)


def read_corpus(data: DataLike, *, require_split: bool = False, encoding: str = "utf-8-sig") -> pd.DataFrame:
    """Load a labelled dataset and check every row against LABELING.md.

    Parameters
    ----------
    data : str, path-like or pandas.DataFrame
        A CSV file with the LABELING.md columns (UTF-8, RFC 4180 quoting) or a DataFrame.
    require_split : bool, default False
        Also require every row to carry a ``split`` of train/dev/test.
    encoding : str, default "utf-8-sig"
        Encoding of a CSV file (a BOM is accepted either way).

    Returns
    -------
    pandas.DataFrame
        All columns as strings, empty cells as ``""``, in the input order, with a fresh
        ``RangeIndex``.

    Raises
    ------
    CorpusError
        (a ``ValueError``) listing every row that breaks a rule, with its line or row number.
    FileNotFoundError
        When the path does not exist.
    """
    if isinstance(data, pd.DataFrame):
        source = "DataFrame"
        df = data.copy()
        df.columns = [str(c).strip() for c in df.columns]
        where = [f"row {i}" for i in df.index]
        ragged: list[Problem] = []
    elif isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file; expected a labelled CSV such as data/samples/complaints.csv")
        source = str(path)
        header, records = _read_csv_records(path, encoding)
        ragged = [Problem(f"line {ln}", rec[0] if rec else "", f"has {len(rec)} fields, the header has {len(header)}")
                  for ln, rec in records if len(rec) != len(header)]
        df = pd.DataFrame([rec for _, rec in records if len(rec) == len(header)], columns=header, dtype=object)
        where = [f"line {ln}" for ln, rec in records if len(rec) == len(header)]
    else:
        raise TypeError(f"read_corpus expected a CSV path or a pandas DataFrame, got {type(data).__name__}")

    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if require_split and "split" not in df.columns:
        missing.append("split")
    if missing:
        raise CorpusError(source, message=(
            f"{source}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns)) or 'none'}. "
            f"A labelled dataset needs {', '.join(REQUIRED_COLUMNS)} (see LABELING.md §5)."))

    for col in df.columns:
        df[col] = df[col].map(_as_cell)
    for col in ("tier", "category", "emotion", "intensity", "flags", "split", "id"):
        if col in df.columns:
            df[col] = df[col].str.strip()

    problems = list(ragged)
    ids = Counter(df["id"])
    for w, row in zip(where, df.to_dict("records")):
        errs = check_row(row)
        if not row["id"]:
            errs.append("id is empty")
        elif ids[row["id"]] > 1:
            errs.append(f"id {row['id']!r} is used by {ids[row['id']]} rows")
        if require_split and not row.get("split"):
            errs.append(f"split is empty; expected one of {', '.join(SPLITS)}")
        problems += [Problem(w, row["id"], e) for e in errs]
    if problems:
        raise CorpusError(source, problems)
    return df.reset_index(drop=True)


def load_labelled(data: DataLike, *, text_column: str = "text", encoding: str = "utf-8-sig") -> pd.DataFrame:
    """A team's labelled rows for training or evaluation, checked like :func:`read_corpus`.

    Differs from :func:`read_corpus` in two conveniences: the text may be in another column
    (``text_column``, renamed to ``text``), and a missing ``id`` column is filled with row
    numbers (``row-1``, …) so that every error can still name its row.
    """
    if isinstance(data, pd.DataFrame):
        df = data.copy()
    elif isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file; expected a labelled CSV with the LABELING.md columns")
        try:
            with open(path, encoding=encoding, newline="") as f:
                header = [h.strip() for h in next(csv.reader(f), [])]
        except UnicodeDecodeError:
            return read_corpus(path, encoding=encoding)  # it says which encoding to try
        if text_column == "text" and "id" in header:
            return read_corpus(path, encoding=encoding)  # errors name CSV lines
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        df.index = range(1, len(df) + 1)  # errors say "row N": the Nth data row of the file
    else:
        raise TypeError(f"expected a labelled CSV path or a pandas DataFrame, got {type(data).__name__}")
    if text_column != "text":
        if text_column not in df.columns:
            raise CorpusError("data", message=f"no column {text_column!r} for the text; the columns are "
                              f"{', '.join(map(str, df.columns))}. Pass text_column=... naming it.")
        df = df.drop(columns=[c for c in ("text",) if c in df.columns]).rename(columns={text_column: "text"})
    if "id" not in df.columns:
        df.insert(0, "id", [f"row-{i}" for i in range(1, len(df) + 1)])
    return read_corpus(df)


def _stable_key(seed: int, row_id: str) -> str:
    return hashlib.sha256(f"{seed}:{row_id}".encode("utf-8")).hexdigest()


def assign_split(df: pd.DataFrame, *, seed: int = 0, fractions: dict[str, float] | None = None) -> pd.Series:
    """Give a split to every row that has none, stratified by tier and category.

    Rows that already have a split keep it: the test split is fixed once written, and rows
    added later never move old rows between splits. Within each (tier, category) stratum new
    rows are taken in an order fixed by a hash of their id and ``seed``, and each goes to the
    split furthest below its target share, so the result is deterministic.

    Returns
    -------
    pandas.Series
        The full split column (old values kept, new ones filled).
    """
    fractions = fractions or SPLIT_FRACTIONS
    split = df["split"].copy() if "split" in df.columns else pd.Series([""] * len(df), index=df.index)
    split = split.fillna("")
    strata = df["tier"].astype(str) + "/" + df["category"].fillna("").astype(str)
    for _, idx in strata.groupby(strata).groups.items():
        members = list(idx)
        counts = Counter(split[i] for i in members if split[i])
        new = sorted((i for i in members if not split[i]), key=lambda i: _stable_key(seed, str(df.at[i, "id"])))
        for i in new:
            placed = sum(counts.values())
            # deficit against the target share of the rows placed so far (plus this one)
            name = max(fractions, key=lambda s: (fractions[s] * (placed + 1) - counts[s], fractions[s]))
            split[i] = name
            counts[name] += 1
    return split


def write_corpus(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a labelled dataset as UTF-8 CSV with RFC 4180 quoting (atomically)."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    df.to_csv(tmp, index=False, encoding="utf-8", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    os.replace(tmp, path)


def describe(df: pd.DataFrame) -> dict[str, Counter]:
    """Counts per label value (flags counted per flag), for reports and the CLI."""
    out: dict[str, Counter] = {}
    for col in ("tier", "category", "emotion", "intensity", "source", "industry", "split"):
        if col in df.columns:
            out[col] = Counter(v or "-" for v in df[col])
    out["flags"] = Counter(f for v in df["flags"] for f in parse_flags(v))
    return out
