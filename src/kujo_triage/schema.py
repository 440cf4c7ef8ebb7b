"""Label vocabularies of shared/LABELING.md, read from ``data/labels.json``."""

from __future__ import annotations

from .resources import read_json

_LABELS = read_json("labels.json")

TIERS: tuple[str, ...] = tuple(_LABELS["tier"])
CATEGORIES: tuple[str, ...] = tuple(_LABELS["category"])
EMOTIONS: tuple[str, ...] = tuple(_LABELS["emotion"])
INTENSITIES: tuple[str, ...] = tuple(_LABELS["intensity"])
FLAGS: tuple[str, ...] = tuple(_LABELS["flags"])
SPLITS: tuple[str, ...] = tuple(_LABELS["split"])

WORST_CASE = "worst_case"
NEUTRAL = "neutral"
