"""Text → sparse features, with the position of every feature occurrence kept for evidence.

Three families, all fitted and saved inside the model so training and scoring cannot drift:

* lemma n-grams (MeCab lemmas, so 火傷/やけど and 為る/し/した meet), TF-IDF weighted;
* character n-grams, TF-IDF weighted, for unknown words, typos and dialect spellings;
* scoped cue counts: each hit of a cue lexicon (``data/cues.json``) is counted in one scope —
  plain, negated (「漏洩したわけではない」), hypothetical (「もし発火したら」「漏れていないか心配」)
  or about another company (「他社で漏洩があったとニュースで」) — plus intensity signals
  (exclamation runs, imperatives, insults). Cues are features the classifier weighs, never
  verdicts.

Scoring needs only numpy: no scipy or scikit-learn import on the hot path, which keeps cold
start and single-text latency low. Training converts to scipy matrices.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left, bisect_right
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from .normalize import Normalized
from .tokenize import Token

SCOPES = ("plain", "neg", "hypo", "other")

_SENTENCE_END = re.compile(r"[。!?！？\n]")
_EXCLAIM_RUN = re.compile(r"[!！]{2,}")
_QUESTION_RUN = re.compile(r"[?？]{2,}")
_LAUGH = re.compile(r"w{3,}|草")
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_SIGNALS = ("s:exclaim_run", "s:question_run", "s:laugh", "s:emoji", "s:imperative",
            "s:len<20", "s:len<100", "s:len<300", "s:len>=300")


@dataclass
class Doc:
    """A text ready for featurising: its normalised form and MeCab tokens."""

    norm: Normalized
    tokens: list[Token]


@dataclass
class Occurrences:
    """Feature occurrences of one document: parallel arrays, one entry per occurrence."""

    ids: np.ndarray  # feature index
    starts: np.ndarray  # char offsets in the normalised text
    ends: np.ndarray
    weights: np.ndarray  # the occurrence's share of the feature value
    uniq: np.ndarray  # distinct feature indices of the document (sorted) …
    values: np.ndarray  # … and their values: the document's sparse row


class CueMatcher:
    """Finds cue-lexicon hits in one pass with a single regular expression."""

    def __init__(self, groups: dict[str, list[str]]):
        self.groups = list(groups)
        by_pattern: dict[str, set[str]] = {}
        for g, pats in groups.items():
            for p in pats:
                by_pattern.setdefault(p.lower(), set()).add(g)
        patterns = sorted(by_pattern, key=len, reverse=True)
        # a longer match also counts for every shorter cue inside it (他社に → churn and other_company)
        self._groups_of = {
            p: sorted(set().union(*(by_pattern[q] for q in patterns if q in p))) for p in patterns
        }
        self._regex = re.compile("|".join(re.escape(p) for p in patterns))

    def __call__(self, text: str) -> list[tuple[str, int, int]]:
        return [(g, m.start(), m.end()) for m in self._regex.finditer(text) for g in self._groups_of[m.group()]]


class Featurizer:
    """Fits vocabularies on training documents and turns documents into sparse rows.

    Parameters
    ----------
    word_ngrams, char_ngrams : tuple of int
        n-gram lengths for lemma and character features.
    min_df : int
        A feature is kept when at least this many training documents contain it.
    max_word_features, max_char_features : int
        Keep the most frequent features up to these counts (bounds model size).
    cue_weight : float
        Scale of the cue and signal counts against the L2-normalised n-gram part. Counts are
        ~10x larger than TF-IDF values; unscaled, the regularised heads lean on them too much
        (on the dev split of a 3,821-row draft of the corpus, scaling by 0.1 raised worst_case
        precision at 0.95 recall from 0.74 to 0.83; on the 4,001-row corpus 0.05 and 0.2 did worse).
    cues : dict
        The parsed ``data/cues.json``.
    """

    def __init__(self, *, cues: dict, word_ngrams=(1, 2), char_ngrams=(1, 3), min_df=2,
                 max_word_features=40000, max_char_features=60000, cue_weight=0.1):
        self.cues = cues
        self.word_ngrams = tuple(word_ngrams)
        self.char_ngrams = tuple(char_ngrams)
        self.min_df = min_df
        self.max_word_features = max_word_features
        self.max_char_features = max_char_features
        self.cue_weight = cue_weight
        self._compile()

    def _compile(self) -> None:
        """Build the matcher and scope sets from the cue lexicon. They are derived data, left
        out of the pickle (frozensets pickle in hash order, which would make the model file
        differ between runs) and rebuilt on load."""
        self._matcher = CueMatcher(self.cues["groups"])
        scope = self.cues["scope"]
        self._neg = frozenset(scope["negation_lemmas"])
        self._hypo = frozenset(scope["hypothetical_lemmas"])
        self._hypo_forms = tuple(scope["hypothetical_forms"])
        self._hypo_openers = frozenset(scope["hypothetical_openers"])
        self._other = tuple(scope["other_company_markers"])
        self._window = int(scope["window"])

    # ---- analysers -------------------------------------------------------------------------
    def _word_grams(self, doc: Doc) -> tuple[list[str], list[int], list[int]]:
        """Lemma n-grams with their (start, end) offsets; commas are skipped."""
        toks = [t for t in doc.tokens if not t.pos.startswith("補助記号-読点")]
        lemmas = [t.lemma for t in toks]
        ts = [t.start for t in toks]
        te = [t.end for t in toks]
        grams: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        for n in self.word_ngrams:
            m = len(lemmas) - n + 1
            if m <= 0:
                continue
            grams += lemmas if n == 1 else [" ".join(lemmas[i:i + n]) for i in range(m)]
            starts += ts[:m]
            ends += te[n - 1:]
        return grams, starts, ends

    def _char_grams(self, doc: Doc) -> tuple[list[str], np.ndarray, np.ndarray]:
        text = doc.norm.text
        grams: list[str] = []
        starts, ends = [], []
        for n in self.char_ngrams:
            m = len(text) - n + 1
            if m <= 0:
                continue
            grams += [text[i:i + n] for i in range(m)]
            starts.append(np.arange(m))
            ends.append(np.arange(m) + n)
        cat = (lambda xs: np.concatenate(xs) if xs else np.zeros(0, np.int64))
        return grams, cat(starts), cat(ends)

    def _scope(self, doc: Doc, start: int, end: int, tok_starts: list[int], sentence_starts: list[int]) -> str:
        """Scope of a cue hit at [start, end): negated, hypothetical, other company or plain."""
        text = doc.norm.text
        s0 = sentence_starts[bisect_right(sentence_starts, start) - 1]
        sentence_head = text[s0:start]
        if any(mark in sentence_head for mark in self._other):
            return "other"
        toks = doc.tokens
        i = bisect_left(tok_starts, end)
        window = toks[i:i + self._window]
        for k, t in enumerate(window):
            if t.pos.startswith("補助記号-句点") or t.surface in "。!?\n":
                break
            if t.lemma in self._hypo or t.cform.startswith(self._hypo_forms):
                return "hypo"
            if t.lemma in self._neg and (t.pos.startswith("助動詞") or t.pos.startswith("形容詞")):
                after = "".join(x.surface for x in window[k + 1:k + 4])
                if after.startswith("か") or "心配" in after or "不安" in after:
                    return "hypo"  # 「漏れていないか心配」: a worry, not a denial
                return "neg"
        head_toks = toks[bisect_left(tok_starts, s0):bisect_left(tok_starts, start)]
        if any(t.lemma in self._hypo_openers or t.surface in self._hypo_openers for t in head_toks):
            return "hypo"
        return "plain"

    def _cue_grams(self, doc: Doc):
        tok_starts = [t.start for t in doc.tokens]
        # found once per document, not once per cue hit: keeps long texts linear
        sentence_starts = [0] + [m.end() for m in _SENTENCE_END.finditer(doc.norm.text)]
        for group, s, e in self._matcher(doc.norm.text):
            yield f"q:{group}:{self._scope(doc, s, e, tok_starts, sentence_starts)}", s, e
        text = doc.norm.text
        for m in _EXCLAIM_RUN.finditer(text):
            yield "s:exclaim_run", m.start(), m.end()
        for m in _QUESTION_RUN.finditer(text):
            yield "s:question_run", m.start(), m.end()
        for m in _LAUGH.finditer(text):
            yield "s:laugh", m.start(), m.end()
        for m in _EMOJI.finditer(text):
            yield "s:emoji", m.start(), m.end()
        for t in doc.tokens:
            if t.cform.startswith("命令形"):
                yield "s:imperative", t.start, t.end
        n = len(text)
        yield ("s:len<20" if n < 20 else "s:len<100" if n < 100 else "s:len<300" if n < 300 else "s:len>=300"), 0, 0

    # ---- fit / transform ---------------------------------------------------------------------
    def fit(self, docs: Sequence[Doc]) -> "Featurizer":
        word_df: Counter = Counter()
        char_df: Counter = Counter()
        for doc in docs:
            word_df.update(set(self._word_grams(doc)[0]))
            char_df.update(set(self._char_grams(doc)[0]))
        n = len(docs)

        def top(df: Counter, cap: int) -> list[str]:
            grams = sorted(((c, g) for g, c in df.items() if c >= self.min_df), key=lambda cg: (-cg[0], cg[1]))
            return [g for _, g in grams[:cap]]

        words, chars = top(word_df, self.max_word_features), top(char_df, self.max_char_features)
        # every cue/signal feature is kept, even unseen ones, so the vocabulary is stable
        cues = [f"q:{g}:{s}" for g in self._matcher.groups for s in SCOPES] + list(_SIGNALS)
        self.word_vocab_ = {g: i for i, g in enumerate(words)}
        self.char_vocab_ = {g: len(words) + i for i, g in enumerate(chars)}
        self.cue_vocab_ = {g: len(words) + len(chars) + i for i, g in enumerate(cues)}
        self.feature_names_ = [f"w:{g}" for g in words] + [f"c:{g}" for g in chars] + cues
        dfs = [word_df[g] for g in words] + [char_df[g] for g in chars]
        idf = [math.log((1 + n) / (1 + d)) + 1.0 for d in dfs] + [0.0] * len(cues)
        self.idf_ = np.array(idf, dtype=np.float32)
        self.is_count_ = np.arange(len(self.feature_names_)) >= len(words) + len(chars)
        return self

    def occurrences(self, doc: Doc) -> Occurrences:
        """Every in-vocabulary feature occurrence of ``doc``, with its share of the feature value."""
        wg, ws, we = self._word_grams(doc)
        cg, cs, ce = self._char_grams(doc)
        cue = list(self._cue_grams(doc))
        ids = np.fromiter(
            itertools.chain(map(self.word_vocab_.get, wg, itertools.repeat(-1)),
                            map(self.char_vocab_.get, cg, itertools.repeat(-1)),
                            (self.cue_vocab_.get(g, -1) for g, _, _ in cue)),
            dtype=np.int64, count=len(wg) + len(cg) + len(cue))
        starts = np.concatenate([np.asarray(ws, np.int64), cs, np.asarray([c[1] for c in cue], np.int64)])
        ends = np.concatenate([np.asarray(we, np.int64), ce, np.asarray([c[2] for c in cue], np.int64)])
        keep = ids >= 0
        ids, starts, ends = ids[keep], starts[keep], ends[keep]
        if not len(ids):
            z = np.zeros(0, np.int64)
            return Occurrences(z, z, z, np.zeros(0, np.float32), z, np.zeros(0, np.float32))
        uniq, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
        values = self._values(uniq, counts)
        # each occurrence carries an equal share of its feature's value
        weights = (values / counts)[inverse].astype(np.float32)
        return Occurrences(ids, starts, ends, weights, uniq, values)

    def _values(self, uniq: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """TF-IDF (sublinear tf, L2 over the n-gram part) for n-grams; log1p counts for cues."""
        counts = counts.astype(np.float32)
        is_count = self.is_count_[uniq]
        tfidf = (1.0 + np.log(counts)) * self.idf_[uniq]
        tfidf[is_count] = 0.0
        norm = float(np.sqrt((tfidf ** 2).sum())) or 1.0
        return np.where(is_count, self.cue_weight * np.log1p(counts), tfidf / norm).astype(np.float32)

    def rows(self, docs: Iterable[Doc]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Occurrences]]:
        """CSR parts (indptr, indices, values) for ``docs`` and each document's occurrences."""
        indptr, indices, values, occs = [0], [], [], []
        for doc in docs:
            occ = self.occurrences(doc)
            occs.append(occ)
            indices.append(occ.uniq)
            values.append(occ.values)
            indptr.append(indptr[-1] + len(occ.uniq))
        cat = (lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dt))
        return np.asarray(indptr, np.int64), cat(indices, np.int64), cat(values, np.float32), occs

    _DERIVED = ("_matcher", "_neg", "_hypo", "_hypo_forms", "_hypo_openers", "_other", "_window")

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._DERIVED}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._compile()

