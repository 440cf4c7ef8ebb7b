"""Reading CRM exports: encoding and delimiter detection, streaming rows, finding the text column.

Support teams export CSV/TSV from Zendesk, Salesforce, kintone, Freshdesk or Excel, often in
CP932 and sometimes as Excel's "Unicode text" (UTF-16 TSV). This module turns such a file
(or stdin) into a header and a stream of rows, one at a time, so a million-row export never
has to fit in memory. Bytes that are not valid in the file's encoding do not stop the run:
they come through as surrogate escapes, and scoring marks that row with an error.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import sys
import unicodedata
from dataclasses import dataclass, field
from typing import IO, Any, Iterator

from .errors import UNDECODABLE, InputFileError
from .resources import read_json

SAMPLE_BYTES = 256 * 1024
STDIN_LOOKAHEAD = 64 * 1024 * 1024
#: The csv module refuses fields larger than this; our own per-cell limit is lower
#: (scoring.MAX_CELL_CHARS) so that an over-long cell is a row error, not a fatal one.
CSV_FIELD_LIMIT = 64 * 1024 * 1024
# Kana and kanji. Not half-width kana: EUC-JP kanji read as CP932 turn into half-width kana,
# so counting them would mistake EUC-JP for CP932 (a short CP932 message of half-width kana
# only may be misread instead; whole exports carry enough kanji to tell).
_JAPANESE = ("\u3040", "\u30ff"), ("\u4e00", "\u9fff")


# --- encoding and delimiter -------------------------------------------------------------------

def _decodes(sample: bytes, encoding: str) -> bool:
    """Whether ``sample`` is valid ``encoding``, allowing a character cut at the sample's end."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        decoder.decode(sample, final=False)
        return True
    except UnicodeDecodeError:
        return False


def _japanese_share(text: str) -> float:
    if not text:
        return 0.0
    hits = sum(1 for ch in text if any(lo <= ch <= hi for lo, hi in _JAPANESE))
    return hits / len(text)


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CRM export from its first bytes.

    A BOM decides (UTF-8 or UTF-16); otherwise UTF-8 wins when nearly all of it decodes
    (UTF-8 checks itself: CP932 or EUC-JP text read as UTF-8 fails on half or more of
    its non-ASCII bytes, so a few failures are damaged rows, reported row by row);
    otherwise the one of CP932 (Shift_JIS as Windows writes it) and EUC-JP that decodes with
    fewer errors and more Japanese characters.

    Examples
    --------
    >>> detect_encoding("本文,件名".encode("cp932")), detect_encoding("本文".encode("euc-jp"))
    ('cp932', 'euc-jp')
    >>> detect_encoding("本文".encode("utf-8-sig")), detect_encoding(b"id,text")
    ('utf-8-sig', 'utf-8')
    >>> detect_encoding("届きません".encode() * 50 + bytes([0xff]))  # one damaged byte
    'utf-8'
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _decodes(sample, "utf-8"):
        return "utf-8"
    non_ascii = sum(1 for b in sample if b >= 0x80)
    bad = sample.decode("utf-8", errors="replace").count("\ufffd")
    if bad * 20 <= non_ascii:  # ≥ 95% valid; CP932 / EUC-JP corpus text: 37% / 47%
        return "utf-8"
    scores = []
    for enc in ("cp932", "euc-jp"):
        text = sample.decode(enc, errors="replace")
        scores.append((text.count("\ufffd"), -_japanese_share(text), enc))
    return min(scores)[2]


def sniff_delimiter(header_line: str) -> str:
    """Tab, comma or semicolon, from the header line (header names rarely hold delimiters).

    >>> sniff_delimiter("id\\t本文\\t日時"), sniff_delimiter('"id","本文"'), sniff_delimiter("本文")
    ('\\t', ',', ',')
    """
    counts = {d: header_line.count(d) for d in ("\t", ",", ";")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


# --- column names -----------------------------------------------------------------------------

def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().casefold()


def unique_names(header: list[str]) -> list[str]:
    """Header names made unique and non-empty, as pandas does (``本文``, ``本文.1``; ``column_3``)."""
    out: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(header, 1):
        base = name.strip() or f"column_{i}"
        candidate, n = base, 0
        while candidate in seen:
            n += 1
            candidate = f"{base}.{n}"
        seen.add(candidate)
        out.append(candidate)
    return out


def find_columns(header: list[str], wanted: str | list[str] | None, kind: str = "text") -> list[int]:
    """Indexes of the text (or id) column(s): those named in ``wanted`` or the first common name.

    ``wanted`` may be ``"件名,本文"`` or a list; names match after NFKC, trimming and case-folding.
    A missing column is an :class:`InputFileError` listing the columns found.
    """
    keys = [_key(h) for h in header]
    made = [_key(n) for n in unique_names(header)]  # "本文.1", "column_3" name the same columns
    found = ", ".join(repr(h) for h in header) or "(none)"
    if wanted is None:
        for name in read_json("columns.json")[kind]:
            if _key(name) in keys:
                return [keys.index(_key(name))]
        if kind != "text":
            return []
        raise InputFileError(
            f"no text column found: looked for {', '.join(read_json('columns.json')['text'])}; "
            f"the columns are {found}. Name it with --text-column COL (several: --text-column 件名,本文)")
    names = [w for w in (wanted.split(",") if isinstance(wanted, str) else wanted)]
    idx = []
    for name in names:
        if _key(name) in keys:
            idx.append(keys.index(_key(name)))
        elif _key(name) in made:
            idx.append(made.index(_key(name)))
        else:
            raise InputFileError(f"no column {name.strip()!r} in the input; the columns are {found}")
    return idx


# --- the source -------------------------------------------------------------------------------

def _non_ascii_window(stream: IO[bytes], block: int = 1 << 20) -> bytes:
    """For a file whose first bytes are all ASCII: the bytes around its first non-ASCII byte.

    Reads on from the current position (cheap: nothing is decoded) and leaves the stream where
    it was, so the rows are still read from the sample onwards.
    """
    start = stream.tell()
    try:
        offset = start
        while True:
            data = stream.read(block)
            if not data:
                return b""
            if not data.isascii():
                first = next(i for i, b in enumerate(data) if b >= 0x80)
                stream.seek(offset + first)
                return stream.read(SAMPLE_BYTES)
            offset += len(data)
    finally:
        stream.seek(start)


class _Prefixed(io.RawIOBase):
    """A byte stream that yields ``head`` and then the rest of ``stream`` (stdin can't seek)."""

    def __init__(self, head: bytes, stream: IO[bytes]):
        self._head = memoryview(head)
        self._stream = stream
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head.nbytes:
            n = min(len(buffer), self._head.nbytes)
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
        else:
            data = self._stream.read(len(buffer))
            n = len(data)
            buffer[:n] = data
        self.consumed += n
        return n


@dataclass
class Source:
    """An opened export: its header, how it was read, and its rows as a stream."""

    name: str
    encoding: str
    delimiter: str
    header: list[str]
    size: int | None
    blank_lines: int = 0
    _text: Any = field(default=None, repr=False)
    _raw: Any = field(default=None, repr=False)
    _reader: Any = field(default=None, repr=False)

    def position(self) -> int:
        """Bytes read so far (for progress); approximate, the decoder reads ahead."""
        return self._raw.consumed

    def rows(self) -> Iterator[tuple[int, int, list[str]]]:
        """Yield ``(row_number, line_number, cells)``; row 1 is the first row under the header.

        Fully blank lines are skipped and counted in ``blank_lines``. A malformed file (an
        unclosed quote swallowing the rest of it) is an :class:`InputFileError` naming the line.
        """
        row = 0
        while True:
            line = self._reader.line_num + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as e:
                raise InputFileError(f"{self.name}: line {line}: cannot read the CSV ({e}); "
                                     "look for an unclosed quote (\") starting there") from e
            if not cells:  # an empty line; a line of "" is a row with one empty cell
                self.blank_lines += 1
                continue
            row += 1
            yield row, line, cells

    def close(self) -> None:
        if self._text is not None:
            self._text.close()


_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _delimiter(value: str) -> str:
    d = _DELIMITER_NAMES.get(value.lower(), value)
    if len(d) != 1 or d in "\"\r\n":
        raise InputFileError(f"delimiter: expected one character or one of {', '.join(_DELIMITER_NAMES)}, got {value!r}")
    return d


def open_source(path: str | os.PathLike[str], *, encoding: str | None = None, delimiter: str | None = None) -> Source:
    """Open a CSV/TSV export (``"-"`` is stdin) and read its header.

    Parameters
    ----------
    path : path or "-"
    encoding : str, optional
        Detected from the first bytes when not given (UTF-8 with or without BOM, UTF-16 with
        BOM, CP932/Shift_JIS, EUC-JP).
    delimiter : str, optional
        Sniffed from the header line when not given (tab, comma, semicolon).
    """
    csv.field_size_limit(CSV_FIELD_LIMIT)
    if delimiter:
        delimiter = _delimiter(delimiter)
    name = "stdin" if str(path) == "-" else str(path)
    if str(path) == "-":
        stream: IO[bytes] = sys.stdin.buffer
        size = None
    else:
        try:
            stream = open(path, "rb")
        except FileNotFoundError:
            raise InputFileError(f"{name}: no such file; check the path") from None
        except IsADirectoryError:
            raise InputFileError(f"{name}: is a folder; give a CSV or TSV file") from None
        except PermissionError:
            raise InputFileError(f"{name}: permission denied; check the file's permissions") from None
        size = os.fstat(stream.fileno()).st_size
    head = stream.read(SAMPLE_BYTES)
    if not head:
        stream.close()
        raise InputFileError(f"{name}: the file is empty; expected a header row and data rows")
    if encoding is None:
        probe = head
        if head.isascii() and size is not None and size > len(head):
            probe = _non_ascii_window(stream) or head  # an English-only start says nothing
        elif head.isascii() and size is None:
            # stdin cannot seek back: keep reading (and keep what was read) up to the first
            # non-ASCII byte, within STDIN_LOOKAHEAD; an all-ASCII stream is UTF-8 anyway
            while head.isascii() and len(head) < STDIN_LOOKAHEAD:
                more = stream.read(SAMPLE_BYTES)
                if not more:
                    break
                head += more
            probe = head[max(0, len(head) - 2 * SAMPLE_BYTES):] if not head.isascii() else head
        encoding = codecs.lookup(detect_encoding(probe)).name
    else:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            stream.close()
            raise InputFileError(f"unknown encoding {encoding!r}; use e.g. utf-8, utf-8-sig, cp932, euc-jp") from None
    if encoding in ("shift_jis", "shift-jis"):
        encoding = "cp932"  # what Windows and Excel write as "Shift_JIS"; a superset
    raw = _Prefixed(head, stream)
    text = io.TextIOWrapper(io.BufferedReader(raw), encoding=encoding, errors="surrogateescape", newline="")
    # the header line decides the delimiter; read it through the same decoder, then re-read
    first_line = head[:SAMPLE_BYTES].decode(encoding, errors="replace").lstrip("\ufeff").splitlines()[0]
    delimiter = delimiter or sniff_delimiter(first_line)
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        text.close()
        raise InputFileError(f"{name}: the file is empty; expected a header row and data rows") from None
    except csv.Error as e:
        text.close()
        raise InputFileError(f"{name}: cannot read the header row ({e})") from e
    header = [h.lstrip("\ufeff") for h in header]
    if any(UNDECODABLE.search(h) for h in header):
        text.close()
        raise InputFileError(f"{name}: the header row is not valid {encoding}; "
                             "give the input encoding with --input-encoding (encoding= in Python), "
                             "e.g. cp932, euc-jp, utf-8")
    return Source(name=name, encoding=encoding, delimiter=delimiter, header=header, size=size,
                  _text=text, _raw=raw, _reader=reader)
