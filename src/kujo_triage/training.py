"""Retraining on a team's own labelled tickets: :func:`train`, and the rows worth labelling next.

``train(data)`` checks every row against LABELING.md (errors name the row), refuses data that
cannot train every head (too few rows of a tier, one emotion only…), optionally adds the
shipped corpus (``base="default"``), and fits a :class:`~kujo_triage.model.TriageModel`.
The same data and ``random_state`` give the same model, prediction for prediction.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import Counter
from typing import Any

import pandas as pd

from .corpus import DataLike, load_labelled, read_corpus
from .errors import TrainingDataError
from .resources import corpus_path
from .schema import CATEGORIES, EMOTIONS, INTENSITIES, WORST_CASE

_CLASSES = {"category": CATEGORIES, "emotion": EMOTIONS, "intensity": INTENSITIES}

_LABEL_COLUMNS = ("text", "tier", "category", "emotion", "intensity", "flags")


def data_sha256(rows: pd.DataFrame) -> str:
    """A hash of the labelled content (text and labels, in order) recorded with the model."""
    h = hashlib.sha256()
    for rec in rows[list(_LABEL_COLUMNS)].itertuples(index=False):
        h.update("\x1f".join(rec).encode("utf-8"))
        h.update(b"\x1e")
    return h.hexdigest()


def check_trainable(rows: pd.DataFrame, cv: int) -> None:
    """Raise TrainingDataError when some head cannot be trained; warn about thin classes."""
    tiers = Counter(rows["tier"])
    thin = {t: tiers.get(t, 0) for t in ("routine", "serious", WORST_CASE) if tiers.get(t, 0) < cv}
    if thin:
        counts = ", ".join(f"{t} {n}" for t, n in thin.items())
        raise TrainingDataError(
            f"too few rows to train: every tier needs at least {cv} rows (the cross-validation folds), "
            f"got {counts}. Label more rows of these tiers, or add the shipped corpus with base='default'.")
    for head in ("emotion", "intensity"):
        if rows[head].nunique() < 2:
            raise TrainingDataError(f"too few rows to train: {head} has only one value ({rows[head].iloc[0]!r}); "
                                    "the model needs at least two. Label more varied rows, or use base='default'.")
    thin = []
    for head, values in (("category", rows.loc[rows["tier"] == WORST_CASE, "category"]),
                         ("emotion", rows["emotion"]), ("intensity", rows["intensity"])):
        counts = Counter(values)
        thin += [f"{head} {c} ({counts.get(c, 0)})" for c in _CLASSES[head] if counts.get(c, 0) < cv]
    if thin:
        warnings.warn(f"few rows for {', '.join(thin)} (fewer than {cv}); the model will rarely or never "
                      "predict these. Add rows or use base='default'.", UserWarning, stacklevel=3)


def train(data: DataLike, *, text_column: str = "text", random_state: int = 0, base: str | None = None,
          **params: Any) -> Any:
    """Train a model on labelled rows.

    Parameters
    ----------
    data : DataFrame or CSV path
        Rows with the LABELING.md columns (``id`` optional here). If there is a ``split``
        column, only its ``train`` rows are used: keep ``dev`` for tuning and ``test`` for the
        final, honest figure.
    text_column : str, default "text"
        The column with the message.
    random_state : int, default 0
        Seed of the cross-validation folds; the same data and seed give the same model.
    base : {None, "default"}
        ``"default"`` adds the shipped corpus's train split to your rows (useful when you have
        few rows, or none of some tier).
    **params
        Any :class:`~kujo_triage.model.TriageModel` parameter (``C``, ``worst_case_recall``, …).

    Returns
    -------
    TriageModel
        Fitted; ``model.training_data_`` records the rows used and their hash (saved in
        meta.json by ``save_model``).

    Raises
    ------
    CorpusError
        A row breaks LABELING.md (every such row is listed with its number).
    TrainingDataError
        Too few rows to train some head.

    Examples
    --------
    >>> from kujo_triage import read_corpus, train
    >>> from kujo_triage.resources import corpus_path
    >>> rows = read_corpus(corpus_path()).iloc[:600]     # its train rows are used
    >>> model = train(rows, cv=2, max_word_features=3000, max_char_features=5000)
    >>> model.triage("充電中にスマホが発火して、子どもが手をやけどしました").tier
    'worst_case'
    """
    from .model import TriageModel

    rows = load_labelled(data, text_column=text_column)
    if "split" in rows.columns and rows["split"].str.len().gt(0).any():
        unsplit = int((rows["split"] == "").sum())
        if unsplit:
            warnings.warn(f"{unsplit} row(s) have an empty split and were not used; set their split to train "
                          "(or drop the split column to train on every row)", UserWarning, stacklevel=2)
        rows = rows[rows["split"] == "train"]
        if rows.empty:
            raise TrainingDataError("no rows with split 'train'; label some rows train, or drop the split "
                                    "column to train on every row")
    own = len(rows)
    if base is not None:
        if base != "default":
            raise ValueError(f"base: expected None or 'default' (the shipped corpus), got {base!r}")
        shipped = read_corpus(corpus_path())
        shipped = shipped[shipped["split"] == "train"]
        rows = pd.concat([rows[list(_LABEL_COLUMNS)], shipped[list(_LABEL_COLUMNS)]], ignore_index=True)
    model = TriageModel(random_state=random_state, **params)
    check_trainable(rows, model.cv)
    model.fit(rows["text"].tolist(), rows)
    model.training_data_ = {"rows": len(rows), "own_rows": own, "base": base, "sha256": data_sha256(rows),
                            "tiers": dict(Counter(rows["tier"]))}
    return model
