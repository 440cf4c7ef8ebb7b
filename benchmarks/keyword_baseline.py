"""A plain keyword-rule baseline for the model card: what kujo-triage would be without learning.

    python benchmarks/keyword_baseline.py            # scores the corpus test split

Rules (benchmarks/keyword_rules.json): a worst-case keyword → worst_case with that category;
else a serious keyword → serious; else routine. Emotion: the first emotion list that matches,
else neutral. Intensity: high on a high-intensity keyword, neutral → low, else medium. Flags: a
keyword of the flag anywhere. No negation or hypothetical scope — which is the point.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULES = json.loads((ROOT / "benchmarks" / "keyword_rules.json").read_text(encoding="utf-8"))


def predict(text: str) -> dict:
    tier, category = "routine", None
    for cat, words in RULES["worst_case"].items():
        if any(w in text for w in words):
            tier, category = "worst_case", cat
            break
    if tier == "routine" and any(w in text for w in RULES["serious"]):
        tier = "serious"
    emotion = next((e for e, words in RULES["emotion"].items() if any(w in text for w in words)), "neutral")
    intensity = "low" if emotion == "neutral" else "high" if any(w in text for w in RULES["high_intensity"]) else "medium"
    flags = tuple(f for f, words in RULES["flags"].items() if any(w in text for w in words))
    return {"tier": tier, "category": category, "emotion": emotion, "intensity": intensity, "flags": flags}


def evaluate_split(split: str = "test") -> dict:
    from kujo_triage.corpus import read_corpus
    from kujo_triage.evaluation import score_predictions

    corpus = read_corpus(ROOT / "data" / "samples" / "complaints.csv", require_split=True)
    rows = corpus[corpus["split"] == split]
    return score_predictions(rows, [predict(t) for t in rows["text"]])


if __name__ == "__main__":
    m = evaluate_split(sys.argv[1] if len(sys.argv) > 1 else "test")
    for k in ("worst_case_recall", "worst_case_precision", "tier_macro_f1", "category_accuracy",
              "emotion_macro_f1", "intensity_macro_f1", "flags_f1"):
        print(f"{k:24s} {m[k]}")
