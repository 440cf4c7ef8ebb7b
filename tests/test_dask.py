"""kujo_triage.dask: the score columns appended to a Dask DataFrame on a multi-process cluster.

One local cluster (2 worker processes, 1 thread each) serves the whole module; every
computation passes it explicitly (``scheduler=client``), so nothing else in the test session
runs on it. The spec: every input row, column, index and partition is kept; the scores are
those of ``score_texts`` run in this process; a bad row gets an error and the others are
scored; several text columns are joined; a missing column or a name clash is reported before
anything runs; the workers shut down promptly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import cloudpickle
import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

import kujo_triage
from kujo_triage import default_model
from kujo_triage.dask import (OUTPUT_DTYPES, PREFIX, MissingColumnError, output_names, triage_dataframe,
                              triage_pandas)
from kujo_triage.resources import default_model_dir
from kujo_triage.scoring import OUTPUT_COLUMNS, score_texts

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "samples" / "complaints.csv"
COMPARED = ["tier", "category", "flags", "playbook", "confidence"]
EMPTY_POS, MISSING_POS = 5, 30  # rows whose text is "" and None

# Functions of this module run on the workers (client.run), which cannot import it by name.
cloudpickle.register_pickle_by_value(sys.modules[__name__])


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    """A local cluster of 2 worker processes; on teardown, checks they exit and do not hang."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    c = distributed.Client(cluster, set_as_default=False)
    pids = list(c.run(os.getpid).values())
    yield c
    started = time.monotonic()
    c.close()
    cluster.close()
    took = time.monotonic() - started
    _, alive = psutil.wait_procs([p for p in map(_process, pids) if p is not None], timeout=10)
    assert not alive, f"worker processes still running after close: {[p.pid for p in alive]}"
    assert took < 20, f"closing the cluster took {took:.1f} s"


def _process(pid: int):
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    """Labelled rows from the shipped corpus, spread over the file (all tiers occur)."""
    return kujo_triage.read_corpus(CORPUS).iloc[::40].head(60)


@pytest.fixture(scope="module")
def frame(corpus) -> pd.DataFrame:
    """60 unlabelled rows (id, text, industry) with a non-default index; one empty, one missing text."""
    df = corpus[["id", "text", "industry"]].copy()
    df.index = pd.Index(1000 + 7 * np.arange(len(df)), name="row")
    df.iloc[EMPTY_POS, df.columns.get_loc("text")] = ""
    df.iloc[MISSING_POS, df.columns.get_loc("text")] = None
    return df


@pytest.fixture(scope="module")
def ddf(frame):
    return dd.from_pandas(frame, npartitions=3)


@pytest.fixture(scope="module")
def scored(ddf, client) -> pd.DataFrame:
    return triage_dataframe(ddf).compute(scheduler=client)


def expected_scores(texts) -> pd.DataFrame:
    """What score_texts says in this process, with the dtypes of the Dask output."""
    rows = score_texts(list(texts), model=default_model())
    out = pd.DataFrame({c: [r[c] for r in rows] for c in OUTPUT_COLUMNS})
    out["confidence"] = [np.nan if r["error"] else r["confidence"] for r in rows]
    return out


def assert_scores_equal(got: pd.DataFrame, texts, names: dict[str, str] | None = None) -> None:
    names = names or {c: c for c in OUTPUT_COLUMNS}
    want = expected_scores(texts)
    for c in COMPARED:
        g, w = got[names[c]].tolist(), want[c].tolist()
        if c == "confidence":
            np.testing.assert_allclose(np.array(g, dtype=float), np.array(w, dtype=float), rtol=0, atol=1e-9)
        else:
            assert g == w, f"column {c} differs from score_texts"


# --- rows, columns, index and partitions are kept ------------------------------------------------


def test_the_module_uses_the_real_dask_not_itself():
    import kujo_triage.dask as kd

    assert kd.dd.__name__ == "dask.dataframe"
    assert Path(kd.dd.__file__).resolve().parent.parent != Path(kd.__file__).resolve().parent


def test_all_input_rows_columns_and_index_are_kept_in_order(frame, scored):
    assert list(scored.columns) == list(frame.columns) + list(OUTPUT_COLUMNS)
    pd.testing.assert_index_equal(scored.index, frame.index)
    assert scored["id"].tolist() == frame["id"].tolist()
    assert scored["industry"].tolist() == frame["industry"].tolist()


def test_partitions_and_divisions_are_kept(ddf):
    out = triage_dataframe(ddf)
    assert ddf.npartitions == 3
    assert out.npartitions == ddf.npartitions
    assert out.divisions == ddf.divisions


def test_each_partition_keeps_its_rows(ddf, client):
    out = triage_dataframe(ddf)
    for i in range(ddf.npartitions):
        part = out.partitions[i].compute(scheduler=client)
        pd.testing.assert_index_equal(part.index, ddf.partitions[i].compute(scheduler="sync").index)


def test_scores_equal_score_texts_in_process(frame, scored):
    assert_scores_equal(scored, frame["text"])
    assert set(scored["tier"]) - {""} == {"routine", "serious", "worst_case"}


def test_dtypes_match_the_declared_meta(ddf, scored):
    meta = triage_dataframe(ddf).dtypes
    for c in OUTPUT_COLUMNS:
        assert str(meta[c]) == OUTPUT_DTYPES[c] == str(scored[c].dtype), c
    assert OUTPUT_DTYPES["confidence"] == "float64" and OUTPUT_DTYPES["needs_review"] == "boolean"


# --- bad rows ------------------------------------------------------------------------------------


def test_an_empty_or_missing_text_gets_an_error_and_empty_scores(scored):
    for pos in (EMPTY_POS, MISSING_POS):
        row = scored.iloc[pos]
        assert row["error"].startswith("empty text"), row["error"]
        assert row["tier"] == row["category"] == row["flags"] == row["playbook"] == row["evidence"] == ""
        assert np.isnan(row["confidence"])
        assert row["needs_review"] is pd.NA


def test_every_other_row_is_scored(scored):
    ok = scored.drop(index=scored.index[[EMPTY_POS, MISSING_POS]])
    assert (ok["error"] == "").all()
    assert ok["tier"].isin(["routine", "serious", "worst_case"]).all()
    assert ok["confidence"].between(0, 1).all()
    assert ok["needs_review"].notna().all()


# --- model and playbooks -------------------------------------------------------------------------


def _cached_models() -> list[tuple[str, int]]:
    """On a worker: the models loaded from a path, with the identity of each loaded object."""
    import kujo_triage.frame as kf

    return sorted((path, id(obj)) for (kind, path), obj in kf._CACHE.items() if kind == "model")


def test_a_model_path_is_loaded_once_per_worker_and_scores_the_same(frame, ddf, client):
    path = str(default_model_dir())
    first = triage_dataframe(ddf, model=path).compute(scheduler=client)
    cached = client.run(_cached_models)
    second = triage_dataframe(ddf, model=path).compute(scheduler=client)
    assert_scores_equal(first, frame["text"])
    assert_scores_equal(second, frame["text"])
    assert any(cached.values()), "no worker loaded the model from its path"
    for worker, models in cached.items():
        assert [p for p, _ in models] in ([], [os.path.abspath(path)]), worker
    assert client.run(_cached_models) == cached, "a worker loaded the model a second time"


def test_a_model_object_is_shipped_once_and_scores_the_same(frame, ddf, client):
    out = triage_dataframe(ddf, model=default_model())
    graph_keys = [str(k) for k in dict(out.__dask_graph__())]
    assert sum("TriageModel" in k for k in graph_keys) == 1, "the model should be one piece of data, not one per task"
    assert_scores_equal(out.compute(scheduler=client), frame["text"])


def test_a_wrong_kind_of_model_is_refused_before_anything_runs(ddf):
    with pytest.raises(TypeError, match="model: expected None .* got int"):
        triage_dataframe(ddf, model=3)


# --- several text columns ------------------------------------------------------------------------


def test_a_list_of_text_columns_is_joined_with_a_newline(frame, client):
    df = frame.rename(columns={"text": "本文"})
    subjects = ["【ご意見】" if i % 2 == 0 else None for i in range(len(df))]
    subjects[EMPTY_POS] = "【至急】返金について"  # subject only: scored
    subjects[MISSING_POS] = None  # nothing at all: an error
    df.insert(1, "件名", subjects)
    joined = ["\n".join(p for p in (s, b) if isinstance(p, str) and p.strip()) or None
              for s, b in zip(df["件名"], df["本文"])]

    out = triage_dataframe(dd.from_pandas(df, npartitions=3), ["件名", "本文"]).compute(scheduler=client)

    assert list(out.columns[: df.shape[1]]) == list(df.columns)
    assert_scores_equal(out, joined)
    assert out["error"].iloc[EMPTY_POS] == ""
    assert out["error"].iloc[MISSING_POS].startswith("empty text")


def test_triage_pandas_joins_the_same_way():
    df = pd.DataFrame({"subject": ["発火しました", None, np.nan], "body": ["充電中に煙が出て", "請求が二重です", ""]})
    out = triage_pandas(df, ["subject", "body"])
    assert_scores_equal(out, ["発火しました\n充電中に煙が出て", "請求が二重です", None])


# --- missing columns and name clashes ------------------------------------------------------------


def test_a_missing_text_column_is_named_with_the_columns_found(ddf):
    with pytest.raises(MissingColumnError) as info:
        triage_dataframe(ddf, "本文")
    message = str(info.value)
    assert "'本文'" in message and "columns found: 'id', 'text', 'industry'" in message
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)


def test_a_missing_column_in_a_list_is_the_one_named(ddf):
    with pytest.raises(KeyError, match=r"no column '件名' in the DataFrame; columns found: 'id', 'text'"):
        triage_dataframe(ddf, ["件名", "text"])


def test_an_empty_list_of_text_columns_is_refused(ddf):
    with pytest.raises(ValueError, match="non-empty list"):
        triage_dataframe(ddf, [])


def test_a_clash_with_an_output_name_prefixes_every_appended_column(corpus, client):
    labelled = corpus.reset_index(drop=True)  # has tier, category, emotion, intensity, flags
    out = triage_dataframe(dd.from_pandas(labelled, npartitions=3)).compute(scheduler=client)

    names = {c: PREFIX + c for c in OUTPUT_COLUMNS}
    assert output_names(labelled.columns) == names
    assert list(out.columns) == list(labelled.columns) + list(names.values())
    pd.testing.assert_frame_equal(out[list(labelled.columns)], labelled, check_dtype=False)
    assert_scores_equal(out, labelled["text"], names)


def test_scoring_a_scored_frame_again_takes_the_next_free_prefix(ddf):
    clashing = ddf.assign(tier="x", kujo_tier="y")
    scored = triage_dataframe(clashing)
    assert list(scored.columns[-len(OUTPUT_COLUMNS):]) == [f"kujo2_{c}" for c in OUTPUT_COLUMNS]
    assert list(scored.columns[: len(clashing.columns)]) == list(clashing.columns)


def test_a_pandas_frame_given_to_triage_dataframe_points_to_triage_pandas(frame):
    with pytest.raises(TypeError, match="use triage_pandas"):
        triage_dataframe(frame)


# --- storage -------------------------------------------------------------------------------------


def test_the_result_round_trips_through_parquet(ddf, scored, client, tmp_path):
    triage_dataframe(ddf).to_parquet(tmp_path / "scored", compute_kwargs={"scheduler": client})
    back = pd.read_parquet(tmp_path / "scored")
    pd.testing.assert_frame_equal(back, scored, check_dtype=False)
    assert str(back["needs_review"].dtype) == "boolean" and back["confidence"].dtype == np.float64


# --- imports -------------------------------------------------------------------------------------


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_importing_kujo_triage_does_not_import_dask():
    res = _python("import sys, kujo_triage; kujo_triage.read_corpus; print('dask' in sys.modules)")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"


def test_without_dask_the_module_says_how_to_install_it():
    res = _python(
        "import sys\n"
        "sys.modules['dask'] = None  # as if Dask were not installed\n"
        "import kujo_triage\n"
        "try:\n"
        "    import kujo_triage.dask\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "kujo_triage.dask needs Dask: pip install 'kujo-triage[dask]'"
