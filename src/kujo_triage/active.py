"""Which unlabelled rows to label next: the ones the model is least sure about.

Teams grow their labelled data step by step; a row the model already gets right with
confidence teaches it little, a row at a decision boundary teaches it most (uncertainty
sampling). Two boundaries matter here: between tiers, and around the worst_case threshold.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from .errors import OptionError
from .schema import TIERS, WORST_CASE

_WORST = TIERS.index(WORST_CASE)


def select_for_labelling(model: Any, data: "pd.DataFrame | Sequence[str]", n: int = 50, *,
                         text_column: str = "text") -> pd.DataFrame:
    """The ``n`` rows of ``data`` most worth labelling next, least certain first.

    Parameters
    ----------
    model : TriageModel
        The model you have now (``default_model()`` or one from ``train``).
    data : DataFrame or list of str
        Unlabelled rows (a DataFrame with ``text_column``) or texts. Empty texts are skipped.
    n : int
        How many rows to return.

    Returns
    -------
    pandas.DataFrame
        The chosen rows with their original columns (and index), plus ``predicted_tier``,
        ``tier_confidence``, ``p_worst_case``, ``uncertainty`` (0–1, higher = less sure) and
        ``why`` (``"between tiers"`` or ``"near the worst_case threshold"``).

    Examples
    --------
    >>> from kujo_triage import default_model
    >>> picked = select_for_labelling(default_model(), ["届きません", "発火してやけどしました", "ありがとう"], n=2)
    >>> len(picked), list(picked.columns[-2:])
    (2, ['uncertainty', 'why'])
    """
    if not isinstance(n, int) or n < 1:
        raise OptionError(f"n: expected a positive number of rows, got {n!r}")
    if isinstance(data, pd.DataFrame):
        if text_column not in data.columns:
            raise OptionError(f"no column {text_column!r}; the columns are {', '.join(map(str, data.columns))}")
        frame = data
    elif isinstance(data, str):
        raise TypeError("select_for_labelling expected a DataFrame or a list of texts, got a single str")
    else:
        frame = pd.DataFrame({text_column: list(data)})
    texts = frame[text_column]
    usable = texts.map(lambda t: isinstance(t, str) and bool(t.strip())).to_numpy()
    frame = frame[usable]
    if frame.empty:
        return frame.assign(predicted_tier=[], tier_confidence=[], p_worst_case=[], uncertainty=[], why=[])
    p = model.predict_proba(frame[text_column].tolist())["tier"]
    top2 = np.sort(p, axis=1)[:, -2:]
    between = 1.0 - (top2[:, 1] - top2[:, 0])
    thr = float(model.worst_threshold_)
    # distance to the threshold as a share of the room on that side of it: p_worst = 0 is as far
    # below a threshold of 0.12 as p_worst = 1 is above it
    side = np.where(p[:, _WORST] < thr, thr, 1.0 - thr)
    near = 1.0 - np.abs(p[:, _WORST] - thr) / np.maximum(side, 1e-9)
    uncertainty = np.maximum(between, near)
    worst = p[:, _WORST] >= thr
    predicted = np.where(worst, WORST_CASE,
                         np.array(TIERS)[np.argmax(np.where(np.arange(len(TIERS)) == _WORST, -1, p), axis=1)])
    out = frame.assign(
        predicted_tier=predicted,
        tier_confidence=np.round(p[np.arange(len(p)), [TIERS.index(t) for t in predicted]], 4),
        p_worst_case=np.round(p[:, _WORST], 4),
        uncertainty=np.round(uncertainty, 4),
        why=np.where(near >= between, "near the worst_case threshold", "between tiers"),
    )
    order = np.argsort(-uncertainty, kind="stable")[:n]
    return out.iloc[order]
