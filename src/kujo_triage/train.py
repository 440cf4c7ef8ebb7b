"""Evaluation of triage predictions against labelled rows (used by the model card and baselines)."""

from __future__ import annotations

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


def _macro_f1(table: dict[str, dict[str, float]]) -> float:
    return round(float(np.mean([v["f1"] for v in table.values()])), 4)


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
        "worst_case_recall": worst["recall"],
        "worst_case_precision": worst["precision"],
        "tier_macro_f1": _macro_f1(tier),
        "category_accuracy": round(float(np.mean([a == b for a, b in zip(true_cat, pred_cat)])), 4) if true_cat else None,
        "category_accuracy_end_to_end": round(float(np.mean([a == b for a, b in zip(true_cat, pred_cat_e2e)])), 4) if true_cat else None,
        "emotion_macro_f1": _macro_f1(emotion),
        "intensity_macro_f1": _macro_f1(intensity),
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


def evaluate(model: Any, rows: Any) -> dict[str, Any]:
    """Score ``model`` on labelled ``rows`` (a DataFrame): every metric of :func:`score_predictions`
    plus calibration of the tier confidence and the ``needs_review`` trade-off."""
    texts = list(rows["text"])
    results = model.triage_many(texts)
    proba = model.predict_proba(texts)
    preds = []
    for r, pc in zip(results, proba["category"]):
        d = r.to_dict()
        d["category_head"] = CATEGORIES[int(np.argmax(pc))]
        preds.append(d)
    out = score_predictions(rows, preds, worst_scores=proba["tier"][:, TIERS.index(WORST_CASE)])
    correct = np.array([r.tier == t for r, t in zip(results, rows["tier"])])
    conf = np.array([r.confidence for r in results])
    review = np.array([r.needs_review for r in results])
    bins = np.clip((conf * 10).astype(int), 0, 9)
    ece = sum(abs(correct[bins == b].mean() - conf[bins == b].mean()) * (bins == b).mean() for b in range(10) if (bins == b).any())
    out["calibration_ece"] = round(float(ece), 4)
    out["needs_review_share"] = round(float(review.mean()), 4)
    out["tier_accuracy_reviewed"] = round(float(correct[review].mean()), 4) if review.any() else None
    out["tier_accuracy_not_reviewed"] = round(float(correct[~review].mean()), 4) if (~review).any() else None
    return out
