"""read_corpus enforces LABELING.md and names the row of every problem."""

import pandas as pd
import pytest

from kujo_triage import CorpusError, assign_split, read_corpus, write_corpus

GOOD = {"id": "r1", "text": "荷物がまだ届きません", "tier": "routine", "category": "",
        "emotion": "confusion", "intensity": "low", "flags": ""}


def frame(**changes):
    return pd.DataFrame([{**GOOD, **changes}])


@pytest.mark.parametrize("changes, message", [
    ({"tier": "urgent"}, r"tier 'urgent' is not one of routine, serious, worst_case"),
    ({"tier": "worst_case"}, r"worst_case needs a category"),
    ({"tier": "worst_case", "category": "fire"}, r"worst_case needs a category .* got 'fire'"),
    ({"tier": "serious", "category": "data_leak"}, r"category 'data_leak' given on a serious row"),
    ({"emotion": "joy"}, r"emotion 'joy' is not one of"),
    ({"emotion": "neutral", "intensity": "high"}, r"neutral emotion must have intensity 'low'"),
    ({"intensity": "extreme"}, r"intensity 'extreme'"),
    ({"flags": "legal,repeat"}, r"flag 'legal,repeat' is not one of .*separate flags with ';'"),
    ({"flags": "legal;legal"}, r"flags repeat a value"),
    ({"text": "   "}, r"text is empty"),
    ({"id": ""}, r"id is empty"),
    ({"split": "holdout"}, r"split 'holdout' is not one of train, dev, test"),
])
def test_broken_rule_is_reported_with_its_row(changes, message):
    with pytest.raises(CorpusError, match=r"row 0.*" + message):
        read_corpus(frame(**changes))


def test_valid_rows_load_with_empty_cells_as_empty_strings():
    df = read_corpus(pd.DataFrame([{**GOOD, "category": None, "flags": float("nan")}]))
    assert df.loc[0, "category"] == "" and df.loc[0, "flags"] == ""


def test_every_problem_is_listed_not_only_the_first():
    df = pd.concat([frame(id="a", tier="bad"), frame(id="b"), frame(id="c", emotion="bad")])
    with pytest.raises(CorpusError) as info:
        read_corpus(df.reset_index(drop=True))
    assert [(p.where, p.id) for p in info.value.problems] == [("row 0", "a"), ("row 2", "c")]


def test_duplicate_ids_are_an_error():
    with pytest.raises(CorpusError, match=r"id 'r1' is used by 2 rows"):
        read_corpus(pd.concat([frame(), frame()]).reset_index(drop=True))


def test_missing_columns_are_listed_with_the_columns_found():
    with pytest.raises(CorpusError, match=r"missing column\(s\) emotion, intensity; found id, text"):
        read_corpus(frame().drop(columns=["emotion", "intensity"]))


def test_require_split(tmp_path):
    with pytest.raises(CorpusError, match=r"missing column\(s\) split"):
        read_corpus(frame(), require_split=True)
    with pytest.raises(CorpusError, match=r"split is empty"):
        read_corpus(frame(split=""), require_split=True)


def test_csv_errors_name_the_line_the_record_starts_on(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(
        "id,text,tier,category,emotion,intensity,flags\n"
        'a,"一行目\n二行目",routine,,anger,high,\n'
        "b,返金して,serious,,anger,medium,compensation\n"
        "c,ok,routine,,joy,low,\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"line 5 \(id c\): emotion 'joy'"):
        read_corpus(path)


def test_ragged_csv_row_is_reported(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("id,text,tier,category,emotion,intensity,flags\na,x,routine,,anger,high\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"line 2 \(id a\): has 6 fields, the header has 7"):
        read_corpus(path)


def test_cp932_file_read_as_utf8_says_which_encoding_to_try(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes("id,text,tier,category,emotion,intensity,flags\na,届かない,routine,,anger,low,\n".encode("cp932"))
    with pytest.raises(CorpusError, match=r"cannot be decoded as utf-8-sig.*encoding='cp932'"):
        read_corpus(path)
    assert read_corpus(path, encoding="cp932").loc[0, "text"] == "届かない"


def test_non_table_input_is_a_type_error():
    with pytest.raises(TypeError, match=r"expected a CSV path or a pandas DataFrame, got list"):
        read_corpus(["届かない"])


def test_missing_file():
    with pytest.raises(FileNotFoundError, match=r"no such file"):
        read_corpus("does/not/exist.csv")


def _strata_frame(n):
    rows = []
    for i in range(n):
        tier = ["routine", "serious", "worst_case"][i % 3]
        rows.append({**GOOD, "id": f"x{i}", "tier": tier,
                     "category": "data_leak" if tier == "worst_case" else ""})
    return pd.DataFrame(rows)


def test_assign_split_is_deterministic_stratified_and_keeps_existing_splits():
    df = _strata_frame(600)
    first = assign_split(df)
    assert first.equals(assign_split(df))
    for tier in ("routine", "serious", "worst_case"):
        shares = first[df["tier"] == tier].value_counts(normalize=True)
        assert shares["train"] == pytest.approx(0.70, abs=0.01)
        assert shares["test"] == pytest.approx(0.15, abs=0.01)
    # adding rows never moves an old row to another split
    df["split"] = first
    grown = pd.concat([df, _strata_frame(900).iloc[600:].assign(split="")], ignore_index=True)
    again = assign_split(grown)
    assert again.iloc[:600].equals(first)
    assert set(again.iloc[600:]) == {"train", "dev", "test"}


def test_write_then_read_round_trip_keeps_multiline_text(tmp_path):
    df = read_corpus(frame(text='件名：返金\n\n> 前回の回答\n"引用"と、カンマ'))
    write_corpus(df, tmp_path / "out.csv")
    assert read_corpus(tmp_path / "out.csv").equals(df)
