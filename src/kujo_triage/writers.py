"""Writing scored rows: CSV/TSV (Excel-safe), JSONL or Parquet, atomically.

Every writer writes to a temporary file beside the output and renames it into place only
when the run has finished (:meth:`commit`); a crash or Ctrl-C calls :meth:`abort`, which
removes the temporary file. A half-written file that looks complete never exists.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import IO, Any, Sequence

from .errors import UNDECODABLE, InputFileError, OptionError

FORMATS = ("csv", "tsv", "jsonl", "parquet")
_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
             ".parquet": "parquet", ".pq": "parquet"}
# A leading = + - @ (or tab / CR) makes Excel and LibreOffice run a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?=\.?\d)(\d[\d,]*)?(\.\d+)?([eE][+-]?\d+)?")


def output_format(path: str, fmt: str | None) -> str:
    """The format asked for, or the one the output file's suffix names (CSV by default)."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise OptionError(f"output format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
        return fmt
    return _SUFFIXES.get(Path(path).suffix.lower(), "csv")


def neutralize(cell: str) -> str:
    """Make a cell that a spreadsheet would run as a formula inert, by a leading apostrophe.

    Plain numbers (``-12``, ``+3.5``) are left alone: they are data, not formulas.

    >>> neutralize("=HYPERLINK(\\"http://x\\")"), neutralize("-12.5"), neutralize("@SUM(A1)"), neutralize("普通")
    ('\\'=HYPERLINK("http://x")', '-12.5', "'@SUM(A1)", '普通')
    """
    if cell and cell.startswith(_FORMULA_START) and not (cell[0] in "+-" and _NUMBER.fullmatch(cell)):
        return "'" + cell
    return cell


def fit_encoding(cells: list[str], encoding: str) -> tuple[list[str], bool]:
    """Cells with characters the output encoding lacks replaced by ``?`` (e.g. emoji in CP932)."""
    changed = False
    out = []
    for c in cells:
        try:
            c.encode(encoding)
        except UnicodeEncodeError:
            c = c.encode(encoding, errors="replace").decode(encoding)
            changed = True
        out.append(c)
    return out, changed


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def clean(value: str) -> str:
    """Undecodable input bytes (surrogate escapes) become U+FFFD so the row can be written."""
    return UNDECODABLE.sub("\ufffd", value)


class _Atomic:
    """A temporary file beside ``path``, renamed onto it by :meth:`commit`."""

    def __init__(self, path: str):
        self.path = path
        self.to_stdout = path == "-"
        if self.to_stdout:
            self.tmp = None
            return
        target = Path(os.path.realpath(path))  # through a symlink: replace the file it points to
        self.path = str(target)
        if target.is_dir():
            raise InputFileError(f"{path}: is a folder; give an output file name")
        if not target.parent.exists():
            raise InputFileError(f"{target.parent}: no such folder for the output; create it first")
        fd, self.tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        os.close(fd)

    def finish(self) -> None:
        if self.tmp is not None:
            # mkstemp makes the file private (0600): keep the mode of the file being replaced,
            # or give the one a new file gets
            try:
                mode = os.stat(self.path).st_mode & 0o7777
            except FileNotFoundError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(self.tmp, mode)
            os.replace(self.tmp, self.path)
            self.tmp = None

    def discard(self) -> None:
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except FileNotFoundError:
                pass
            self.tmp = None


class Writer:
    """Base of the writers: ``write_header(names)``, ``write_rows(rows)``, ``commit()``/``abort()``."""

    def __init__(self, path: str):
        self._atomic = _Atomic(path)

    def write_header(self, names: Sequence[str]) -> None:
        raise NotImplementedError

    def write_rows(self, rows: list[list[Any]]) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        """Finish the file and move it into place."""
        self._close()
        self._atomic.finish()

    def abort(self) -> None:
        """Drop the temporary file; the output path is left as it was."""
        try:
            self._close()
        except Exception:  # the run already failed; its error is the one to report
            pass
        self._atomic.discard()


class _TextWriter(Writer):
    """A writer of text lines, to the temporary file or to stdout (which it leaves open)."""

    def __init__(self, path: str, encoding: str, **open_args: Any):
        super().__init__(path)
        if self._atomic.to_stdout:
            self._fh: IO[str] = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, write_through=True, **open_args)
        else:
            self._fh = open(self._atomic.tmp, "w", encoding=encoding, **open_args)  # type: ignore[arg-type]

    def _close(self) -> None:
        if self._atomic.to_stdout:
            self._fh.flush()
            self._fh.detach()
        elif not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()


class DelimitedWriter(_TextWriter):
    """CSV or TSV; UTF-8 with BOM by default so Excel shows Japanese; formulas neutralised."""

    def __init__(self, path: str, *, encoding: str = "utf-8-sig", delimiter: str = ",", sanitize: bool = True):
        super().__init__(path, encoding, newline="", errors="replace")
        self.sanitize = sanitize
        self._csv = csv.writer(self._fh, delimiter=delimiter)

    def _prep(self, row: list[Any]) -> list[str]:
        cells = [clean(_cell(v)) for v in row]
        return [neutralize(c) for c in cells] if self.sanitize else cells

    def write_header(self, names: Sequence[str]) -> None:
        self._csv.writerow(self._prep(list(names)))

    def write_rows(self, rows: list[list[Any]]) -> None:
        self._csv.writerows(self._prep(r) for r in rows)


class JsonlWriter(_TextWriter):
    """One JSON object per line, keys in column order; confidence a number, needs_review a bool."""

    def __init__(self, path: str, **_: Any):
        super().__init__(path, "utf-8")
        self._names: list[str] = []

    def write_header(self, names: Sequence[str]) -> None:
        from .scoring import OUTPUT_COLUMNS

        self._names = list(names)
        # by position: the appended confidence / needs_review are null on rows not scored
        first = len(names) - len(OUTPUT_COLUMNS)
        self._nullable = {first + OUTPUT_COLUMNS.index("confidence"), first + OUTPUT_COLUMNS.index("needs_review")}

    def write_rows(self, rows: list[list[Any]]) -> None:
        for r in rows:
            obj = {k: (None if v == "" and i in self._nullable else clean(v) if isinstance(v, str) else v)
                   for i, (k, v) in enumerate(zip(self._names, r))}
            self._fh.write(json.dumps(obj, ensure_ascii=False) + "\n")



class ParquetWriter(Writer):
    """Parquet (``pip install 'kujo-triage[parquet]'``): input columns as strings, scores typed."""

    def __init__(self, path: str, **_: Any):
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise InputFileError("Parquet output needs pyarrow: pip install 'kujo-triage[parquet]'") from None
        if path == "-":
            raise InputFileError("Parquet cannot be written to stdout; give an output file")
        super().__init__(path)
        self._pa, self._pq = pa, pq
        self._writer: Any = None
        self._schema: Any = None

    def write_header(self, names: Sequence[str]) -> None:
        from .scoring import OUTPUT_COLUMNS

        pa = self._pa
        # typed by position: the appended score columns are the last ones (an input column
        # may well be called "confidence"; it stays a string)
        typed = {len(names) - len(OUTPUT_COLUMNS) + OUTPUT_COLUMNS.index(c): t
                 for c, t in (("confidence", pa.float64()), ("needs_review", pa.bool_()))}
        self._schema = pa.schema([(n, typed.get(i, pa.string())) for i, n in enumerate(names)])
        self._writer = self._pq.ParquetWriter(self._atomic.tmp, self._schema)

    def write_rows(self, rows: list[list[Any]]) -> None:
        if not rows:
            return
        cols = []
        for j, f in enumerate(self._schema):
            values = [r[j] for r in rows]
            if f.type == self._pa.string():
                values = [None if v is None else clean(str(v)) for v in values]
            else:
                values = [None if v == "" else v for v in values]
            cols.append(values)
        self._writer.write_table(self._pa.table(cols, schema=self._schema))

    def _close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def open_writer(path: str, fmt: str, *, encoding: str = "utf-8-sig", sanitize: bool = True) -> Writer:
    """A writer for ``fmt`` (see :func:`output_format`) writing atomically to ``path`` (``-``: stdout)."""
    if fmt == "parquet":
        return ParquetWriter(path)
    if fmt == "jsonl":
        return JsonlWriter(path)
    return DelimitedWriter(path, encoding=encoding, delimiter="\t" if fmt == "tsv" else ",", sanitize=sanitize)
