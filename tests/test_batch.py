"""Batch scoring of CRM exports: every row and column kept, in order, whatever the file is like."""

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kujo_triage import batch as batch_mod
from kujo_triage.batch import score_csv
from kujo_triage.csvio import detect_encoding, open_source
from kujo_triage.errors import InputFileError
from kujo_triage.scoring import OUTPUT_COLUMNS

EXE = str(Path(sys.executable).with_name("kujo-triage"))
ROOT = Path(__file__).resolve().parents[1]

ROWS = [
    ["T-1", "2026/10/01", "充電中にスマホが発火して、子どもが手をやけどしました"],
    ["T-2", "2026/10/01", "注文した靴のサイズが違いました。交換できますか？"],
    ["T-3", "2026/10/02", "御社から届いたメールに、他の顧客の氏名と住所が一覧で載っていました"],
    ["T-4", "2026/10/02", "請求が二重になっています。すぐに返金してください"],
]
HEADER = ["チケットID", "受付日", "本文"]


def write_csv(path, rows, *, header=HEADER, encoding="utf-8", delimiter=","):
    buf = io.StringIO(newline="")
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def read_out(path, encoding="utf-8-sig"):
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def no_partials(folder):
    return not [p for p in os.listdir(folder) if p.endswith(".partial")]


# --- reading every kind of export -----------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "euc-jp", "utf-16"])
def test_every_common_encoding_is_detected_and_every_row_kept_in_order(tmp_path, encoding):
    src = write_csv(tmp_path / "in.csv", ROWS, encoding=encoding)
    summary = score_csv(src, tmp_path / "out.csv", progress=False)
    out = read_out(tmp_path / "out.csv")
    assert out[0] == HEADER + list(OUTPUT_COLUMNS)
    assert [r[:3] for r in out[1:]] == ROWS  # every input cell, in order, decoded right
    assert summary.encoding.replace("_", "-").startswith(encoding.split("-sig")[0][:5].replace("_", "-"))
    assert summary.rows == summary.scored == 4 and out[1][3] == "worst_case"


def test_detection_tells_cp932_from_euc_jp_on_real_exports():
    text = (ROOT / "data/exports/export_cp932.csv").read_bytes()
    assert detect_encoding(text[:4096]) == "cp932"
    assert detect_encoding(text.decode("cp932").encode("euc-jp", errors="replace")[:4096]) == "euc-jp"


def test_tsv_is_sniffed_and_written_back_as_csv_with_the_same_cells(tmp_path):
    src = write_csv(tmp_path / "in.tsv", ROWS, delimiter="\t")
    score_csv(src, tmp_path / "out.csv", progress=False)
    assert [r[:3] for r in read_out(tmp_path / "out.csv")[1:]] == ROWS


def test_multi_line_quoted_cells_stay_one_row(tmp_path):
    rows = [["T-1", "2026/10/01", "1行目です。\n2行目に「引用」と,カンマ。\r\n3行目：発火してやけどしました"], ROWS[1]]
    src = write_csv(tmp_path / "in.csv", rows)
    summary = score_csv(src, tmp_path / "out.csv", progress=False)
    out = read_out(tmp_path / "out.csv")
    assert summary.rows == 2 and [r[:3] for r in out[1:]] == rows


def test_ragged_rows_are_kept_and_explained(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("チケットID,受付日,本文\nT-1,2026/10/01,届いた商品が壊れていました,余分,もう一つ\nT-2,2026/10/02\n"
                   "T-3,2026/10/03,返信がありません\n", encoding="utf-8")
    summary = score_csv(src, tmp_path / "out.csv", progress=False)
    out = read_out(tmp_path / "out.csv")
    assert [r[0] for r in out[1:]] == ["T-1", "T-2", "T-3"] and all(len(r) == 13 for r in out)
    err = dict(zip(out[0], out[1]))["error"]
    assert out[1][3] != "" and "ragged row: line 2 has 5 fields but the header has 3" in err and "余分 | もう一つ" in err
    assert dict(zip(out[0], out[2]))["error"].startswith("empty text")  # short row: padded, no text
    assert summary.rows == 3 and summary.errors == 1


def test_empty_huge_and_undecodable_cells_are_row_errors_not_crashes(tmp_path, monkeypatch):
    monkeypatch.setattr("kujo_triage.scoring.MAX_CELL_CHARS", 5000)
    monkeypatch.setattr(batch_mod, "score_texts",
                        lambda texts, **kw: __import__("kujo_triage.scoring").scoring.score_texts(texts, max_chars=5000, **kw))
    body = "届いた商品が壊れていました".encode("cp932")
    raw = (b"\xe3\x83\x81\xe3\x82\xb1\xe3\x83\x83\xe3\x83\x88ID,\xe6\x9c\xac\xe6\x96\x87\n"  # チケットID,本文 in UTF-8
           b"T-1,\xe5\x8f\x97\xe4\xbb\x98\n"           # 受付 (valid UTF-8)
           b"T-2,\n"                                    # empty
           b"T-3,   \n"                                 # whitespace
           b"T-4," + body + b"\n"                       # CP932 bytes inside a UTF-8 file
           b"T-5," + ("あ" * 6000).encode() + b"\n"     # over the (patched) size limit
           b"T-6,\xe3\x81\x8a\xe5\xb1\x8a\xe3\x81\x8d\xe3\x81\x8c\xe9\x81\x85\xe3\x81\x84\n")
    src = tmp_path / "in.csv"
    src.write_bytes(raw)
    summary = score_csv(src, tmp_path / "out.csv", encoding="utf-8", progress=False)
    out = read_out(tmp_path / "out.csv")
    errors = {r[0]: dict(zip(out[0], r))["error"] for r in out[1:]}
    assert [r[0] for r in out[1:]] == ["T-1", "T-2", "T-3", "T-4", "T-5", "T-6"]
    assert errors["T-2"].startswith("empty text") and errors["T-3"].startswith("empty text")
    assert errors["T-4"].startswith("undecodable bytes") and "\ufffd" in out[4][1]
    assert errors["T-5"].startswith("text too long: 6,000 characters") and out[5][1] == "あ" * 6000
    assert errors["T-1"] == errors["T-6"] == ""
    assert summary.errors == 4 and summary.scored == 2
    assert summary.errors_by_kind["empty text"] == {"count": 2, "rows": [2, 3]}


def test_blank_lines_are_counted_not_rows(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("本文\n返信がありません\n\n\n商品が届きません\n\n", encoding="utf-8")
    summary = score_csv(src, tmp_path / "out.csv", progress=False)
    assert summary.rows == 2 and summary.blank_lines == 3
    assert "3 blank line(s)" in summary.format()


# --- columns ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["本文", "お問い合わせ内容", "詳細", "Description", " body ", "ＴＥＸＴ"])
def test_the_text_column_is_found_by_its_common_names(tmp_path, name):
    src = write_csv(tmp_path / "in.csv", ROWS, header=["ID", "日付", name])
    summary = score_csv(src, tmp_path / "out.csv", progress=False)
    assert summary.text_columns == [name.strip()] and summary.scored == 4


def test_a_missing_column_lists_the_columns_found_and_writes_nothing(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS, header=["ID", "日付", "メモ"])
    with pytest.raises(InputFileError, match=r"no text column found: looked for 本文, .*; the columns are 'ID', '日付', 'メモ'\. "
                                             r"Name it with --text-column"):
        score_csv(src, tmp_path / "out.csv", progress=False)
    with pytest.raises(InputFileError, match=r"no column '内容' in the input; the columns are 'ID', '日付', 'メモ'"):
        score_csv(src, tmp_path / "out.csv", text_column="内容", progress=False)
    assert not (tmp_path / "out.csv").exists() and no_partials(tmp_path)


def test_several_text_columns_are_joined(tmp_path):
    rows = [["T-1", "スマホが発火", "充電中に煙が出て、子どもが手をやけどしました"], ["T-2", "", "商品が届きません"]]
    src = write_csv(tmp_path / "in.csv", rows, header=["ID", "件名", "本文"])
    summary = score_csv(src, tmp_path / "out.csv", text_column="件名,本文", progress=False)
    assert summary.text_columns == ["件名", "本文"] and summary.scored == 2
    assert summary.worst_cases[0]["text"] == "スマホが発火\n充電中に煙が出て、子どもが手をやけどしました"


def test_input_columns_named_like_output_columns_get_prefixed_outputs(tmp_path):
    src = write_csv(tmp_path / "in.csv", [["T-1", "旧", "商品が届きません"]], header=["id", "tier", "本文"])
    score_csv(src, tmp_path / "out.csv", progress=False)
    head = read_out(tmp_path / "out.csv")[0]
    assert head[:3] == ["id", "tier", "本文"] and head[3:] == [f"kujo_{c}" for c in OUTPUT_COLUMNS]


def test_duplicate_and_empty_header_names_are_made_unique(tmp_path):
    src = write_csv(tmp_path / "in.csv", [["a", "b", "商品が届きません"]], header=["メモ", "メモ", ""])
    score_csv(src, tmp_path / "out.jsonl", text_column="column_3", progress=False)
    obj = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    assert obj["メモ"] == "a" and obj["メモ.1"] == "b" and obj["column_3"] == "商品が届きません"


# --- output ----------------------------------------------------------------------------------

def test_formula_cells_are_neutralised_unless_asked_not_to(tmp_path):
    rows = [["=1+2", "-5", "=HYPERLINK(\"http://evil\",\"商品が届きません\")"], ["@SUM(A1)", "+81 90", "\t返信がない"]]
    src = write_csv(tmp_path / "in.csv", rows, header=["ID", "数", "本文"])
    score_csv(src, tmp_path / "safe.csv", progress=False)
    safe = read_out(tmp_path / "safe.csv")
    assert [r[:3] for r in safe[1:]] == [["'=1+2", "-5", "'=HYPERLINK(\"http://evil\",\"商品が届きません\")"],
                                         ["'@SUM(A1)", "'+81 90", "'\t返信がない"]]
    score_csv(src, tmp_path / "raw.csv", sanitize=False, progress=False)
    assert [r[:3] for r in read_out(tmp_path / "raw.csv")[1:]] == rows


def test_csv_is_utf8_with_bom_by_default_and_cp932_on_request(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS + [["T-5", "2026/10/03", "届いた箱が潰れていました😡"]])
    score_csv(src, tmp_path / "out.csv", progress=False)
    assert (tmp_path / "out.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    score_csv(src, tmp_path / "sjis.csv", output_encoding="cp932", progress=False)
    out = read_out(tmp_path / "sjis.csv", encoding="cp932")
    assert out[5][2] == "届いた箱が潰れていました?"
    assert "characters not in cp932 were written as '?'" in dict(zip(out[0], out[5]))["error"]


def test_jsonl_output_has_typed_scores(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS + [["T-5", "2026/10/03", ""]])
    score_csv(src, tmp_path / "out.jsonl", progress=False)
    objs = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [o["チケットID"] for o in objs] == ["T-1", "T-2", "T-3", "T-4", "T-5"]
    assert isinstance(objs[0]["confidence"], float) and isinstance(objs[0]["needs_review"], bool)
    assert objs[4]["confidence"] is None and objs[4]["error"].startswith("empty text")


def test_parquet_output_round_trips_with_pandas(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    src = write_csv(tmp_path / "in.csv", ROWS + [["T-5", "2026/10/03", ""]])
    score_csv(src, tmp_path / "out.parquet", progress=False)
    df = pd.read_parquet(tmp_path / "out.parquet")
    assert list(df.columns) == HEADER + list(OUTPUT_COLUMNS) and df["チケットID"].tolist()[-1] == "T-5"
    assert df["confidence"].dtype == "float64" and df["confidence"].isna().tolist() == [False] * 4 + [True]


def test_two_jobs_give_the_same_output_as_one(tmp_path):
    corpus = ROOT / "data/exports/export_utf8.csv"
    one = score_csv(corpus, tmp_path / "one.csv", jobs=1, chunk_rows=37, progress=False)
    two = score_csv(corpus, tmp_path / "two.csv", jobs=2, chunk_rows=37, progress=False)
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()
    assert one.to_dict()["by_tier"] == two.to_dict()["by_tier"] and one.rows == two.rows > 200


# --- never a half file ------------------------------------------------------------------------

def test_a_crash_mid_run_leaves_no_output_and_keeps_an_old_one(tmp_path, monkeypatch):
    src = write_csv(tmp_path / "in.csv", ROWS * 10)
    (tmp_path / "out.csv").write_text("yesterday's results", encoding="utf-8")
    calls = {"n": 0}
    real = batch_mod.score_texts

    def flaky(texts, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(texts, **kw)

    monkeypatch.setattr(batch_mod, "score_texts", flaky)
    with pytest.raises(KeyboardInterrupt):
        score_csv(src, tmp_path / "out.csv", chunk_rows=5, progress=False)
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "yesterday's results"
    assert no_partials(tmp_path)


def test_ctrl_c_on_the_command_stops_cleanly_without_an_output_file(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS * 5000)
    proc = subprocess.Popen([EXE, "score", str(src), "-o", str(tmp_path / "out.csv")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60

    def written():  # rows have reached the temporary file: the run is midway
        return [p for p in tmp_path.iterdir() if p.name.endswith(".partial") and p.stat().st_size > 0]

    while time.monotonic() < deadline and not written():
        time.sleep(0.02)
    assert written() and proc.poll() is None
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted; no output file was written" in err
    assert not (tmp_path / "out.csv").exists() and no_partials(tmp_path)


# --- the command -----------------------------------------------------------------------------

def run(*args, stdin=None):
    return subprocess.run([EXE, *args], input=stdin, capture_output=True)


def test_stdin_to_stdout_with_a_summary_on_stderr(tmp_path):
    data = write_csv(tmp_path / "in.csv", ROWS, encoding="cp932").read_bytes()
    out = run("score", "-", "-o", "-", stdin=data)
    assert out.returncode == 0, out.stderr.decode()
    rows = list(csv.reader(io.StringIO(out.stdout.decode("utf-8-sig"))))
    assert [r[:3] for r in rows[1:]] == ROWS
    err = out.stderr.decode()
    assert "scored 4 of 4 rows" in err and "worst cases" in err and "T-1" in err


def test_fatal_problems_exit_1_with_what_to_do(tmp_path):
    out = run("score", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "out.csv"))
    assert out.returncode == 1 and "no such file; check the path" in out.stderr.decode()
    src = write_csv(tmp_path / "in.csv", ROWS)
    out = run("score", str(src), "-o", str(tmp_path / "out.csv"), "--text-column", "内容")
    assert out.returncode == 1 and "the columns are 'チケットID', '受付日', '本文'" in out.stderr.decode()
    out = run("score", str(src), "-o", str(tmp_path / "missing" / "out.csv"))
    assert out.returncode == 1 and "no such folder for the output" in out.stderr.decode()


@pytest.mark.parametrize("kwargs, message", [
    ({"jobs": -1}, r"jobs: expected 0 \(one worker per CPU\) or a positive number of workers, got -1"),
    ({"output_format": "xlsx"}, r"output format: expected one of csv, tsv, jsonl, parquet, got 'xlsx'"),
    ({"output_encoding": "sjis-x"}, r"output encoding: unknown encoding 'sjis-x'; use utf-8-sig"),
    ({"report": "/nonexistent/dir/r.html"}, r"report: no such folder /nonexistent/dir; create it first"),
])
def test_bad_options_are_refused_before_anything_is_written(tmp_path, kwargs, message):
    src = write_csv(tmp_path / "in.csv", ROWS)
    with pytest.raises(ValueError, match=message):
        score_csv(src, tmp_path / "out.csv", progress=False, **kwargs)
    assert not (tmp_path / "out.csv").exists() and no_partials(tmp_path)


def test_an_undecodable_header_names_the_encoding_option(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes("本文\n".encode("utf-8") + b"\x82\xa0\n")
    with pytest.raises(InputFileError, match=r"header row is not valid ascii; give the input encoding with --input-encoding"):
        score_csv(src, tmp_path / "out.csv", encoding="ascii", progress=False)


def test_open_source_reads_stdin_like_a_file(monkeypatch, tmp_path):
    data = write_csv(tmp_path / "in.csv", ROWS, encoding="euc-jp").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    src = open_source("-")
    assert src.encoding == "euc_jp" and src.header == HEADER
    assert [cells for _, _, cells in src.rows()] == ROWS


# --- sharing the output: redaction and the HTML report ------------------------------------------

def test_redact_masks_personal_data_in_text_evidence_and_report_but_scores_the_original(tmp_path):
    text = "山田太郎です。090-1234-5678 までご連絡ください。御社から届いたメールに他の顧客の氏名と住所が載っていました。"
    src = write_csv(tmp_path / "in.csv", [["T-1", "2026/10/01", text], ROWS[1]])
    plain = score_csv(src, tmp_path / "plain.csv", progress=False)
    shared = score_csv(src, tmp_path / "shared.csv", redact=True, report=tmp_path / "r.html", progress=False)
    out = read_out(tmp_path / "shared.csv")
    row = dict(zip(out[0], out[1]))
    assert "山田太郎" not in row["本文"] and "090-1234-5678" not in row["本文"]
    assert "【氏名】" in row["本文"] and "【電話番号】" in row["本文"] and "御社から届いたメール" in row["本文"]
    assert row["チケットID"] == "T-1" and row["受付日"] == "2026/10/01"  # only the text columns change
    assert plain.to_dict()["by_tier"] == shared.to_dict()["by_tier"]  # scores come from the original text
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "山田太郎" not in html and "090-1234-5678" not in html
    worst = shared.worst_cases[0]
    for start, end, _ in worst["spans"]:  # evidence spans still point at the right words
        assert worst["text"][start:end] in text


def test_the_report_lists_worst_cases_and_errors(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS + [["T-5", "2026/10/03", ""]])
    score_csv(src, tmp_path / "out.csv", report=tmp_path / "report.html", progress=False)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "T-1" in html and "<mark" in html and "empty text" in html and "http" not in html


def test_an_english_only_start_does_not_hide_a_cp932_file(tmp_path):
    # the first 256 KB are ASCII; the encoding shows only further down
    head = b"id,text\n" + b"".join(f"E-{i},The parcel has not arrived yet, order {i}\n".encode() for i in range(8000))
    src = tmp_path / "in.csv"
    src.write_bytes(head + "J-1,充電中にスマホが発火して、子どもが手をやけどしました\n".encode("cp932"))
    summary = score_csv(src, tmp_path / "out.csv", progress=False)
    assert summary.encoding == "cp932" and summary.errors == 0
    assert read_out(tmp_path / "out.csv")[-1][:2] == ["J-1", "充電中にスマホが発火して、子どもが手をやけどしました"]


# --- regressions found in review ----------------------------------------------------------------

def test_stdin_cp932_after_an_english_only_start_is_detected(tmp_path):
    data = b"id,text\n" + b"".join(f"E-{i},The parcel has not arrived yet, order {i}\n".encode() for i in range(8000))
    data += "J-1,充電中にスマホが発火して、子どもが手をやけどしました\n".encode("cp932")
    out = run("score", "-", "-o", "-", "--quiet", stdin=data)
    assert out.returncode == 0
    last = list(csv.reader(io.StringIO(out.stdout.decode("utf-8-sig"))))[-1]
    assert last[:2] == ["J-1", "充電中にスマホが発火して、子どもが手をやけどしました"] and last[-1] == ""


def test_a_stray_bad_byte_in_utf8_is_one_row_error_not_a_wrong_encoding(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes("id,本文\n1,山田です。請求が二重です\n".encode() + "2,届きません".encode() + b"\xff\n"
                    + "3,商品が壊れていました\n".encode())
    summary = score_csv(src, tmp_path / "out.csv", progress=False)
    out = read_out(tmp_path / "out.csv")
    assert summary.encoding == "utf-8" and summary.errors == 1 and summary.errors_by_kind["undecodable bytes"]["rows"] == [2]
    assert out[1][1] == "山田です。請求が二重です" and out[3][1] == "商品が壊れていました"


def test_redact_leaves_no_personal_data_in_undecodable_rows_ragged_fields_or_evidence(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes("id,本文\n".encode()
                    + "1,山田太郎です。電話090-1234-5678、taro@example.com です".encode() + b"\xff\n"
                    + "2,佐藤花子です。電話は090-8765-4321です, メールhanako@example.jp。請求が二重です\n".encode()
                    + "3,連絡先はyamada.hanako@yamada-hanako.jpです。返金してください\n".encode())
    score_csv(src, tmp_path / "out.csv", redact=True, progress=False)
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    for secret in ("山田太郎", "090-1234-5678", "taro@example.com", "090-8765-4321", "hanako@example.jp", "yamada"):
        assert secret not in text, secret
    assert "【メール】" in text


def test_parquet_keeps_an_input_column_called_confidence_as_text(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    src = write_csv(tmp_path / "in.csv", [["1", "請求が二重です", "high"]], header=["id", "本文", "confidence"])
    score_csv(src, tmp_path / "out.parquet", progress=False)
    df = pd.read_parquet(tmp_path / "out.parquet")
    assert df["confidence"].tolist() == ["high"] and df["kujo_confidence"].dtype == "float64"


def test_rescoring_a_scored_file_gets_a_free_prefix(tmp_path):
    src = write_csv(tmp_path / "in.csv", [["1", "請求が二重です", "serious"]], header=["id", "text", "tier"])
    score_csv(src, tmp_path / "once.csv", progress=False)
    score_csv(tmp_path / "once.csv", tmp_path / "twice.jsonl", progress=False)
    obj = json.loads((tmp_path / "twice.jsonl").read_text(encoding="utf-8"))
    assert len(obj) == 3 + 2 * len(OUTPUT_COLUMNS) and obj["tier"] == "serious"
    assert "kujo_tier" in obj and "kujo2_tier" in obj


def test_a_row_of_one_empty_quoted_cell_is_kept(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('本文\n請求が二重です\n""\n商品が壊れていました\n', encoding="utf-8")
    summary = score_csv(src, tmp_path / "out.csv", progress=False)
    assert summary.rows == 3 and summary.blank_lines == 0 and summary.errors == 1
    assert [r[0] for r in read_out(tmp_path / "out.csv")[1:]] == ["請求が二重です", "", "商品が壊れていました"]


def test_parallel_runs_fail_cleanly_on_a_bad_model_or_playbooks(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    out = run("score", str(src), "-o", str(tmp_path / "o.csv"), "--model", str(tmp_path / "nope"), "--jobs", "2")
    assert out.returncode == 1 and b"no meta.json" in out.stderr and b"Traceback" not in out.stderr
    (tmp_path / "pb").mkdir()
    (tmp_path / "pb" / "routine.toml").write_text("x = \n", encoding="utf-8")
    out = run("score", str(src), "-o", str(tmp_path / "o.csv"), "--playbooks", str(tmp_path / "pb"), "--jobs", "2")
    assert out.returncode == 1 and b"routine.toml: not valid TOML" in out.stderr and b"Traceback" not in out.stderr


def test_sigterm_stops_cleanly_like_ctrl_c(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS * 5000)
    proc = subprocess.Popen([EXE, "score", str(src), "-o", str(tmp_path / "out.csv"), "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not [p for p in tmp_path.iterdir()
                                               if p.name.endswith(".partial") and p.stat().st_size > 0]:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)
    assert proc.returncode == 130 and not (tmp_path / "out.csv").exists() and no_partials(tmp_path)


def test_the_most_certain_worst_cases_are_kept_wherever_they_are(tmp_path, monkeypatch):
    monkeypatch.setattr(batch_mod, "WORST_CASES_KEPT", 3)
    weak = "充電中にスマホが発火して、子どもが手をやけどしました"
    strong = "いつもお世話になっております。先日購入した電気ケトルの底から煙が出て、娘が指に軽いやけどを負いました。"
    rows = [[f"W{i}", "2026/10/01", weak] for i in range(3)] + [[f"S{i}", "2026/10/01", strong] for i in range(3)]
    summary = score_csv(write_csv(tmp_path / "in.csv", rows), tmp_path / "out.csv", progress=False)
    kept = summary.worst_cases
    assert summary.worst_cases_total == 6 and len(kept) == 3
    assert [w["id"] for w in kept] == ["S0", "S1", "S2"] and kept[0]["confidence"] >= kept[-1]["confidence"]


def test_ragged_rows_are_notes_not_errors_in_the_summary(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,本文\n1,請求が二重です,余分\n2,届きません\n", encoding="utf-8")
    summary = score_csv(src, tmp_path / "out.csv", report=tmp_path / "r.html", progress=False)
    assert summary.errors == 0 and summary.errors_by_kind == {}
    assert summary.notes_by_kind == {"ragged row": {"count": 1, "rows": [1]}}
    assert "ragged row (scored, with a note)" in summary.format()
    assert "注記付きの行" in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("cell, safe", [("-e5", "'-e5"), ("+E10", "'+E10"), ("-", "'-"), ("-12.5", "-12.5"), ("+3e5", "+3e5")])
def test_formula_like_cells_that_are_not_numbers_are_neutralised(cell, safe):
    from kujo_triage.writers import neutralize

    assert neutralize(cell) == safe


def test_a_bad_delimiter_is_refused(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    with pytest.raises(InputFileError, match=r"delimiter: expected one character or one of tab, .*, got 'semi'"):
        score_csv(src, tmp_path / "out.csv", delimiter="semi", progress=False)
    score_csv(write_csv(tmp_path / "in2.csv", ROWS, delimiter=";"), tmp_path / "out.csv", delimiter="semicolon",
              progress=False)
    assert [r[:3] for r in read_out(tmp_path / "out.csv")[1:]] == ROWS


def test_replacing_an_output_keeps_its_mode_and_follows_a_symlink(tmp_path):
    src = write_csv(tmp_path / "in.csv", ROWS)
    real = tmp_path / "real.csv"
    real.write_text("old", encoding="utf-8")
    os.chmod(real, 0o640)
    (tmp_path / "link.csv").symlink_to(real)
    score_csv(src, tmp_path / "link.csv", progress=False)
    assert (tmp_path / "link.csv").is_symlink() and (real.stat().st_mode & 0o777) == 0o640
    assert read_out(real)[1][:3] == ROWS[0]


def test_concurrent_runs_in_threads_keep_their_own_settings(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    text = "山田太郎です。電話090-1234-5678までご連絡ください。請求が二重です"
    src = write_csv(tmp_path / "in.csv", [[f"T-{i}", "2026/10/01", text] for i in range(60)])
    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(score_csv, src, tmp_path / "a.csv", redact=True, chunk_rows=5, progress=False)
        b = pool.submit(score_csv, src, tmp_path / "b.csv", redact=False, chunk_rows=5, progress=False)
        a.result(), b.result()
    assert "090-1234-5678" not in (tmp_path / "a.csv").read_text(encoding="utf-8-sig")
    assert (tmp_path / "b.csv").read_text(encoding="utf-8-sig").count("090-1234-5678") == 60


def test_a_damaged_model_is_caught_before_workers_start(tmp_path):
    import shutil

    from kujo_triage.resources import default_model_dir

    shutil.copytree(default_model_dir(), tmp_path / "m")
    with open(tmp_path / "m" / "model.joblib", "ab") as f:
        f.write(b"junk")
    src = write_csv(tmp_path / "in.csv", ROWS)
    out = run("score", str(src), "-o", str(tmp_path / "o.csv"), "--model", str(tmp_path / "m"), "--jobs", "2")
    assert out.returncode == 1 and b"does not match meta.json" in out.stderr and b"Traceback" not in out.stderr


def test_a_long_cell_is_redacted_in_text_evidence_and_report(tmp_path):
    text = ("山田太郎です。電話090-1234-5678まで。" + "ご連絡をお待ちしています。" * 10) * 400  # ~60k characters
    src = write_csv(tmp_path / "in.csv", [["T-1", "2026/10/01", text]])
    score_csv(src, tmp_path / "out.csv", redact=True, report=tmp_path / "r.html", progress=False)
    for path in (tmp_path / "out.csv", tmp_path / "r.html"):
        body = path.read_text(encoding="utf-8-sig")
        assert "090-1234-5678" not in body and "山田太郎" not in body
