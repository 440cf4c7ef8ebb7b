"""Response playbooks: TOML data files, validated on load, one per decision, adapted per result.

The shipped playbooks live in ``kujo_triage/data/playbooks``: one file per decision (routine,
serious, worst_case.data_leak, worst_case.product_accident, worst_case.service_error), plus

- ``seeds.toml``: the source documents every step cites,
- ``modifiers.toml``: adjustments for emotion, intensity and flags (anger → listen first,
  legal → 法務 before any written answer, …), merged into the plan by phase,
- ``reply.toml``: the frame of the first-reply draft.

A team can point :func:`load_playbooks` at a directory of its own: a playbook file replaces the
shipped one for the same decision, a ``modifiers.toml`` replaces or adds modifiers by id, a
``reply.toml`` replaces the keys it gives. Every file is checked, and errors name the file,
the key and what was expected.
"""

from __future__ import annotations

import os
import sys
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator

from .errors import PlaybookError
from .resources import playbook_dir
from .schema import (
    CATEGORIES, EMOTIONS, FLAGS, INTENSITIES, PHASES, TIERS, WORST_CASE,
    FollowUp, Obligation, Playbook, PlaybookStep, ReplyTemplate,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SEEDS_FILE = "seeds.toml"
MODIFIERS_FILE = "modifiers.toml"
REPLY_FILE = "reply.toml"
_SPECIAL = {SEEDS_FILE, MODIFIERS_FILE, REPLY_FILE}
_STEP_KEYS = ("phase", "action", "why", "phrase", "owner", "seed")
_FOLLOW_KEYS = ("when", "action")
_OBLIGATION_KEYS = ("name", "applies_when", "deadline", "report_to", "source", "note")
_FRAME_KEYS = ("salutation", "opening", "confirm_intro", "closing", "signature")
_DRAFT_KEYS = ("empathy", "apology", "next_contact")
_NEXT_CONTACT_NEEDS = ("【次回ご連絡日時】", "【担当者名】")

Decision = tuple[str, "str | None"]


def decisions() -> list[Decision]:
    """Every (tier, category) the model can decide; each needs exactly one playbook."""
    return [(t, None) for t in TIERS if t != WORST_CASE] + [(WORST_CASE, c) for c in CATEGORIES]


def _name(decision: Decision) -> str:
    tier, category = decision
    return f"{tier}/{category}" if category else tier


# --- reading and checking values -------------------------------------------------------------

def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
        # Notepad may add a BOM and macOS editors may store decomposed kana (NFD): read both as
        # the same text, so 【次回ご連絡日時】 and ids match what they look like
        text = unicodedata.normalize("NFC", raw.decode("utf-8").removeprefix("\ufeff"))
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PlaybookError(f"{path}: not valid TOML ({e}); fix the syntax") from e
    except UnicodeDecodeError as e:
        raise PlaybookError(f"{path}: not UTF-8 ({e}); save the file as UTF-8") from e


def _got(value: Any) -> str:
    return "nothing" if value is None else repr(value)[:80]


def _text(where: str, data: dict, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PlaybookError(f"{where}: key {key!r}: expected a non-empty string, got {_got(value)}")
    return value.strip()


def _texts(where: str, data: dict, key: str, required: bool = True) -> tuple[str, ...]:
    value = data.get(key)
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise PlaybookError(f"{where}: key {key!r}: expected a non-empty list of strings, got {_got(value)}")
    return tuple(v.strip() for v in value)


def _tables(where: str, data: dict, key: str, required: bool) -> list[dict]:
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise PlaybookError(f"{where}: key {key!r}: expected one or more [[{key}]] tables, got {_got(value)}")
    return value


def _one_of(where: str, key: str, value: str, allowed: tuple[str, ...] | set[str], hint: str = "") -> str:
    if value not in allowed:
        raise PlaybookError(f"{where}: key {key!r}: expected one of {', '.join(sorted(allowed) if isinstance(allowed, set) else allowed)}"
                            f"{hint}, got {value!r}")
    return value


def _known(where: str, data: dict, allowed: tuple[str, ...]) -> None:
    """A misspelt key would silently drop what it holds (a step, a duty): refuse it instead."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise PlaybookError(f"{where}: unknown key(s) {', '.join(unknown)}; expected only {', '.join(allowed)}")


_PLAYBOOK_KEYS = ("id", "title", "tier", "category", "first_response", "escalate_to", "summary", "donts",
                  "draft", "steps", "follow_up", "obligations")
_MODIFIER_KEYS = ("id", "enabled", "when", "escalate_to", "donts", "reply", "steps")


def _step(where: str, data: dict, seeds: set[str], added_by: str = "") -> PlaybookStep:
    _known(where, data, _STEP_KEYS + (("place",) if added_by else ()))
    fields = {k: _text(where, data, k) for k in _STEP_KEYS}
    _one_of(where, "phase", fields["phase"], PHASES)
    _one_of(where, "seed", fields["seed"], seeds, f" (listed in {SEEDS_FILE})")
    return PlaybookStep(**fields, added_by=added_by)


# --- the parts of a playbook directory -------------------------------------------------------

def _frame(path: Path, base: dict[str, str] | None) -> dict[str, str]:
    data = _read_toml(path)
    frame = dict(base or {})
    unknown = set(data) - set(_FRAME_KEYS)
    if unknown:
        raise PlaybookError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; expected only {', '.join(_FRAME_KEYS)}")
    for key in data:
        frame[key] = _text(str(path), data, key)
    if base is None:
        for key in _FRAME_KEYS:
            _text(str(path), frame, key)
    return frame


@dataclass(frozen=True)
class Modifier:
    """An adjustment to a playbook that applies when the result matches ``when``."""

    id: str
    emotion: tuple[str, ...]
    intensity: tuple[str, ...]
    flag: str | None
    steps: tuple[tuple[str, PlaybookStep], ...]  # (place, step)
    escalate_to: tuple[str, ...]
    donts: tuple[str, ...]
    reply: str | None
    source_file: str

    def applies(self, emotion: str, intensity: str, flags: tuple[str, ...]) -> bool:
        return ((not self.emotion or emotion in self.emotion)
                and (not self.intensity or intensity in self.intensity)
                and (self.flag is None or self.flag in flags))


def _modifiers(path: Path, seeds: set[str], base: dict[str, Modifier], label: str = "") -> dict[str, Modifier]:
    data = _read_toml(path)
    found = dict(base)
    seen: set[str] = set()
    for i, raw in enumerate(_tables(str(path), data, "modifiers", required=True)):
        where = f"{path}: modifiers[{i}]"
        mid = _text(where, raw, "id")
        if mid in seen:
            raise PlaybookError(f"{where}: key 'id': {mid!r} is used twice in this file; ids must be unique")
        seen.add(mid)
        _known(where, raw, _MODIFIER_KEYS)
        enabled = raw.get("enabled", True)
        if not isinstance(enabled, bool):
            raise PlaybookError(f"{where}: key 'enabled': expected true or false, got {_got(enabled)}")
        if not enabled:
            if mid not in found:
                raise PlaybookError(f"{where}: enabled = false for {mid!r}, which is not a modifier; the ids are "
                                    f"{', '.join(found)}")
            found.pop(mid)
            continue
        when = raw.get("when")
        if not isinstance(when, dict) or not when:
            raise PlaybookError(f"{where}: key 'when': expected a table such as "
                                "{ emotion = [\"anger\"], intensity = [\"high\"] } or { flag = \"legal\" }, "
                                f"got {_got(when)}")
        unknown = set(when) - {"emotion", "intensity", "flag"}
        if unknown:
            raise PlaybookError(f"{where}: key 'when': unknown condition(s) {', '.join(sorted(unknown))}; "
                                "expected emotion, intensity or flag")
        emotion = _texts(where, when, "emotion", required=False)
        intensity = _texts(where, when, "intensity", required=False)
        for e in emotion:
            _one_of(where, "when.emotion", e, EMOTIONS)
        for x in intensity:
            _one_of(where, "when.intensity", x, INTENSITIES)
        flag = _one_of(where, "when.flag", _text(where, when, "flag"), FLAGS) if "flag" in when else None
        steps = []
        for j, st in enumerate(_tables(where, raw, "steps", required=False)):
            place = st.get("place", "last")
            _one_of(f"{where}: steps[{j}]", "place", place, ("first", "last"))
            steps.append((place, _step(f"{where}: steps[{j}]", st, seeds, added_by=mid)))
        reply = _text(where, raw, "reply") if "reply" in raw else None
        if not (raw.get("steps") or raw.get("escalate_to") or raw.get("donts") or reply):
            raise PlaybookError(f"{where}: modifier {mid!r} changes nothing; give steps, escalate_to, donts or "
                                "reply (or enabled = false to switch a shipped one off)")
        found[mid] = Modifier(
            id=mid, emotion=emotion, intensity=intensity, flag=flag, steps=tuple(steps),
            escalate_to=_texts(where, raw, "escalate_to", required=False),
            donts=_texts(where, raw, "donts", required=False), reply=reply, source_file=label or path.name,
        )
    return found


def parse_playbook(path: Path, seeds: set[str], frame: dict[str, str], label: str = "") -> Playbook:
    """Read and check one playbook file; raise PlaybookError naming the file and key."""
    data = _read_toml(path)
    where = str(path)
    _known(where, data, _PLAYBOOK_KEYS)
    tier = _one_of(where, "tier", _text(where, data, "tier"), TIERS)
    category = data.get("category")
    if tier == WORST_CASE:
        if category not in CATEGORIES:
            raise PlaybookError(f"{where}: key 'category': a worst_case playbook needs one of "
                                f"{', '.join(CATEGORIES)}, got {category!r}")
    elif category is not None:
        raise PlaybookError(f"{where}: key 'category': only worst_case playbooks have a category; remove it")
    # top-level keys first, in file order, so the first error is the first thing to fix
    head = {k: _text(where, data, k) for k in ("id", "title", "first_response")}
    escalate_to = _texts(where, data, "escalate_to")
    summary = _text(where, data, "summary")
    donts = _texts(where, data, "donts")
    steps = [_step(f"{where}: steps[{i}]", s, seeds) for i, s in enumerate(_tables(where, data, "steps", required=True))]
    for i in range(1, len(steps)):
        if PHASES.index(steps[i].phase) < PHASES.index(steps[i - 1].phase):
            raise PlaybookError(f"{where}: steps[{i}]: key 'phase': {steps[i].phase!r} comes after "
                                f"{steps[i - 1].phase!r}; list steps in phase order ({' → '.join(PHASES)})")
    follow, obligations = [], []
    for i, f in enumerate(_tables(where, data, "follow_up", required=True)):
        _known(f"{where}: follow_up[{i}]", f, _FOLLOW_KEYS)
        follow.append(FollowUp(**{k: _text(f"{where}: follow_up[{i}]", f, k) for k in _FOLLOW_KEYS}))
    for i, o in enumerate(_tables(where, data, "obligations", required=False)):
        _known(f"{where}: obligations[{i}]", o, _OBLIGATION_KEYS)
        obligations.append(Obligation(**{k: _text(f"{where}: obligations[{i}]", o, k) for k in _OBLIGATION_KEYS}))
    for i, o in enumerate(obligations):
        if not o.source.startswith(("http://", "https://")):
            raise PlaybookError(f"{where}: obligations[{i}]: key 'source': expected the URL of the public "
                                f"source checked, got {o.source!r}")
    draft = data.get("draft")
    if not isinstance(draft, dict):
        raise PlaybookError(f"{where}: key 'draft': expected a [draft] table with "
                            f"{', '.join(_DRAFT_KEYS)} and confirm, got {_got(draft)}")
    _known(f"{where}: draft", draft, _DRAFT_KEYS + ("confirm",))
    parts = {k: _text(f"{where}: draft", draft, k) for k in _DRAFT_KEYS}
    missing = [p for p in _NEXT_CONTACT_NEEDS if p not in parts["next_contact"]]
    if missing:
        raise PlaybookError(f"{where}: draft: key 'next_contact': expected the placeholder(s) "
                            f"{' and '.join(missing)} (the reply never states a date or a name it does not know)")
    reply = ReplyTemplate(extra=(), confirm=_texts(f"{where}: draft", draft, "confirm"), **parts, **frame)
    return Playbook(
        **head, tier=tier, category=category, escalate_to=escalate_to, summary=summary, steps=tuple(steps),
        donts=donts, follow_up=tuple(follow), reply=reply, obligations=tuple(obligations),
        source_file=label or path.name,
    )


def _playbook_files(directory: Path) -> list[Path]:
    return [p for p in sorted(directory.glob("*.toml")) if p.name not in _SPECIAL]


def _parse_dir(directory: Path, seeds: set[str], frame: dict[str, str], team: bool = False) -> dict[Decision, Playbook]:
    found: dict[Decision, Playbook] = {}
    for path in _playbook_files(directory):
        pb = parse_playbook(path, seeds, frame, label=str(path) if team else "")
        key = (pb.tier, pb.category)
        if key in found:
            raise PlaybookError(f"{path}: a second playbook for {_name(key)} (the first is "
                                f"{found[key].source_file}); keep one file per decision")
        found[key] = pb
    return found


# --- adapting a playbook to a result --------------------------------------------------------

def _merge_steps(own: tuple[PlaybookStep, ...], mods: list[Modifier]) -> tuple[PlaybookStep, ...]:
    """Steps by phase: modifiers' "first" steps, the playbook's own, then modifiers' "last" steps."""
    merged: list[PlaybookStep] = []
    for phase in PHASES:
        merged += [s for m in mods for place, s in m.steps if place == "first" and s.phase == phase]
        merged += [s for s in own if s.phase == phase]
        merged += [s for m in mods for place, s in m.steps if place == "last" and s.phase == phase]
    return tuple(merged)


def _union(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for g in groups for x in g))


def adapt(playbook: Playbook, mods: list[Modifier]) -> Playbook:
    """The playbook with the given modifiers merged in (steps by phase, roles, donts, reply)."""
    if not mods:
        return playbook
    reply = replace(playbook.reply, extra=playbook.reply.extra + tuple(m.reply for m in mods if m.reply))
    return replace(
        playbook,
        steps=_merge_steps(playbook.steps, mods),
        escalate_to=_union(playbook.escalate_to, *(m.escalate_to for m in mods)),
        donts=_union(playbook.donts, *(m.donts for m in mods)),
        reply=reply,
        modifiers=playbook.modifiers + tuple(m.id for m in mods),
    )


class PlaybookSet(Mapping):
    """Playbooks for every decision, with the modifiers that adapt them to a result.

    A read-only mapping ``(tier, category) → Playbook``; :meth:`for_result` gives the plan for
    one triage result. Build it with :func:`load_playbooks`.
    """

    def __init__(self, books: dict[Decision, Playbook], modifiers: dict[str, Modifier]):
        order = {d: i for i, d in enumerate(decisions())}
        self._books = dict(sorted(books.items(), key=lambda kv: order.get(kv[0], len(order))))
        self.modifiers: dict[str, Modifier] = dict(modifiers)
        self._adapted: dict[tuple, Playbook] = {}

    def __getitem__(self, key: Decision) -> Playbook:
        return self._books[key]

    def __iter__(self) -> Iterator[Decision]:
        return iter(self._books)

    def __len__(self) -> int:
        return len(self._books)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PlaybookSet):
            return NotImplemented
        return self._books == other._books and self.modifiers == other.modifiers

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"PlaybookSet({', '.join(pb.id for pb in self._books.values())}; "
                f"{len(self.modifiers)} modifiers)")

    def playbook(self, tier: str, category: str | None = None) -> Playbook:
        """The unadapted playbook for a decision."""
        key = (tier, category if tier == WORST_CASE else None)
        if key not in self._books:
            raise PlaybookError(f"no playbook for {_name(key)}; expected one of {', '.join(map(_name, decisions()))}")
        return self._books[key]

    def for_result(self, result: Any) -> Playbook:
        """The playbook for ``result``'s decision, adapted to its emotion, intensity and flags."""
        flags = tuple(result.flags)
        key = (result.tier, result.category, result.emotion, result.intensity, flags)
        if key not in self._adapted:
            base = self.playbook(result.tier, result.category)
            mods = [m for m in self.modifiers.values() if m.applies(result.emotion, result.intensity, flags)]
            self._adapted[key] = adapt(base, mods)
        return self._adapted[key]


def load_playbooks(path: str | os.PathLike[str] | None = None) -> PlaybookSet:
    """The shipped playbooks, with a team's own directory ``path`` laid over them.

    Parameters
    ----------
    path : directory, optional
        A folder of ``.toml`` files. A playbook file replaces the shipped playbook for the same
        decision; ``modifiers.toml`` replaces or adds modifiers by id (``enabled = false``
        switches a shipped one off); ``reply.toml`` replaces the draft-frame keys it gives;
        ``seeds.toml`` adds source documents the team's steps may cite.

    Returns
    -------
    PlaybookSet
        A mapping (tier, category) → Playbook covering every decision.

    Raises
    ------
    PlaybookError
        A file is not valid TOML or misses a key; the message names the file and the key.

    Examples
    --------
    >>> books = load_playbooks()
    >>> books[("worst_case", "data_leak")].id
    'worst_case.data_leak'
    """
    shipped = playbook_dir()
    team = None
    if path is not None:
        team = Path(path)
        if not team.is_dir():
            raise PlaybookError(f"{team}: not a directory; expected a folder of playbook .toml files")
    seeds = set(_read_toml(shipped / SEEDS_FILE))
    frame = _frame(shipped / REPLY_FILE, None)
    if team is not None and (team / SEEDS_FILE).is_file():
        seeds |= set(_read_toml(team / SEEDS_FILE))
    if team is not None and (team / REPLY_FILE).is_file():
        frame = _frame(team / REPLY_FILE, frame)
    modifiers = _modifiers(shipped / MODIFIERS_FILE, seeds, {})
    if team is not None and (team / MODIFIERS_FILE).is_file():
        modifiers = _modifiers(team / MODIFIERS_FILE, seeds, modifiers, label=str(team / MODIFIERS_FILE))
    books = _parse_dir(shipped, seeds, frame)
    if team is not None:
        books.update(_parse_dir(team, seeds, frame, team=True))
    ids: dict[str, Playbook] = {}
    for pb in books.values():
        if pb.id in ids:
            raise PlaybookError(f"{pb.source_file}: id {pb.id!r} is also the id of {ids[pb.id].source_file}; "
                                "every playbook needs its own id (it names the playbook in scored exports)")
        ids[pb.id] = pb
    missing = [d for d in decisions() if d not in books]
    if missing:
        raise PlaybookError("no playbook for " + ", ".join(map(_name, missing)) + f" in {shipped}; reinstall kujo-triage")
    return PlaybookSet(books, modifiers)


_shipped: PlaybookSet | None = None
_shipped_lock = threading.Lock()


def resolve_playbooks(playbooks: "str | os.PathLike[str] | PlaybookSet | None" = None) -> PlaybookSet:
    """A PlaybookSet from what callers pass: None (the shipped set, loaded once), a set, or a folder."""
    global _shipped
    if isinstance(playbooks, PlaybookSet):
        return playbooks
    if playbooks is not None:
        return load_playbooks(playbooks)
    if _shipped is None:
        with _shipped_lock:
            if _shipped is None:
                _shipped = load_playbooks()
    return _shipped
