"""Plain text and Markdown for a triage result and its playbook, for pasting into a ticket."""

from __future__ import annotations

from typing import Any

from .draft import first_reply
from .errors import PlaybookError
from .schema import Playbook

FORMATS = ("text", "markdown")


def _check(fmt: str) -> None:
    if fmt not in FORMATS:
        raise PlaybookError(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")


def _decision(result: Any) -> str:
    tier = result.tier + (f" / {result.category}" if result.category else "")
    review = ", needs review" if result.needs_review else ""
    flags = ", ".join(result.flags) or "none"
    return (f"{tier} (confidence {result.confidence:.2f}{review}); emotion {result.emotion} "
            f"({result.intensity}); flags {flags}")


def render_playbook(playbook: Playbook, format: str = "text") -> str:
    """The playbook as plain text or Markdown: deadline, roles, steps, don'ts, follow-up, duties."""
    _check(format)
    md = format == "markdown"
    h = (lambda s: f"### {s}") if md else (lambda s: f"{s}:")
    gap = [""] if md else []  # Markdown needs a blank line between paragraphs
    out = [f"## {playbook.title} (`{playbook.id}`)" if md else f"{playbook.title} [{playbook.id}]", *gap,
           playbook.summary]
    if playbook.modifiers:
        out += [*gap, f"Adapted for: {', '.join(playbook.modifiers)}"]
    out += ["", f"{'**First response:**' if md else 'First response:'} {playbook.first_response}", *gap,
            f"{'**Involve:**' if md else 'Involve:'} {'、'.join(playbook.escalate_to)}", "", h("Steps")]
    for n, s in enumerate(playbook.steps, 1):
        added = f" [{s.added_by}]" if s.added_by else ""
        if md:
            pad = " " * len(f"{n}. ")  # sub-items line up with the item's text (4 spaces from step 10)
            out.append(f"{n}. **{s.action}** — {s.owner}{added}")
            out += [f"{pad}- なぜ: {s.why}", f"{pad}- 例: 「{s.phrase}」", f"{pad}- seed: {s.seed}"]
        else:
            out.append(f"{n:2d}. {s.action} — {s.owner}{added}")
            out += [f"    なぜ: {s.why}", f"    例: 「{s.phrase}」"]
    out += ["", h("Don'ts")] + [f"- {d}" for d in playbook.donts]
    out += ["", h("Follow-up")] + [f"- {f.when}: {f.action}" for f in playbook.follow_up]
    if playbook.obligations:
        out += ["", h("Obligations that may apply (counsel confirms)")]
        for o in playbook.obligations:
            out.append(f"- {'**' + o.name + '**' if md else o.name}: {o.applies_when}")
            out += [f"  - 期限: {o.deadline}", f"  - 報告先: {o.report_to}", f"  - 出典: {o.source}", f"  - {o.note}"]
    return "\n".join(out) + "\n"


def render(result: Any, format: str = "text", *, draft: bool = True) -> str:
    """A triage result for a ticket: the decision, evidence, the adapted playbook and the draft.

    Parameters
    ----------
    result : TriageResult
        From ``triage()``; its ``playbook`` is rendered.
    format : {"text", "markdown"}
    draft : bool
        Append the first-reply draft (``first_reply``).

    Examples
    --------
    >>> from kujo_triage import triage
    >>> print(render(triage("請求額が二重になっています"), "markdown").splitlines()[0])
    # kujo-triage
    """
    _check(format)
    md = format == "markdown"
    gap = [""] if md else []
    out = ["# kujo-triage", "", f"**Decision:** {_decision(result)}"] if md else \
        ["kujo-triage", f"Decision: {_decision(result)}"]
    if result.evidence:
        out += [*gap, "**Evidence:**" if md else "Evidence:", *gap]
        out += [f"- 「{' '.join(e.text.split())}」 → {e.label}" for e in result.evidence]
    if result.playbook is not None:
        out += ["", render_playbook(result.playbook, format).rstrip("\n")]
    if draft and result.playbook is not None:
        d = first_reply(result)
        out += ["", "### First-reply draft" if md else "First-reply draft:",
                f"Fill in before sending: {'、'.join(d.placeholders)}"]
        out += ["", "```text", d.text.rstrip("\n"), "```"] if md else ["", d.text.rstrip("\n")]
    return "\n".join(out) + "\n"
