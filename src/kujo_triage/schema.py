"""Label vocabularies (read from ``data/labels.json``) and the frozen result records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

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


class Evidence(NamedTuple):
    """A span of the ORIGINAL text that drove a decision: ``text == original[start:end]``."""

    start: int
    end: int
    text: str
    label: str  # the decision it supports: a tier, a category or a flag


@dataclass(frozen=True)
class TriageResult:
    """What kujo-triage says about one message. ``to_dict()`` gives stable JSON keys."""

    tier: str
    category: str | None
    emotion: str
    intensity: str
    flags: tuple[str, ...]
    confidence: float
    needs_review: bool
    evidence: tuple[Evidence, ...]
    playbook: Any = None
    truncated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict with the keys of the API contract, in a stable order."""
        playbook = self.playbook.to_dict() if hasattr(self.playbook, "to_dict") else self.playbook
        return {
            "tier": self.tier,
            "category": self.category,
            "emotion": self.emotion,
            "intensity": self.intensity,
            "flags": list(self.flags),
            "confidence": round(float(self.confidence), 4),
            "needs_review": bool(self.needs_review),
            "evidence": [e._asdict() for e in self.evidence],
            "playbook": playbook,
            "truncated": bool(self.truncated),
        }
