"""The shipped corpus (data/samples/complaints.csv) keeps the promises of its datasheet.

These are the acceptance counts of the corpus: if an edit to the data breaks one, CI says so.
"""

import hashlib
import unicodedata
from collections import Counter, defaultdict

import pytest

from kujo_triage import CATEGORIES, EMOTIONS, FLAGS, assign_split, read_corpus
from kujo_triage.corpus import parse_flags


def norm(text):
    """The normalisation of shared/tools/check_corpus.py (NFKC, no spaces or 、。!?)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace() and ch not in "、。!?！？")


@pytest.fixture(scope="module")
def corpus(samples_dir):
    return read_corpus(samples_dir / "complaints.csv", require_split=True)


def share(df, mask):
    return mask.sum() / len(df)


def test_size_and_tier_mix(corpus):
    assert len(corpus) >= 3000
    tiers = corpus["tier"].value_counts(normalize=True)
    assert tiers["worst_case"] >= 0.30
    assert 0.25 <= tiers["serious"] <= 0.35
    assert 0.35 <= tiers["routine"] <= 0.45


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_worst_case_category_has_250_rows(corpus, category):
    assert (corpus["category"] == category).sum() >= 250


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_each_emotion_is_at_least_8_percent(corpus, emotion):
    assert share(corpus, corpus["emotion"] == emotion) >= 0.08


@pytest.mark.parametrize("flag", FLAGS)
def test_each_flag_is_on_60_rows(corpus, flag):
    assert sum(flag in parse_flags(v) for v in corpus["flags"]) >= 60


def test_hard_cases_are_a_quarter_and_explained(corpus):
    noted = corpus["note"].str.strip() != ""
    hard = noted & ~corpus["note"].str.startswith("non_complaint:")
    assert share(corpus, hard) >= 0.25
    # every note names its hard-case type before the explanation
    types = corpus.loc[noted, "note"].str.extract(r"^([a-z_]+):", expand=False)
    assert types.notna().all()
    assert types.nunique() >= 10


def test_non_complaints_are_in_routine(corpus):
    non = corpus["note"].str.startswith("non_complaint:")
    assert non.sum() >= 100
    assert set(corpus.loc[non, "tier"]) == {"routine"}


def test_coverage_of_industries_channels_and_lengths(corpus):
    assert corpus["industry"].nunique() >= 12
    assert corpus["source"].value_counts().ge(100).sum() >= 6
    lengths = corpus["text"].str.len()
    assert (lengths < 20).sum() >= 30
    assert (lengths > 1000).sum() >= 20


def test_no_duplicates_and_little_template_smell(corpus):
    texts = [norm(t) for t in corpus["text"]]
    assert sum(c - 1 for c in Counter(texts).values() if c > 1) == 0
    heads, tails = defaultdict(int), defaultdict(int)
    for t in texts:
        if len(t) >= 24:
            heads[t[:12]] += 1
            tails[t[-12:]] += 1
    smelly = sum(1 for t in texts if len(t) >= 24 and (heads[t[:12]] >= 5 or tails[t[-12:]] >= 5))
    assert smelly / len(texts) <= 0.05


def test_split_is_about_70_15_15_overall_and_per_stratum(corpus):
    overall = corpus["split"].value_counts(normalize=True)
    assert overall["train"] == pytest.approx(0.70, abs=0.02)
    assert overall["dev"] == pytest.approx(0.15, abs=0.02)
    assert overall["test"] == pytest.approx(0.15, abs=0.02)
    for (tier, category), group in corpus.groupby(["tier", "category"]):
        shares = group["split"].value_counts(normalize=True)
        for name, target in (("train", 0.70), ("dev", 0.15), ("test", 0.15)):
            assert shares.get(name, 0) == pytest.approx(target, abs=0.02), (tier, category, name)


def test_split_is_complete_so_assign_split_changes_nothing(corpus):
    assert assign_split(corpus).equals(corpus["split"])


def test_split_is_frozen(corpus):
    """The test split never moves. If you ADD rows, update the fingerprint in the same commit
    and say so in data/samples/README.md; never reshuffle existing rows."""
    pairs = "\n".join(sorted(f"{i}:{s}" for i, s in zip(corpus["id"], corpus["split"])))
    assert hashlib.sha256(pairs.encode()).hexdigest()[:16] == SPLIT_FINGERPRINT


SPLIT_FINGERPRINT = "8de2d311ed3aaaf4"
