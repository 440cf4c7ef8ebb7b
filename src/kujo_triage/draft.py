"""The first-reply draft: 共感 → 謝罪 → 確認したい事実 → 次の連絡期限, built from a playbook.

The sentences come from the playbook files (``[draft]`` of each playbook, ``reply.toml`` for
the frame, ``reply`` of the modifiers that applied). Anything the customer's text does not
give — names, dates, amounts, the product — stays a 【placeholder】 for the sender to fill, so
the draft never states a fact, an amount or a promise it does not know.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import PlaybookError
from .schema import Draft, Playbook

PLACEHOLDER = re.compile(r"【([^【】]+)】")


def placeholders(text: str) -> tuple[str, ...]:
    """The 【placeholders】 in ``text``, in order of first appearance, without brackets."""
    return tuple(dict.fromkeys(PLACEHOLDER.findall(text)))


def first_reply(result: Any) -> Draft:
    """A Japanese first-reply draft for a triage result (or a playbook).

    Parameters
    ----------
    result : TriageResult or Playbook
        A result from ``triage()`` (its adapted ``playbook`` is used) or a playbook.

    Returns
    -------
    Draft
        ``text`` to edit and send, and ``placeholders``: every 【…】 still to fill.

    Examples
    --------
    >>> from kujo_triage import triage
    >>> draft = first_reply(triage("注文した靴のサイズが違っていました。交換をお願いします。"))
    >>> draft.text.splitlines()[0]
    '【お客様名】様'
    >>> "次回ご連絡日時" in draft.placeholders
    True
    """
    playbook = result if isinstance(result, Playbook) else getattr(result, "playbook", None)
    if not isinstance(playbook, Playbook):
        raise PlaybookError(f"expected a TriageResult with a playbook or a Playbook, got {type(result).__name__}; "
                            "triage with kujo_triage.triage() to get one")
    r = playbook.reply
    blocks = [
        r.salutation,
        r.opening,
        "\n".join((r.empathy, r.apology) + r.extra),
        "\n".join((r.confirm_intro,) + tuple(f"・{item}" for item in r.confirm)),
        "\n".join((r.next_contact, r.closing)),
        r.signature,
    ]
    text = "\n\n".join(blocks) + "\n"
    return Draft(text=text, placeholders=placeholders(text), playbook_id=playbook.id)
