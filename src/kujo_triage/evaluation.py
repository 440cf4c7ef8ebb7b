"""How good a model is on labelled rows: metrics, per-class tables, confusion matrices, PR curve.

:func:`evaluate` returns a :class:`Report` for notebooks (``.metrics``, ``.to_frame()``,
``.confusion_frame()``, ``.pr_frame()``, ``.plot_confusion()``, ``.plot_pr_curve()``) and
the CLI (``str(report)``); :func:`score_predictions` scores any predictions (the keyword
baseline uses it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .corpus import parse_flags
from .schema import CATEGORIES, EMOTIONS, FLAGS, INTENSITIES, TIERS, WORST_CASE


def _prf(truth: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    tp = int((truth & pred).sum())
    p = tp / max(int(pred.sum()), 1)
    r = tp / max(int(truth.sum()), 1)
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "support": int(truth.sum())}


def _per_class(truth: Sequence[str], pred: Sequence[str], classes: Sequence[str]) -> dict[str, dict[str, float]]:
    t, p = np.asarray(truth, dtype=object), np.asarray(pred, dtype=object)
    return {c: _prf(t == c, p == c) for c in classes}


def _confusion(truth: Sequence[str], pred: Sequence[str], classes: Sequence[str]) -> list[list[int]]:
    index = {c: i for i, c in enumerate(classes)}
    m = np.zeros((len(classes), len(classes)), dtype=int)
    for a, b in zip(truth, pred):
        if a in index and b in index:
            m[index[a], index[b]] += 1
    return m.tolist()


def _macro_f1(table: dict[str, dict[str, float]], pred: Sequence[str]) -> float | None:
    """Mean F1 over the classes present in the truth or the predictions (scikit-learn's rule):
    a class with no rows and no predictions says nothing and does not count as 0."""
    predicted = set(pred)
    present = [v["f1"] for c, v in table.items() if v["support"] or c in predicted]
    return round(float(np.mean(present)), 4) if present else None


def score_predictions(rows: Any, predictions: Sequence[dict[str, Any]],
                      worst_scores: Sequence[float] | None = None) -> dict[str, Any]:
    """Metrics of ``predictions`` (dicts with tier, category, emotion, intensity, flags)
    against labelled ``rows`` (a DataFrame with the LABELING.md columns).

    ``worst_scores`` (a worst_case score per row) adds a precision/recall curve.
    """
    truth_tier = list(rows["tier"])
    n = len(truth_tier)
    if len(predictions) != n:
        raise ValueError(f"{len(predictions)} predictions for {n} rows")
    pred_tier = [p["tier"] for p in predictions]
    tier = _per_class(truth_tier, pred_tier, TIERS)
    worst_t = np.array([t == WORST_CASE for t in truth_tier])
    worst_p = np.array([t == WORST_CASE for t in pred_tier])
    worst = _prf(worst_t, worst_p)

    true_cat = [c for c, w in zip(rows["category"], worst_t) if w]
    pred_cat = [p.get("category_head") or p["category"] or "-" for p, w in zip(predictions, worst_t) if w]
    pred_cat_e2e = [p["category"] or "-" for p, w in zip(predictions, worst_t) if w]
    emotion = _per_class(list(rows["emotion"]), [p["emotion"] for p in predictions], EMOTIONS)
    intensity = _per_class(list(rows["intensity"]), [p["intensity"] for p in predictions], INTENSITIES)

    tf = np.array([[f in parse_flags(v) for f in FLAGS] for v in rows["flags"]], dtype=bool).reshape(n, len(FLAGS))
    pf = np.array([[f in p["flags"] for f in FLAGS] for p in predictions], dtype=bool).reshape(n, len(FLAGS))
    flags = {f: _prf(tf[:, j], pf[:, j]) for j, f in enumerate(FLAGS)}
    flags_micro = _prf(tf.ravel(), pf.ravel())

    out: dict[str, Any] = {
        "n": n,
        # undefined (None), not 0, without worst_case rows / without worst_case predictions
        "worst_case_recall": worst["recall"] if worst_t.any() else None,
        "worst_case_precision": worst["precision"] if worst_p.any() else None,
        "tier_macro_f1": _macro_f1(tier, pred_tier),
        "category_accuracy": round(float(np.mean([a == b for a, b in zip(true_cat, pred_cat)])), 4) if true_cat else None,
        "category_accuracy_end_to_end": round(float(np.mean([a == b for a, b in zip(true_cat, pred_cat_e2e)])), 4) if true_cat else None,
        "emotion_macro_f1": _macro_f1(emotion, [p["emotion"] for p in predictions]),
        "intensity_macro_f1": _macro_f1(intensity, [p["intensity"] for p in predictions]),
        "flags_f1": flags_micro["f1"],
        "per_class": {"tier": tier, "category": _per_class(true_cat, pred_cat, CATEGORIES), "emotion": emotion,
                      "intensity": intensity, "flags": flags},
        "confusion": {"tier": _confusion(truth_tier, pred_tier, TIERS),
                      "category": _confusion(true_cat, pred_cat, CATEGORIES),
                      "emotion": _confusion(list(rows["emotion"]), [p["emotion"] for p in predictions], EMOTIONS)},
    }
    if worst_scores is not None:
        s = np.asarray(worst_scores, dtype=float)
        curve = []
        for t in (0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
            pred = s >= t
            curve.append({"threshold": float(t), **{k: v for k, v in _prf(worst_t, pred).items() if k != "support"}})
        out["worst_case_pr_curve"] = curve
    return out


def evaluate_dict(model: Any, rows: Any) -> dict[str, Any]:
    """Score ``model`` on labelled ``rows`` (a checked DataFrame): every metric of
    :func:`score_predictions` plus calibration of the tier confidence, the ``needs_review``
    trade-off and the full worst-case precision/recall curve."""
    from sklearn.metrics import precision_recall_curve

    texts = list(rows["text"])
    results = model.triage_many(texts)
    proba = model.predict_proba(texts)
    preds = []
    for r, pc in zip(results, proba["category"]):
        d = r.to_dict()
        d["category_head"] = CATEGORIES[int(np.argmax(pc))]
        preds.append(d)
    p_worst = proba["tier"][:, TIERS.index(WORST_CASE)]
    out = score_predictions(rows, preds, worst_scores=p_worst)
    correct = np.array([r.tier == t for r, t in zip(results, rows["tier"])])
    conf = np.array([r.confidence for r in results])
    review = np.array([r.needs_review for r in results])
    bins = np.clip((conf * 10).astype(int), 0, 9)
    ece = sum(abs(correct[bins == b].mean() - conf[bins == b].mean()) * (bins == b).mean() for b in range(10) if (bins == b).any())
    out["calibration_ece"] = round(float(ece), 4)
    out["needs_review_share"] = round(float(review.mean()), 4)
    out["tier_accuracy_reviewed"] = round(float(correct[review].mean()), 4) if review.any() else None
    out["tier_accuracy_not_reviewed"] = round(float(correct[~review].mean()), 4) if (~review).any() else None
    truth = np.array([t == WORST_CASE for t in rows["tier"]])
    if truth.any() and not truth.all():
        precision, recall, thresholds = precision_recall_curve(truth, p_worst)
        out["worst_case_pr_full"] = {"precision": precision[:-1].round(4).tolist(), "recall": recall[:-1].round(4).tolist(),
                                     "threshold": thresholds.round(6).tolist()}
    out["worst_case_threshold"] = float(getattr(model, "worst_threshold_", float("nan")))
    return out


#: The headline metrics, in report order.
HEADLINE = ("worst_case_recall", "worst_case_precision", "tier_macro_f1", "category_accuracy",
            "emotion_macro_f1", "intensity_macro_f1", "flags_f1")
_HEADS = {"tier": TIERS, "category": CATEGORIES, "emotion": EMOTIONS}


@dataclass(frozen=True, repr=False)
class Report:
    """The result of :func:`evaluate`: headline ``metrics``, per-class tables, confusion matrices
    and the worst-case precision/recall curve, with pandas and matplotlib views for notebooks."""

    n: int
    details: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def metrics(self) -> dict[str, Any]:
        """The headline metrics (:data:`HEADLINE`), in report order."""
        return {k: self.details.get(k) for k in HEADLINE}

    def to_frame(self) -> "Any":
        """Per-class precision, recall, F1 and support as a DataFrame (head, class)."""
        import pandas as pd

        rows = [{"head": head, "class": cls, **vals}
                for head, table in self.details["per_class"].items() for cls, vals in table.items()]
        return pd.DataFrame(rows).set_index(["head", "class"])

    def confusion_frame(self, head: str = "tier") -> "Any":
        """The confusion matrix of ``head`` (tier, category or emotion): rows truth, columns prediction."""
        import pandas as pd

        if head not in _HEADS:
            raise ValueError(f"head: expected one of {', '.join(_HEADS)}, got {head!r}")
        labels = list(_HEADS[head])
        return pd.DataFrame(self.details["confusion"][head], index=pd.Index(labels, name="truth"),
                            columns=pd.Index(labels, name="prediction"))

    def pr_frame(self) -> "Any":
        """Worst-case precision and recall at every threshold (for the curve and for choosing one)."""
        import pandas as pd

        full = self.details.get("worst_case_pr_full")
        if not full:
            return pd.DataFrame(columns=["threshold", "precision", "recall"])
        return pd.DataFrame(full)[["threshold", "precision", "recall"]]

    def plot_confusion(self, head: str = "tier", ax: Any = None) -> Any:
        """Draw the confusion matrix of ``head`` with matplotlib; returns the Axes."""
        import matplotlib.pyplot as plt

        m = self.confusion_frame(head)
        ax = ax or plt.subplots(figsize=(4 + len(m) * 0.6, 3 + len(m) * 0.5))[1]
        ax.imshow(m.values, cmap="Blues")
        ax.set_xticks(range(len(m.columns)), m.columns, rotation=30, ha="right")
        ax.set_yticks(range(len(m.index)), m.index)
        ax.set_xlabel("prediction")
        ax.set_ylabel("truth")
        top = m.values.max() or 1
        for i in range(len(m.index)):
            for j in range(len(m.columns)):
                ax.text(j, i, int(m.values[i, j]), ha="center", va="center",
                        color="white" if m.values[i, j] > top / 2 else "black")
        ax.set_title(f"{head} confusion (n={self.n})")
        return ax

    def plot_pr_curve(self, ax: Any = None) -> Any:
        """Draw the worst-case precision/recall curve, marking the model's threshold; returns the Axes."""
        import matplotlib.pyplot as plt

        pr = self.pr_frame()
        ax = ax or plt.subplots(figsize=(5, 4))[1]
        ax.plot(pr["recall"], pr["precision"], label="worst_case")
        if self.metrics["worst_case_recall"] is not None and self.metrics["worst_case_precision"] is not None:
            ax.scatter([self.metrics["worst_case_recall"]], [self.metrics["worst_case_precision"]], color="red",
                       zorder=3, label=f"threshold {self.details.get('worst_case_threshold', float('nan')):.3f}")
        ax.set_xlabel("recall")
        ax.set_ylabel("precision")
        ax.set_xlim(0, 1.01)
        ax.set_ylim(0, 1.01)
        ax.legend(loc="lower left")
        ax.set_title("worst_case precision / recall")
        return ax

    def __repr__(self) -> str:
        return f"Report(n={self.n}, metrics={self.metrics})"

    def as_dict(self) -> dict[str, Any]:
        """Everything, JSON-serialisable (what goes into meta.json and the model card)."""
        return {**self.details, "n": self.n}

    def __str__(self) -> str:
        lines = [f"evaluated on {self.n:,} labelled rows"]
        for key in HEADLINE:
            v = self.metrics.get(key)
            lines.append(f"  {key:24s}{'—' if v is None else f'{v:.3f}'}")
        thr = self.details.get("worst_case_threshold")
        if thr is not None and thr == thr:
            lines.append(f"  worst_case threshold    {thr:.3f}")
        lines.append("")
        frame = self.to_frame()
        for head in ("tier", "category", "emotion", "intensity", "flags"):
            if head not in frame.index.get_level_values(0):
                continue
            lines.append(f"{head}:")
            for cls, row in frame.loc[head].iterrows():
                lines.append(f"  {cls:18s} precision {row['precision']:.3f}  recall {row['recall']:.3f}  "
                             f"F1 {row['f1']:.3f}  support {int(row['support'])}")
        lines.append("")
        lines.append("tier confusion (rows truth, columns prediction):")
        lines.append(self.confusion_frame("tier").to_string())
        return "\n".join(lines)


def evaluate(model: Any, data: Any, *, text_column: str = "text") -> Report:
    """Evaluate ``model`` on labelled ``data`` (a DataFrame or CSV path with the LABELING.md columns).

    Every row is checked first (a bad label is an error naming its row). Evaluate on rows the
    model never saw and that did not choose anything (a held-out test split), or the numbers
    flatter it.

    Returns
    -------
    Report
        ``metrics`` has worst_case_recall, worst_case_precision, tier_macro_f1,
        category_accuracy, emotion_macro_f1, intensity_macro_f1 and flags_f1.

    Examples
    --------
    >>> import pandas as pd
    >>> from kujo_triage import default_model
    >>> rows = pd.DataFrame({"text": ["充電中にスマホが発火して、子どもが手をやけどしました", "荷物がまだ届きません"],
    ...                      "tier": ["worst_case", "routine"], "category": ["product_accident", ""],
    ...                      "emotion": ["anxiety", "confusion"], "intensity": ["medium", "low"], "flags": ["", ""]})
    >>> report = evaluate(default_model(), rows)
    >>> report.metrics["worst_case_recall"], report.n
    (1.0, 2)
    """
    from .corpus import load_labelled

    rows = load_labelled(data, text_column=text_column)
    if rows.empty:
        from .errors import TrainingDataError

        raise TrainingDataError("no labelled rows to evaluate on; give a file or DataFrame with rows")
    details = evaluate_dict(model, rows)
    return Report(n=len(rows), details=details)
