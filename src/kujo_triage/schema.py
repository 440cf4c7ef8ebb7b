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


# The order in which a plan's steps run; every step (a playbook's or a modifier's) has one.
PHASES: tuple[str, ...] = ("prepare", "listen", "apologize", "investigate", "respond", "remedy", "prevent", "follow_up")


@dataclass(frozen=True)
class PlaybookStep:
    """One step of a playbook: what to do, why, an example phrase, who does it, which seed.

    ``added_by`` is empty for the playbook's own steps and names the modifier (e.g.
    ``"flag.legal"``) for steps merged in because of the result's emotion or flags.
    """

    phase: str
    action: str
    why: str
    phrase: str
    owner: str
    seed: str
    added_by: str = ""


@dataclass(frozen=True)
class FollowUp:
    """A follow-up contact after the case is handled."""

    when: str
    action: str


@dataclass(frozen=True)
class Obligation:
    """A legal or regulatory duty that may apply, with its public source (counsel confirms)."""

    name: str
    applies_when: str
    deadline: str
    report_to: str
    source: str
    note: str


@dataclass(frozen=True)
class ReplyTemplate:
    """The parts a first-reply draft is built from, in the order they appear.

    共感 (empathy) → 謝罪 (apology) → 確認したい事実 (confirm) → 次の連絡期限 (next_contact).
    Facts the customer's text does not give are placeholders in 【】; see ``first_reply``.
    """

    salutation: str
    opening: str
    empathy: str
    apology: str
    extra: tuple[str, ...]
    confirm_intro: str
    confirm: tuple[str, ...]
    next_contact: str
    closing: str
    signature: str


@dataclass(frozen=True)
class Playbook:
    """The response plan for one decision (a tier, or a worst-case category).

    ``result.playbook`` is this plan adapted to the result: ``modifiers`` lists the
    adjustments applied (emotion, intensity, flags) and their steps are merged into
    ``steps`` by phase.
    """

    id: str
    title: str
    tier: str
    category: str | None
    first_response: str
    escalate_to: tuple[str, ...]
    summary: str
    steps: tuple[PlaybookStep, ...]
    donts: tuple[str, ...]
    follow_up: tuple[FollowUp, ...]
    reply: ReplyTemplate
    obligations: tuple[Obligation, ...] = ()
    modifiers: tuple[str, ...] = ()
    source_file: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (lists for tuples), stable key order."""
        from dataclasses import asdict

        return _lists(asdict(self))


@dataclass(frozen=True)
class Draft:
    """A first-reply draft: ``text`` to edit and send, and the 【placeholders】 still to fill."""

    text: str
    placeholders: tuple[str, ...]
    playbook_id: str

    def __str__(self) -> str:
        return self.text


def _lists(value: Any) -> Any:
    """Tuples to lists, recursively (``asdict`` keeps tuples, JSON wants lists)."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value
