"""MeCab tokenisation (fugashi) with the dictionary pinned to unidic-lite.

A plain ``fugashi.Tagger()`` prefers the full ``unidic`` package when it is installed, which
would silently change tokens between machines; we always pass ``unidic_lite.DICDIR``. The
tagger is created lazily and dropped when pickled (MeCab objects cannot be pickled), so a
:class:`Tokenizer` can live inside a saved model.

Examples
--------
>>> [(t.surface, t.lemma) for t in Tokenizer()("発火しました")]
[('発火', '発火'), ('し', '為る'), ('まし', 'ます'), ('た', 'た')]
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple


class Token(NamedTuple):
    """One MeCab token; ``start``/``end`` are offsets into the text that was tokenised.

    A named tuple rather than a dataclass: tokens are made by the thousand per second.
    """

    surface: str
    lemma: str
    pos: str  # UniDic part of speech, levels joined with "-" (e.g. "助動詞", "名詞-普通名詞-一般")
    cform: str  # conjugation form (e.g. "命令形"), "" when none
    start: int
    end: int


class Tokenizer:
    """Callable MeCab tokenizer returning :class:`Token` records with character offsets."""

    def __init__(self) -> None:
        self._tagger: Any = None

    @staticmethod
    def dictionary() -> str:
        """Name and version of the pinned dictionary, recorded in model metadata."""
        from importlib.metadata import version

        import unidic_lite

        with open(os.path.join(unidic_lite.DICDIR, "version"), encoding="utf-8") as f:
            return f"unidic-lite {version('unidic-lite')} (UniDic {f.read().strip()})"

    def _get_tagger(self) -> Any:
        if self._tagger is None:
            import fugashi
            import unidic_lite

            dicdir = unidic_lite.DICDIR
            # "-Ounidic" selects the dictionary's tab-separated node format: surface, pron,
            # lForm, lemma, POS (levels joined by "-"), cType, cForm, accent. Parsing that
            # string is about twice as fast as building fugashi node objects.
            self._tagger = fugashi.GenericTagger(
                f'-r "{os.path.join(dicdir, "mecabrc")}" -d "{dicdir}" -Ounidic'
            )
        return self._tagger

    def __call__(self, text: str) -> list[Token]:
        """Tokenise ``text`` (already normalised); offsets index into ``text``."""
        if not text:
            return []
        # MeCab reads a C string: a NUL would silently end the text
        out = self._get_tagger().parse(text.replace("\x00", " "))
        tokens: list[Token] = []
        pos = 0
        for line in out.split("\n"):
            if line == "EOS" or not line:
                continue
            cols = line.split("\t")
            surface = cols[0]
            if len(cols) < 7 or not surface:
                continue
            start = text.find(surface, pos)
            if start < 0:  # never expected: MeCab surfaces are substrings of the input
                start = pos
            end = start + len(surface)
            pos = end
            lemma = cols[3] or surface
            dash = lemma.find("-", 1)  # loanwords carry a gloss: "テスト-test"
            if dash > 0:
                lemma = lemma[:dash]
            tokens.append(Token(surface, lemma, cols[4], cols[6], start, end))
        return tokens

    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        self._tagger = None
