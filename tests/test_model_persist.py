"""Training, save/load round trip and honest loading of model files."""

import json
import pickle

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kujo_triage import ModelFileError, NotFittedError, TriageModel, load_model, read_corpus, save_model, triage


@pytest.fixture(scope="module")
def small(samples_dir):
    corpus = read_corpus(samples_dir / "complaints.csv", require_split=True)
    train = corpus[corpus["split"] == "train"].iloc[:400]
    model = TriageModel(cv=2, max_char_features=5000, max_word_features=3000).fit(train["text"].tolist(), train)
    return model, corpus[corpus["split"] == "dev"]["text"].tolist()[:40]


def test_fit_returns_self_with_learned_attributes(small):
    model, _ = small
    assert 0.0 < model.worst_threshold_ < 1.0 and model.temperature_ > 0
    assert set(model.flag_method_.values()) <= {"learned", "lexicon"}


def test_same_data_and_seed_give_identical_predictions(small, samples_dir):
    model, texts = small
    corpus = read_corpus(samples_dir / "complaints.csv", require_split=True)
    train = corpus[corpus["split"] == "train"].iloc[:400]
    again = TriageModel(cv=2, max_char_features=5000, max_word_features=3000).fit(train["text"].tolist(), train)
    assert [r.to_dict() for r in again.triage_many(texts)] == [r.to_dict() for r in model.triage_many(texts)]


def test_save_load_round_trip(small, tmp_path):
    model, texts = small
    save_model(model, tmp_path / "m", data_sha256="abc", metrics={"test": {"tier_macro_f1": 0.5}})
    meta = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))
    assert meta["data_sha256"] == "abc" and meta["labels"]["tier"] == ["routine", "serious", "worst_case"]
    assert meta["dictionary"].startswith("unidic-lite")
    loaded = load_model(tmp_path / "m")
    assert [r.to_dict() for r in loaded.triage_many(texts)] == [r.to_dict() for r in model.triage_many(texts)]
    via_api = triage(texts[0], model=loaded)
    assert via_api == loaded.triage(texts[0]) and via_api.playbook.tier == via_api.tier


def test_tampered_model_file_is_refused(small, tmp_path):
    model, _ = small
    save_model(model, tmp_path / "m")
    with open(tmp_path / "m" / "model.joblib", "ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelFileError, match=r"does not match meta.json"):
        load_model(tmp_path / "m")


def test_missing_files_fail_clearly(small, tmp_path):
    with pytest.raises(ModelFileError, match=r"no meta.json"):
        load_model(tmp_path)
    model, _ = small
    save_model(model, tmp_path / "m")
    (tmp_path / "m" / "model.joblib").unlink()
    with pytest.raises(ModelFileError, match=r"no model.joblib"):
        load_model(tmp_path / "m")


def test_other_version_warns(small, tmp_path):
    model, _ = small
    save_model(model, tmp_path / "m")
    meta_path = tmp_path / "m" / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["versions"]["kujo-triage"] = "0.0.1"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.warns(UserWarning, match=r"saved by kujo-triage 0.0.1"):
        load_model(tmp_path / "m")


def test_unfitted_model_says_what_to_do():
    with pytest.raises(NotFittedError, match=r"not fitted yet; call fit"):
        TriageModel().triage("届かない")


def test_params_follow_scikit_learn_manners():
    model = TriageModel(C=3.0)
    assert model.get_params()["C"] == 3.0
    assert model.set_params(C=5.0) is model and model.C == 5.0
    with pytest.raises(ValueError, match=r"invalid parameter 'nope'"):
        model.set_params(nope=1)
    with pytest.raises(TypeError):
        TriageModel(3.0)  # keyword-only


def test_fit_rejects_unknown_labels(small):
    with pytest.raises(ValueError, match=r"labels\['tier'\] has unknown value\(s\) urgent"):
        TriageModel(cv=2).fit(["a", "b"], {"tier": ["urgent", "routine"], "category": ["", ""],
                                            "emotion": ["anger", "anger"], "intensity": ["low", "low"], "flags": ["", ""]})


def test_model_pickles(small):
    model, texts = small
    clone = pickle.loads(pickle.dumps(model))
    assert clone.triage(texts[0]) == model.triage(texts[0])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=300).filter(lambda s: s.strip()))
def test_any_text_never_crashes(small, text):
    model, _ = small
    r = model.triage(text)
    for ev in r.evidence:
        assert text[ev.start:ev.end] == ev.text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["発火", "😀", "\x00", "\u200b", "ｶﾞ", "é", "\r\n", "①", "ﾞ", "İ", "\ufeff", "abc", "!!", " "]),
                min_size=1, max_size=40).map("".join).filter(lambda s: s.strip()))
def test_emoji_controls_and_odd_characters_never_crash(small, text):
    model, _ = small
    r = model.triage(text)
    for ev in r.evidence:
        assert text[ev.start:ev.end] == ev.text


def test_saved_model_file_is_byte_identical_across_runs(tmp_path, samples_dir):
    """Rebuilding from the same data gives the same file, whatever the hash seed."""
    import os
    import subprocess
    import sys

    code = (
        "import sys; from kujo_triage import TriageModel, read_corpus, save_model; "
        f"c = read_corpus({str(samples_dir / 'complaints.csv')!r}); c = c.iloc[:300]; "
        "m = TriageModel(cv=2, max_char_features=3000, max_word_features=2000).fit(c['text'].tolist(), c); "
        "save_model(m, sys.argv[1])"
    )
    digests = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env)
        digests.append(json.loads((out / "meta.json").read_text(encoding="utf-8"))["model_sha256"])
    assert digests[0] == digests[1]
