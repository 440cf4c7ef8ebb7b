"""The two sample CRM exports look like what support teams really export, and are not corpus rows."""

import csv
import unicodedata

import pytest

from kujo_triage import read_corpus

EXPORTS = {
    # file: (encoding that must decode it, text column, id column)
    "export_utf8.csv": ("utf-8-sig", "本文", "チケットID"),
    "export_cp932.csv": ("cp932", "お問い合わせ内容", "問い合わせ番号"),
}


def norm(text):
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace() and ch not in "、。!?！？")


def read_export(path, encoding):
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("name", EXPORTS)
def test_export_shape(exports_dir, name):
    encoding, text_col, id_col = EXPORTS[name]
    rows = read_export(exports_dir / name, encoding)
    assert len(rows) >= 200
    assert {text_col, id_col, "件名"} <= set(rows[0])
    bodies = [r[text_col] for r in rows]
    assert sum(1 for b in bodies if not b.strip()) >= 3, "empty bodies"
    assert max(len(b) for b in bodies) >= 5000, "a very long body"
    assert sum(1 for b in bodies if "\n" in b) >= 20, "multi-line cells"
    assert sum(1 for b in bodies if b[:1] in "=+-@\t") >= 2, "cells a spreadsheet would run as formulas"
    assert len({r[id_col] for r in rows}) == len(rows)


def test_utf8_export_has_a_bom_and_the_cp932_one_really_is_cp932(exports_dir):
    assert (exports_dir / "export_utf8.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    raw = (exports_dir / "export_cp932.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "\r\n" in raw.decode("cp932")  # Excel writes CRLF


def test_exports_are_built_from_other_texts_than_the_corpus(samples_dir, exports_dir):
    corpus = {norm(t) for t in read_corpus(samples_dir / "complaints.csv")["text"]}
    for name, (encoding, text_col, _) in EXPORTS.items():
        overlap = [r[text_col][:30] for r in read_export(exports_dir / name, encoding)
                   if r[text_col].strip() and norm(r[text_col]) in corpus]
        assert overlap == [], name
