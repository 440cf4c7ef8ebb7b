"""Text normalisation with a map back to the original text. Pure, standard library only.

NFKC makes half-width katakana, full-width ASCII and circled digits look like the text the
dictionary knows (ｱｶｳﾝﾄ → アカウント, ＳＮＳ → SNS). Because evidence spans must point into the
ORIGINAL text, :func:`normalize` also returns, for every normalised character, the offset of
the original character it came from.

Examples
--------
>>> norm = normalize("ｱｶｳﾝﾄが！！")
>>> norm.text
'アカウントが!!'
>>> norm.span(0, 5)  # 'アカウント' in the original
(0, 5)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

MAX_CHARS = 20_000
"""Texts are read up to this many characters; the rest is ignored and the result is marked
``truncated`` (so ``needs_review``). 20,000 characters is about fifteen pages of a letter."""

_HALFWIDTH_MARKS = {"\uff9e", "\uff9f"}  # ﾞ ﾟ combine with the preceding half-width kana


# Control and format characters (C*) other than the newline become spaces.
_CONTROL = re.compile(r"[^\S\n ]|[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus, per character, the original span it came from.

    ``starts``/``ends`` are ``None`` when the mapping is the identity (the common case: text
    that NFKC leaves alone), which keeps the single-text path cheap.
    """

    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None
    truncated: bool = False

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map ``[start, end)`` in the normalised text to ``[start, end)`` in the original."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            return (self.starts[start] if start < len(self.starts) else (self.ends[-1] if self.ends else 0),) * 2
        return self.starts[start], self.ends[end - 1]


@lru_cache(maxsize=65536)
def _norm_piece(piece: str) -> str:
    """NFKC, control characters to spaces, lower case — for one character cluster."""
    norm = unicodedata.normalize("NFKC", piece)
    norm = "".join(" " if (unicodedata.category(c)[0] == "C" and c != "\n") else c for c in norm)
    return norm.lower()


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u20d0-\u20ff\u3099\u309a\uff9e\uff9f\ufe20-\ufe2f]")


def _clusters(text: str):
    """Yield (start, end) of a base character with the combining marks that follow it."""
    n, i = len(text), 0
    while i < n:
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or text[j] in _HALFWIDTH_MARKS):
            j += 1
        yield i, j
        i = j


def normalize(text: str, *, max_chars: int = MAX_CHARS) -> Normalized:
    """NFKC-normalise ``text``, replace control characters with spaces, and lower-case Latin.

    Works per character cluster, so every output character maps to the original span it came
    from; runs in time linear in ``len(text)``. Text beyond ``max_chars`` original characters is
    dropped and ``truncated`` is set.
    """
    truncated = len(text) > max_chars
    if truncated:
        text = text[:max_chars]
    if unicodedata.is_normalized("NFKC", text):
        fast = _CONTROL.sub(" ", text).lower()
        if len(fast) == len(text):
            return Normalized(fast, None, None, truncated)
    if not _COMBINING.search(text):
        # usual case (full-width punctuation, ㈱, ①…): map each character on its own
        pieces = [_norm_piece(c) for c in text]
        joined = "".join(pieces)
        if len(joined) == len(text):
            return Normalized(joined, None, None, truncated)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, j in _clusters(text):
        norm = _norm_piece(text[i:j])
        out.append(norm)
        starts.extend([i] * len(norm))
        ends.extend([j] * len(norm))
    return Normalized("".join(out), tuple(starts), tuple(ends), truncated)
