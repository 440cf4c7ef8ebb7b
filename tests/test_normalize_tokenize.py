"""Normalisation keeps a map to the original text; tokens come from the pinned dictionary."""

import pickle

import pytest

from kujo_triage.normalize import normalize
from kujo_triage.tokenize import Tokenizer


@pytest.mark.parametrize("original, expected", [
    ("ｱｶｳﾝﾄがﾛｸﾞｲﾝできない", "アカウントがログインできない"),
    ("ＳＮＳに書きます！！", "snsに書きます!!"),
    ("㈱ミナト①", "(株)ミナト1"),
    ("ｶﾞｽ漏れ", "ガス漏れ"),
    ("改行は\n残す\tタブは空白\x00", "改行は\n残す タブは空白 "),
])
def test_normalize(original, expected):
    assert normalize(original).text == expected


@pytest.mark.parametrize("original, word", [
    ("ｶﾞｽ臭い！㈱ﾐﾅﾄの件", "ﾐﾅﾄ"),
    ("普通の文で発火しました", "発火"),
    ("ＳＮＳに晒す", "晒す"),
])
def test_spans_map_back_to_the_original_text(original, word):
    norm = normalize(original)
    needle = normalize(word).text
    s = norm.text.index(needle)
    start, end = norm.span(s, s + len(needle))
    assert original[start:end] == word


def test_long_text_is_truncated_and_marked():
    norm = normalize("あ" * 30, max_chars=10)
    assert norm.text == "あ" * 10 and norm.truncated


def test_tokens_carry_lemmas_and_offsets():
    text = "子どもがやけどしました"
    tokens = Tokenizer()(text)
    assert [t.surface for t in tokens] == ["子ども", "が", "やけど", "し", "まし", "た"]
    assert tokens[2].lemma == "火傷"  # やけど and 火傷 meet at the lemma
    assert all(text[t.start:t.end] == t.surface for t in tokens)


def test_tokenizer_pickles_without_its_tagger_and_pins_unidic_lite():
    tok = Tokenizer()
    tok("一度使う")
    clone = pickle.loads(pickle.dumps(tok))
    assert clone._tagger is None and [t.surface for t in clone("発火")] == ["発火"]
    assert Tokenizer.dictionary().startswith("unidic-lite")


def test_nul_does_not_cut_the_text():
    assert [t.surface for t in Tokenizer()("前\x00後")] == ["前", "後"]
