"""Exception hierarchy. Every error says what was expected, what came in, and what to do.

Each class also subclasses the builtin a caller would naturally catch (``ValueError`` for bad
data), the way scikit-learn's ``NotFittedError`` is also a ``ValueError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Bytes a decoder could not read, kept as lone surrogates (``errors="surrogateescape"``).
UNDECODABLE = re.compile("[\udc80-\udcff]")


class KujoTriageError(Exception):
    """Base class of every error raised on purpose by kujo-triage."""


@dataclass(frozen=True)
class Problem:
    """One broken rule in a labelled dataset.

    ``where`` locates the row for a person fixing it: ``"line 12"`` in a CSV file (the line
    the record starts on, so it matches an editor even with multi-line cells) or ``"row 7"``
    (the index label) in a DataFrame.
    """

    where: str
    id: str
    message: str

    def __str__(self) -> str:
        ident = f" (id {self.id})" if self.id else ""
        return f"{self.where}{ident}: {self.message}"


class CorpusError(KujoTriageError, ValueError):
    """A labelled dataset breaks the rules of shared/LABELING.md.

    ``problems`` holds every broken rule found (not only the first), each with its row.
    """

    MAX_SHOWN = 20

    def __init__(self, source: str, problems: list[Problem] | None = None, message: str | None = None):
        self.source = source
        self.problems = list(problems or [])
        if message is None:
            shown = "\n".join(f"  {p}" for p in self.problems[: self.MAX_SHOWN])
            more = len(self.problems) - self.MAX_SHOWN
            tail = f"\n  … and {more} more" if more > 0 else ""
            message = (
                f"{source}: {len(self.problems)} problem(s) with the labels "
                f"(see LABELING.md; fix or drop these rows):\n{shown}{tail}"
            )
        super().__init__(message)


class EmptyTextError(KujoTriageError, ValueError):
    """The text to triage is empty or only whitespace."""


class ModelFileError(KujoTriageError, OSError):
    """A saved model is missing, incomplete or altered since it was saved."""


class NotFittedError(KujoTriageError, ValueError):
    """A model was used before ``fit``."""


def check_text(text: object, where: str = "text") -> str:
    """Return ``text`` if it is a non-blank ``str``; raise a clear TypeError/EmptyTextError otherwise."""
    if not isinstance(text, str):
        hint = " (decode it first, e.g. data.decode('utf-8'))" if isinstance(text, (bytes, bytearray)) else ""
        raise TypeError(f"{where}: expected a str, got {type(text).__name__}{hint}")
    if not text.strip():
        raise EmptyTextError(f"{where}: the text is empty or only whitespace; there is nothing to triage")
    if UNDECODABLE.search(text):
        raise UndecodableTextError(f"{where}: the text holds undecodable bytes (it was decoded with the wrong "
                                   "encoding and errors='surrogateescape'); decode it as cp932, euc-jp or utf-8")
    return text


class UndecodableTextError(KujoTriageError, ValueError):
    """The text still holds bytes its decoder could not read (lone surrogate escapes)."""


class PlaybookError(KujoTriageError, ValueError):
    """A playbook file is missing, malformed or incomplete (the message names file and key)."""


class InputFileError(KujoTriageError, ValueError):
    """An input file cannot be read as a table (missing, undecodable header, no such column…)."""


class OptionError(KujoTriageError, ValueError):
    """An argument has a value that cannot work (the message gives the values that can)."""


class TrainingDataError(KujoTriageError, ValueError):
    """Labelled data that is valid row by row but cannot train every head (too few rows of a class)."""


class WorkerError(KujoTriageError, RuntimeError):
    """A worker process of a parallel run stopped (killed, or out of memory)."""
