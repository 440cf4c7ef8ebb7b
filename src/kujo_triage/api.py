"""One-call API over the shipped default model, loaded once, lazily, on first use."""

from __future__ import annotations

import os
import threading
from typing import Any, Iterable, Union

from .errors import check_text
from .schema import TriageResult

_lock = threading.Lock()
_default: Any = None

PlaybooksLike = Union[str, "os.PathLike[str]", Any, None]


def default_model() -> Any:
    """The shipped default model (loaded on first call, then cached for the process)."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                from .persist import load_model
                from .resources import default_model_dir

                _default = load_model(default_model_dir())
    return _default


def triage(text: str, *, model: Any = None, playbooks: PlaybooksLike = None) -> TriageResult:
    """Triage one Japanese customer message.

    Parameters
    ----------
    text : str
        The message as received (any length; characters past the model's ``max_chars`` are
        not read and the result is marked ``truncated`` and ``needs_review``).
    model : TriageModel, optional
        A model of your own (``load_model(path)``); the shipped default model otherwise.
    playbooks : path or PlaybookSet, optional
        A directory of your own playbook files (laid over the shipped ones), or the result of
        ``load_playbooks(...)``; the shipped playbooks otherwise. ``result.playbook`` is the
        one for the decision, adapted to the emotion, intensity and flags.

    Raises
    ------
    TypeError
        ``text`` is not a str (bytes: decode first).
    EmptyTextError
        (a ValueError) ``text`` is empty or whitespace.

    Examples
    --------
    >>> r = triage("充電中にスマホが発火して、子どもが手をやけどしました")
    >>> r.tier, r.category
    ('worst_case', 'product_accident')
    """
    check_text(text)
    return (model or default_model()).triage(text, playbooks=playbooks)


def triage_many(texts: Iterable[str], *, model: Any = None, playbooks: PlaybooksLike = None,
                batch_size: int = 256) -> list[TriageResult]:
    """Triage many messages, batched for speed; results in input order.

    A bad element raises TypeError / EmptyTextError naming its index (``texts[3]: …``) before
    any work is done. For CSV exports with bad rows, use batch scoring, which marks such rows
    with an error instead.
    """
    return (model or default_model()).triage_many(texts, batch_size=batch_size, playbooks=playbooks)
