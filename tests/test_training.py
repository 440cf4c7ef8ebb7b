"""Retraining for data scientists: train, evaluate, tune, save, load — in Python and the CLI."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kujo_triage import (
    CorpusError, ModelFileError, OptionError, Report, TrainingDataError, TriageModel, evaluate, load_model,
    read_corpus, save_model, select_for_labelling, train, triage,
)
from kujo_triage.evaluation import score_predictions
from kujo_triage.resources import corpus_path

EXE = str(Path(sys.executable).with_name("kujo-triage"))
FAST = {"cv": 2, "max_word_features": 3000, "max_char_features": 5000}


@pytest.fixture(scope="module")
def corpus():
    return read_corpus(corpus_path(), require_split=True)


@pytest.fixture(scope="module")
def small(corpus):
    """About 450 rows: 300 train, 75 dev, 75 test — enough for every head, quick to fit."""
    return pd.concat([corpus[corpus["split"] == s].head(n) for s, n in (("train", 300), ("dev", 75), ("test", 75))])


@pytest.fixture(scope="module")
def model(small):
    return train(small, **FAST)


# --- train --------------------------------------------------------------------------------

def test_train_uses_only_the_train_split_and_records_its_data(model, small):
    n_train = int((small["split"] == "train").sum())
    assert model.training_data_["rows"] == n_train and model.training_data_["own_rows"] == n_train
    assert len(model.training_data_["sha256"]) == 64 and model.training_data_["base"] is None
    assert model.triage("充電中にスマホが発火して、子どもが手をやけどしました").tier == "worst_case"


def test_same_data_and_seed_give_identical_predictions(model, small, corpus):
    again = train(small, **FAST)
    texts = corpus[corpus["split"] == "test"]["text"].head(40).tolist()
    assert [r.to_dict() for r in again.triage_many(texts)] == [r.to_dict() for r in model.triage_many(texts)]
    other = train(small, random_state=1, **FAST)
    assert other.get_params()["random_state"] == 1


def test_train_reads_a_csv_with_another_text_column_and_no_id(tmp_path, small):
    rows = small[small["split"] == "train"].drop(columns=["id", "split"]).rename(columns={"text": "本文"})
    path = tmp_path / "ours.csv"
    rows.to_csv(path, index=False)
    m = train(path, text_column="本文", **FAST)
    assert m.training_data_["rows"] == len(rows)


def test_base_default_adds_the_shipped_train_split(tmp_path, monkeypatch, corpus, small):
    shipped = pd.concat([corpus[corpus["split"] == s].head(120) for s in ("train", "dev")])
    path = tmp_path / "shipped.csv"
    shipped.to_csv(path, index=False)
    monkeypatch.setattr("kujo_triage.training.corpus_path", lambda: path)
    own = small[small["split"] == "train"].head(60).drop(columns=["split"])
    m = train(own, base="default", **FAST)
    assert m.training_data_ == {**m.training_data_, "rows": 60 + 120, "own_rows": 60, "base": "default"}
    with pytest.raises(ValueError, match=r"base: expected None or 'default' \(the shipped corpus\), got 'mine'"):
        train(own, base="mine", **FAST)


def test_bad_labels_are_reported_with_their_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,text,tier,category,emotion,intensity,flags\n"
                    "a,届きません,routine,,confusion,low,\n"
                    "b,発火しました,urgent,,anxiety,high,\n"
                    "c,請求が二重です,serious,data_leak,anger,high,\n"
                    "d,   ,routine,,neutral,low,\n", encoding="utf-8")
    with pytest.raises(CorpusError) as e:
        train(path, **FAST)
    msg = str(e.value)
    assert "line 3 (id b)" in msg and "urgent" in msg
    assert "line 4 (id c)" in msg and "category" in msg
    assert "line 5 (id d)" in msg and "text" in msg


def test_too_few_rows_of_a_tier_is_a_clear_error(small):
    rows = small[small["split"] == "train"]
    few = pd.concat([rows[rows["tier"] != "worst_case"], rows[rows["tier"] == "worst_case"].head(1)])
    with pytest.raises(TrainingDataError, match=r"every tier needs at least 2 rows .* got worst_case 1\. .*base='default'"):
        train(few, **FAST)
    one_emotion = rows.assign(emotion="neutral", intensity="low")
    with pytest.raises(TrainingDataError, match=r"emotion has only one value \('neutral'\)"):
        train(one_emotion, **FAST)


# --- scikit-learn manners ---------------------------------------------------------------------

def test_clone_and_grid_search_work(small):
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    est = TriageModel(C=4.0, **FAST)
    twin = clone(est)
    assert twin.get_params() == est.get_params() and twin is not est
    rows = small[small["split"] == "train"].reset_index(drop=True)
    search = GridSearchCV(TriageModel(**FAST), {"C": [2.0, 16.0]}, cv=2).fit(rows["text"].tolist(), rows)
    assert search.best_params_["C"] in (2.0, 16.0)
    assert 0.0 <= search.best_score_ <= 1.0
    assert search.best_estimator_.triage("請求が二重になっています").tier in ("routine", "serious", "worst_case")


def test_fit_returns_self_and_params_are_keyword_only():
    est = TriageModel(**FAST)
    with pytest.raises(TypeError):
        TriageModel(2.0)  # positional params are refused
    assert est.set_params(C=3.0) is est and est.C == 3.0


# --- evaluate ---------------------------------------------------------------------------------

def test_score_predictions_on_a_known_small_case():
    rows = pd.DataFrame({
        "tier": ["worst_case", "worst_case", "worst_case", "routine", "serious"],
        "category": ["data_leak", "product_accident", "service_error", "", ""],
        "emotion": ["anger", "anxiety", "anger", "neutral", "anger"],
        "intensity": ["high", "medium", "high", "low", "medium"],
        "flags": ["legal", "", "", "", "repeat"],
    })
    preds = [
        {"tier": "worst_case", "category": "data_leak", "emotion": "anger", "intensity": "high", "flags": ["legal"]},
        {"tier": "worst_case", "category": "service_error", "emotion": "anxiety", "intensity": "medium", "flags": []},
        {"tier": "serious", "category": None, "emotion": "anger", "intensity": "high", "flags": []},
        {"tier": "worst_case", "category": "data_leak", "emotion": "neutral", "intensity": "low", "flags": []},
        {"tier": "serious", "category": None, "emotion": "anger", "intensity": "low", "flags": ["repeat", "legal"]},
    ]
    m = score_predictions(rows, preds)
    assert m["worst_case_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["worst_case_precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["category_accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["confusion"]["tier"] == [[0, 0, 1], [0, 1, 0], [0, 1, 2]]  # rows truth routine/serious/worst
    assert m["flags_f1"] == pytest.approx(2 * 2 / (3 + 2), abs=1e-4)  # 2 right of 3 predicted, 2 true


def test_evaluate_gives_a_report_for_notebooks(model, small):
    import matplotlib

    matplotlib.use("Agg")
    dev = small[small["split"] == "dev"]
    report = evaluate(model, dev)
    assert isinstance(report, Report) and report.n == len(dev)
    assert set(report.metrics) >= {"worst_case_recall", "worst_case_precision", "tier_macro_f1", "category_accuracy",
                                   "emotion_macro_f1", "flags_f1"}
    frame = report.to_frame()
    assert frame.loc[("tier", "worst_case"), "support"] == int((dev["tier"] == "worst_case").sum())
    conf = report.confusion_frame("tier")
    assert conf.to_numpy().sum() == len(dev) and list(conf.index) == ["routine", "serious", "worst_case"]
    pr = report.pr_frame()
    assert len(pr) > 3 and pr["recall"].is_monotonic_decreasing
    assert report.plot_confusion("emotion") is not None and report.plot_pr_curve() is not None
    assert "worst_case_recall" in str(report) and json.dumps(report.as_dict())
    with pytest.raises(ValueError, match=r"head: expected one of tier, category, emotion, got 'flags'"):
        report.confusion_frame("flags")


# --- tuning the threshold, choosing rows to label ----------------------------------------------

def test_set_worst_case_recall_reaches_the_target_and_reports_the_cost(small):
    m = train(small, **FAST)
    dev = small[small["split"] == "dev"]
    with pytest.warns(UserWarning, match=r"only \d+ worst_case rows: too few to set a threshold for recall 1.0"):
        cost = m.set_worst_case_recall(1.0, dev)
    assert cost["recall"] == 1.0 and cost["threshold"] <= cost["previous_threshold"]
    assert cost["precision"] <= cost["previous_precision"] + 1e-9 and cost["worst_case_rows"] > 0
    assert m.worst_threshold_ == pytest.approx(cost["threshold"], abs=1e-6)
    assert evaluate(m, dev).metrics["worst_case_recall"] == 1.0
    with pytest.raises(OptionError, match=r"recall: expected a number in \(0, 1\], got 1.5"):
        m.set_worst_case_recall(1.5, dev)


def test_select_for_labelling_puts_the_least_certain_first(model, small):
    pool = small[small["split"] == "test"].drop(columns=["tier", "category"]).assign(text=lambda d: d["text"])
    pool = pd.concat([pool, pd.DataFrame({"id": ["blank"], "text": ["   "]})])
    picked = select_for_labelling(model, pool, n=10)
    assert len(picked) == 10 and "blank" not in set(picked["id"])
    assert picked["uncertainty"].is_monotonic_decreasing
    assert set(picked.index) <= set(pool.index) and list(picked.columns[: len(pool.columns)]) == list(pool.columns)
    rest = select_for_labelling(model, pool, n=len(pool))
    assert picked["uncertainty"].min() >= rest["uncertainty"].iloc[10:].max()
    with pytest.raises(OptionError, match=r"n: expected a positive number of rows, got 0"):
        select_for_labelling(model, pool, n=0)


# --- save / load ------------------------------------------------------------------------------

def test_save_load_round_trip_keeps_provenance_and_predictions(model, small, tmp_path):
    report = evaluate(model, small[small["split"] == "dev"])
    save_model(model, tmp_path / "m", metrics=report)
    meta = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))
    assert meta["data_sha256"] == model.training_data_["sha256"] and meta["training_data"]["rows"] > 0
    ev = meta["metrics"]["evaluation"]
    assert ev["n"] == report.n and ev["tier_macro_f1"] == report.metrics["tier_macro_f1"]
    loaded = load_model(tmp_path / "m")
    texts = small["text"].head(20).tolist()
    assert [r.to_dict() for r in loaded.triage_many(texts)] == [r.to_dict() for r in model.triage_many(texts)]
    assert triage(texts[0], model=loaded) == loaded.triage(texts[0])
    (tmp_path / "m" / "model.joblib").write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="does not match meta.json"):
        load_model(tmp_path / "m")


# --- the command line -------------------------------------------------------------------------

def run(*args):
    return subprocess.run([EXE, *args], capture_output=True, text=True)


def test_cli_train_evaluate_and_info(small, tmp_path):
    data = tmp_path / "ours.csv"
    small.to_csv(data, index=False)
    out = run("train", str(data), "-o", str(tmp_path / "ours"))
    assert out.returncode == 0, out.stderr
    assert "training on the train split" in out.stderr and "dev split — evaluated on" in out.stderr
    assert (tmp_path / "ours" / "model.joblib").is_file()
    ev = run("evaluate", str(data), "--model", str(tmp_path / "ours"), "--split", "test")
    assert ev.returncode == 0 and "worst_case_recall" in ev.stdout and "tier confusion" in ev.stdout
    info = run("info", "--model", str(tmp_path / "ours"))
    assert info.returncode == 0 and "trained on" in info.stdout and "metrics     test" in info.stdout
    assert "shipped default" in run("info").stdout
    bad = run("evaluate", str(data), "--model", str(tmp_path / "nope"))
    assert bad.returncode == 1 and "no meta.json" in bad.stderr
    nosplit = tmp_path / "nosplit.csv"
    small.drop(columns=["split"]).to_csv(nosplit, index=False)
    bad = run("evaluate", str(nosplit), "--split", "test")
    assert bad.returncode == 1 and "has no split column" in bad.stderr


def test_the_default_models_reported_test_figures_are_reproducible(corpus):
    from kujo_triage import default_model
    from kujo_triage.persist import read_meta
    from kujo_triage.resources import default_model_dir

    test = corpus[corpus["split"] == "test"]
    report = evaluate(default_model(), test)
    card = read_meta(default_model_dir())["metrics"]["test"]
    for key in ("worst_case_recall", "worst_case_precision", "tier_macro_f1", "flags_f1"):
        assert report.metrics[key] == pytest.approx(card[key], abs=1e-4), key
    assert np.isfinite(report.details["calibration_ece"])


# --- regressions found in review ----------------------------------------------------------------

def test_macro_f1_counts_only_classes_present_and_undefined_recall_is_none():
    rows = pd.DataFrame({"tier": ["routine", "serious"], "category": ["", ""], "emotion": ["anger", "anger"],
                         "intensity": ["low", "low"], "flags": ["", ""]})
    preds = [{"tier": "routine", "category": None, "emotion": "anger", "intensity": "low", "flags": []},
             {"tier": "serious", "category": None, "emotion": "anger", "intensity": "low", "flags": []}]
    m = score_predictions(rows, preds)
    assert m["tier_macro_f1"] == 1.0 and m["emotion_macro_f1"] == 1.0  # as sklearn's f1_score(average="macro")
    assert m["worst_case_recall"] is None and m["worst_case_precision"] is None


def test_confident_rows_are_not_called_uncertain(model, corpus):
    texts = corpus[corpus["split"] == "test"]["text"].head(120).tolist()
    picked = select_for_labelling(model, texts, n=120)
    p = model.predict_proba(picked["text"].tolist())["tier"]
    confident = (p.max(axis=1) > 0.95) & (p[:, 2] < 0.01)
    assert (picked["uncertainty"][confident] < 0.5).all()


def test_train_survives_classes_a_team_does_not_have(small):
    rows = small[small["split"] == "train"]
    leaks_only = rows[(rows["tier"] != "worst_case") | (rows["category"] == "data_leak")]
    with pytest.warns(UserWarning, match=r"few rows for category product_accident \(0\)"):
        m = train(leaks_only, **FAST)
    assert m.triage("充電中にスマホが発火して、子どもが手をやけどしました").tier in ("routine", "serious", "worst_case")


def test_rows_without_a_split_are_reported_not_silently_dropped(small):
    rows = small.copy()
    rows.loc[rows.index[:10], "split"] = ""
    with pytest.warns(UserWarning, match=r"10 row\(s\) have an empty split and were not used"):
        train(rows, **FAST)


def test_labels_from_pandas_na_and_flag_lists_are_read(model, small):
    dev = small[small["split"] == "dev"].copy()
    dev["flags"] = [f.split(";") if f else [] for f in dev["flags"]]
    a = evaluate(model, dev.convert_dtypes())
    b = evaluate(model, small[small["split"] == "dev"])
    assert a.metrics == b.metrics


def test_fit_accepts_a_plain_read_csv_frame(tmp_path, small):
    rows = small[small["split"] == "train"]
    rows.to_csv(tmp_path / "r.csv", index=False)
    df = pd.read_csv(tmp_path / "r.csv")  # empty category / flags become NaN
    m = TriageModel(**FAST).fit(df["text"].tolist(), df)
    assert m.triage("請求が二重になっています").tier in ("routine", "serious", "worst_case")


def test_a_failed_save_keeps_the_model_already_there(model, tmp_path):
    save_model(model, tmp_path / "m")
    before = (tmp_path / "m" / "meta.json").read_bytes()
    with pytest.raises(TypeError, match="not JSON serialisable"):
        save_model(model, tmp_path / "m", metrics={"test": {"x": object()}})
    assert (tmp_path / "m" / "meta.json").read_bytes() == before and load_model(tmp_path / "m") is not None
    assert not list((tmp_path / "m").glob("*.tmp"))


def test_numpy_params_from_a_grid_search_save(small, tmp_path):
    m = train(small, **FAST)
    m.set_params(min_df=np.int64(2))
    save_model(m, tmp_path / "m")
    assert json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))["params"]["min_df"] == 2


def test_refitting_after_triage_uses_the_new_weights(small):
    rows = small[small["split"] == "train"]
    m = TriageModel(**FAST).fit(rows["text"].tolist(), rows)
    m.triage("請求が二重になっています")
    m.set_params(max_word_features=1000, max_char_features=2000).fit(rows["text"].tolist(), rows)
    assert m.triage("請求が二重になっています").evidence is not None


def test_evaluate_refuses_empty_data(model, small):
    with pytest.raises(TrainingDataError, match="no labelled rows to evaluate on"):
        evaluate(model, small.head(0))


def test_cli_train_refuses_a_file_as_output_before_training(small, tmp_path):
    data = tmp_path / "ours.csv"
    small.to_csv(data, index=False)
    (tmp_path / "afile").write_text("x")
    out = run("train", str(data), "-o", str(tmp_path / "afile"))
    assert out.returncode == 1 and "exists and is not a directory" in out.stderr and "Traceback" not in out.stderr
    ev = run("evaluate", str(data))
    assert ev.returncode == 0 and "use --split test for an honest figure" in ev.stderr
