"""Batch scoring of CRM exports: every row in, every row out, in order, with scores appended.

:func:`score_csv` streams the input in chunks (memory stays bounded however long the file),
scores them in this process or in ``jobs`` worker processes, and writes the output
atomically (see ``writers.py``). A row that cannot be scored keeps its cells and gets an
``error``; only a problem with the file itself (unreadable, no such column) stops the run.
"""

from __future__ import annotations

import codecs
import heapq
import os
import sys
import time
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from ._version import __version__
from .csvio import Source, find_columns, open_source, unique_names
from .errors import OptionError, WorkerError
from .schema import CATEGORIES, EMOTIONS, FLAGS, INTENSITIES, TIERS, WORST_CASE
from .scoring import MAX_CELL_CHARS, OUTPUT_COLUMNS, output_names, score_texts
from .writers import fit_encoding, open_writer
from .writers import output_format as _resolve_format

CHUNK_ROWS = 500
WORST_CASES_KEPT = 200  # listed in the summary and report; the count covers all of them
ERROR_ROWS_KEPT = 20  # example row numbers per error kind


# --- work done in a worker (or in this process when jobs == 1) -------------------------------

class _Scorer:
    """What scoring a chunk needs: the model, the playbooks, whether to redact.

    One per run (``jobs == 1``) or one per worker process; never shared between runs, so
    concurrent ``score_csv`` calls in threads cannot use each other's model or settings.
    """

    def __init__(self, model: Any, playbooks: Any, redact: bool):
        from .api import default_model
        from .playbook import resolve_playbooks

        if isinstance(model, (str, os.PathLike)):
            from .persist import load_model

            model = load_model(model)
        self.model = model or default_model()
        self.playbooks = resolve_playbooks(playbooks)
        self.redact = redact
        if redact:
            from .redact import redact as mask
            from .writers import clean

            self._mask = lambda value: mask(clean(value))

    def cell(self, value: str) -> str:
        """A text cell as written out: undecodable bytes as U+FFFD, personal data masked."""
        return self._mask(value) if self.redact and value else value

    def chunk(self, chunk: list[tuple[int, int, list[str], list[str]]], text_idx: list[int],
              width: int) -> list[tuple[list[Any], dict]]:
        """Score ``(row, line, cells, extra_cells)`` rows; return output cells and scores per row."""
        texts = ["\n".join(cells[i] for i in text_idx if i < len(cells) and cells[i].strip())
                 for _, _, cells, _ in chunk]
        scores = score_texts(texts, model=self.model, playbooks=self.playbooks, redact=self.redact)
        out = []
        for (row, line, cells, extra), text, s in zip(chunk, texts, scores):
            cells = cells + [""] * (width - len(cells))  # a short row: the missing cells are empty
            cells = [self.cell(c) if i in text_idx else c for i, c in enumerate(cells)]
            if extra:
                kept = " | ".join(self.cell(x) for x in extra)
                note = (f"ragged row: line {line} has {width + len(extra)} fields but the header has {width}; "
                        f"the extra fields were: {kept}")
                s["error"] = f"{s['error']}; {note}" if s["error"] else note
                s["_notes"] = ["ragged row"]
            s["_text"] = text
            out.append((cells, s))
        return out


_worker: dict[str, _Scorer] = {}


def _init_worker(model: Any, playbooks: Any, redact: bool) -> None:
    """In a pool worker: load the model, playbooks and redactor once."""
    _worker["scorer"] = _Scorer(model, playbooks, redact)


def _score_in_worker(chunk: list, text_idx: list[int], width: int) -> list[tuple[list[Any], dict]]:
    return _worker["scorer"].chunk(chunk, text_idx, width)


# --- the summary ------------------------------------------------------------------------------

@dataclass
class BatchSummary:
    """What a batch run did: counts by label, errors by kind, the worst cases first."""

    input: str
    output: str
    text_columns: list[str]
    encoding: str
    delimiter: str
    model: str
    started: str = ""
    elapsed_s: float = 0.0
    rows: int = 0
    scored: int = 0
    errors: int = 0
    needs_review: int = 0
    blank_lines: int = 0
    by_tier: Counter = field(default_factory=Counter)
    by_category: Counter = field(default_factory=Counter)
    by_emotion: Counter = field(default_factory=Counter)
    by_intensity: Counter = field(default_factory=Counter)
    by_flag: Counter = field(default_factory=Counter)
    errors_by_kind: dict = field(default_factory=dict)  # rows not scored, by the kind of error
    notes_by_kind: dict = field(default_factory=dict)  # rows scored with a note (ragged row, …)
    worst_cases_total: int = 0
    redact: bool = False
    _worst: list = field(default_factory=list, repr=False)  # min-heap of the most certain worst cases

    @property
    def worst_cases(self) -> list[dict[str, Any]]:
        """Up to WORST_CASES_KEPT worst cases, the most certain first (then by row)."""
        return [w for _, _, w in sorted(self._worst, key=lambda t: (-t[0], -t[1]))]

    @staticmethod
    def _count(table: dict, message: str, row: int) -> None:
        entry = table.setdefault(message.split(":", 1)[0], {"count": 0, "rows": []})
        entry["count"] += 1
        if len(entry["rows"]) < ERROR_ROWS_KEPT:
            entry["rows"].append(row)

    def add(self, row: int, ident: str, s: dict) -> None:
        self.rows += 1
        if s["tier"] == "":
            self.errors += 1
            self._count(self.errors_by_kind, s["error"], row)
            return
        for kind in s.get("_notes", ()):  # scored, with a note (a ragged row, characters the encoding lacks)
            self._count(self.notes_by_kind, kind, row)
        self.scored += 1
        self.needs_review += bool(s["needs_review"])
        self.by_tier[s["tier"]] += 1
        self.by_emotion[s["emotion"]] += 1
        self.by_intensity[s["intensity"]] += 1
        for f in filter(None, s["flags"].split(";")):
            self.by_flag[f] += 1
        if s["tier"] == WORST_CASE:
            self.by_category[s["category"]] += 1
            self.worst_cases_total += 1
            key = (s["confidence"], -row)
            if len(self._worst) >= WORST_CASES_KEPT and key <= self._worst[0][:2]:
                return
            text, spans = _shareable(s["_text"], s["_spans"], self.redact)
            entry = (*key, {"row": row, "id": ident, "category": s["category"], "confidence": s["confidence"],
                            "needs_review": s["needs_review"], "flags": [f for f in s["flags"].split(";") if f],
                            "playbook": s["playbook"], "text": text, "spans": spans})
            if len(self._worst) < WORST_CASES_KEPT:
                heapq.heappush(self._worst, entry)
            else:
                heapq.heapreplace(self._worst, entry)

    def to_dict(self) -> dict[str, Any]:
        """Plain types, labels in their canonical order (zeros included), for JSON and the report."""
        def ordered(counter: Counter, labels: tuple[str, ...]) -> dict[str, int]:
            return {k: int(counter.get(k, 0)) for k in labels}

        worst = self.worst_cases
        return {
            "input": self.input, "output": self.output, "started": self.started,
            "elapsed_s": round(self.elapsed_s, 2), "rows": self.rows, "scored": self.scored,
            "errors": self.errors, "needs_review": self.needs_review, "blank_lines": self.blank_lines,
            "text_columns": list(self.text_columns), "encoding": self.encoding, "model": self.model,
            "by_tier": ordered(self.by_tier, TIERS), "by_category": ordered(self.by_category, CATEGORIES),
            "by_emotion": ordered(self.by_emotion, EMOTIONS), "by_intensity": ordered(self.by_intensity, INTENSITIES),
            "by_flag": ordered(self.by_flag, FLAGS), "errors_by_kind": self.errors_by_kind,
            "notes_by_kind": self.notes_by_kind,
            "worst_cases": worst, "worst_cases_total": self.worst_cases_total,
        }

    def format(self, max_worst: int = 20) -> str:
        """The end-of-run summary printed by the CLI."""
        d = self.to_dict()
        rate = self.rows / self.elapsed_s if self.elapsed_s else 0.0
        lines = [f"scored {self.scored:,} of {self.rows:,} rows in {self.elapsed_s:.1f} s ({rate:,.0f} rows/s); "
                 f"{self.errors:,} not scored; {self.needs_review:,} need review",
                 f"input {self.input} ({self.encoding}, text column {' + '.join(self.text_columns)}) → {self.output}"]
        if self.blank_lines:
            lines.append(f"{self.blank_lines:,} blank line(s) in the input were skipped (they hold no row)")

        def counts(name: str, values: dict[str, int]) -> str:
            total = sum(values.values()) if name != "flags" else self.scored
            cells = ", ".join(f"{k} {v:,} ({v / total:.0%})" if total else f"{k} 0" for k, v in values.items())
            return f"  {name:10s}{cells}"

        lines += [counts("tier", d["by_tier"]), counts("category", d["by_category"]),
                  counts("emotion", d["by_emotion"]), counts("intensity", d["by_intensity"]),
                  counts("flags", d["by_flag"])]
        for title, table in (("not scored", self.errors_by_kind), ("scored, with a note", self.notes_by_kind)):
            for kind, e in table.items():
                rows = ", ".join(map(str, e["rows"][:10])) + (" …" if e["count"] > 10 else "")
                lines.append(f"  {kind} ({title}): {e['count']:,} row(s) (rows {rows})")
        if d["worst_cases"]:
            lines.append(f"worst cases ({self.worst_cases_total:,}), most certain first:")
            for w in d["worst_cases"][:max_worst]:
                flags = f" [{', '.join(w['flags'])}]" if w["flags"] else ""
                lines.append(f"  row {w['row']:>7}  id {w['id'] or '-':<16} {w['category']:<17} {w['confidence']:.2f}{flags}")
            if self.worst_cases_total > max_worst:
                lines.append(f"  … and {self.worst_cases_total - max_worst:,} more (the output has them all; "
                             "filter the tier column)")
        return "\n".join(lines)


def _shareable(text: str, spans: tuple, redact: bool) -> tuple[str, list]:
    """The text and evidence spans for the summary and report, redacted when asked."""
    if not redact:
        return text, [list(sp) for sp in spans]
    from .redact import redact_mapped

    out, where = redact_mapped(text)
    return out, [[where.start(a), where.end(b), label] for a, b, label in spans]


# --- progress ---------------------------------------------------------------------------------

class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, source: Source, enabled: bool | None):
        self.source = source
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.start = time.monotonic()
        self.last = 0.0

    def update(self, rows: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.2:
            return
        self.last = now
        rate = rows / max(now - self.start, 1e-9)
        if self.source.size:
            frac = min(self.source.position() / self.source.size, 1.0)
            bar = "#" * int(frac * 30)
            msg = f"\r[{bar:<30}] {frac:4.0%}  {rows:,} rows  {rate:,.0f} rows/s"
        else:
            msg = f"\r{rows:,} rows  {rate:,.0f} rows/s"
        sys.stderr.write(msg)
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


# --- the run ----------------------------------------------------------------------------------

def _chunks(source: Source, width: int, size: int) -> Iterator[list[tuple[int, int, list[str], list[str]]]]:
    """Rows in chunks of ``size``: ``(row, line, cells, extra_cells)``, extra beyond the header width."""
    chunk: list[tuple[int, int, list[str], list[str]]] = []
    for row, line, cells in source.rows():
        chunk.append((row, line, cells[:width], cells[width:]))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check_resources(model: Any, playbooks: Any) -> Any:
    """Fail in this process, with a clear message, before worker processes start."""
    from .playbook import resolve_playbooks

    if isinstance(model, (str, os.PathLike)):
        from .persist import verify_model_files

        verify_model_files(model)  # meta, file and hash, without unpickling
    return resolve_playbooks(playbooks)  # a folder is read and checked here, then sent to the workers


def _model_name(model: Any) -> str:
    if model is None:
        return f"default (kujo-triage {__version__})"
    if isinstance(model, (str, os.PathLike)):
        return str(model)
    return type(model).__name__


def score_csv(input: str | os.PathLike[str], output: str | os.PathLike[str], *,
              text_column: str | list[str] | None = None, id_column: str | None = None, jobs: int = 1,
              encoding: str | None = None, delimiter: str | None = None, output_encoding: str = "utf-8-sig",
              output_format: str | None = None, sanitize: bool = True, redact: bool = False,
              report: str | os.PathLike[str] | None = None, model: Any = None, playbooks: Any = None,
              chunk_rows: int = CHUNK_ROWS, progress: bool | None = None) -> BatchSummary:
    """Score a CRM export: every input row and column, in order, plus the triage columns.

    Parameters
    ----------
    input : path or "-"
        CSV or TSV; ``-`` reads stdin. Encoding and delimiter are detected unless given.
    output : path or "-"
        ``.csv`` / ``.tsv`` (UTF-8 with BOM unless ``output_encoding``), ``.jsonl`` or ``.parquet``
        (or ``output_format``: csv, tsv, jsonl, parquet). Written atomically; ``-`` writes CSV/JSONL to stdout.
    text_column : str or list, optional
        The column with the message, or several joined by a newline (``"件名,本文"``); found from
        common names (本文, 内容, お問い合わせ内容, 詳細, description, body, text) when not given.
    id_column : str, optional
        Used to name rows in the summary and report (found from common names when not given).
    jobs : int
        Worker processes (``0``: one per CPU). The output order is the input order regardless.
    sanitize : bool
        Neutralise cells a spreadsheet would run as a formula (CSV/TSV output).
    redact : bool
        Mask personal data in the text columns and the evidence (see ``redact.py``).
    report : path, optional
        Also write a self-contained HTML summary.
    model : TriageModel or path, optional
        A model of your own (a saved model directory for ``jobs > 1``); the default otherwise.
    progress : bool, optional
        Show a progress bar on stderr; by default only when stderr is a terminal.

    Returns
    -------
    BatchSummary

    Raises
    ------
    InputFileError
        The input cannot be read as a table, a named column does not exist, or the output
        cannot be written there. Nothing is written in that case.
    """
    if not isinstance(jobs, int) or jobs < 0:
        raise OptionError(f"jobs: expected 0 (one worker per CPU) or a positive number of workers, got {jobs!r}")
    if not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise OptionError(f"chunk_rows: expected a positive number of rows, got {chunk_rows!r}")
    try:
        codecs.lookup(output_encoding)
    except LookupError:
        raise OptionError(f"output encoding: unknown encoding {output_encoding!r}; use utf-8-sig (Excel), "
                          "utf-8 or cp932") from None
    if report is not None and not Path(report).resolve().parent.is_dir():
        raise OptionError(f"report: no such folder {Path(report).resolve().parent}; create it first")
    started = datetime.now().isoformat(timespec="seconds")
    t0 = time.monotonic()
    fmt = _resolve_format(str(output), output_format)
    source = open_source(input, encoding=encoding, delimiter=delimiter)
    try:
        names = unique_names(source.header)
        text_idx = find_columns(source.header, text_column, "text")
        id_idx = find_columns(source.header, id_column, "id")
        if id_column is None and id_idx and id_idx[0] in text_idx:
            id_idx = []
        appended = output_names(names)
        books = _check_resources(model, playbooks)
        summary = BatchSummary(input=source.name, output=str(output), text_columns=[names[i] for i in text_idx],
                               encoding=source.encoding, delimiter=source.delimiter, model=_model_name(model),
                               started=started, redact=redact)
        writer = open_writer(str(output), fmt, encoding=output_encoding, sanitize=sanitize)
    except BaseException:
        source.close()
        raise
    width = len(names)
    check_encoding = fmt in ("csv", "tsv") and not output_encoding.lower().replace("_", "-").startswith("utf")
    bar = Progress(source, progress)
    executor = None
    try:
        writer.write_header(names + appended)
        if jobs == 0:
            jobs = os.cpu_count() or 1
        if jobs > 1:
            executor = ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker,
                                           initargs=(model, books, redact))
            results = _parallel(executor, _chunks(source, width, chunk_rows), text_idx, width, jobs)
        else:
            scorer = _Scorer(model, books, redact)
            results = (scorer.chunk(c, text_idx, width) for c in _chunks(source, width, chunk_rows))
        row = 0
        for scored in results:
            out_rows = []
            for cells, s in scored:
                row += 1
                if check_encoding:
                    cells, changed = fit_encoding(cells, output_encoding)
                    if changed:
                        note = f"encoding: characters not in {output_encoding} were written as '?'"
                        s["error"] = f"{s['error']}; {note}" if s["error"] else note
                        if s["tier"]:
                            s["_notes"] = [*s.get("_notes", ()), "encoding"]
                ident = cells[id_idx[0]] if id_idx and id_idx[0] < len(cells) else ""
                summary.add(row, ident, s)
                out_rows.append(cells + [s[c] for c in OUTPUT_COLUMNS])
            writer.write_rows(out_rows)
            bar.update(row)
        bar.update(row, force=True)
        bar.done()
        summary.blank_lines = source.blank_lines
        summary.elapsed_s = time.monotonic() - t0
        writer.commit()
    except BaseException:
        bar.done()
        writer.abort()
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
            executor = None
        raise
    finally:
        source.close()
        if executor is not None:
            executor.shutdown()
    if report is not None:
        from .report import write_report

        write_report(report, summary.to_dict())
    return summary


def _parallel(executor: ProcessPoolExecutor, chunks: Iterator[list], text_idx: list[int], width: int,
              jobs: int) -> Iterator[list]:
    """Chunks scored by the pool, yielded in input order, with at most 2 × jobs in flight."""
    from concurrent.futures.process import BrokenProcessPool

    def result(future: Future) -> list:
        try:
            return future.result()
        except BrokenProcessPool as e:
            raise WorkerError("a worker process stopped (killed, or out of memory); nothing was written. "
                              "Re-run with fewer --jobs, or --jobs 1 to see the error") from e

    pending: deque[Future] = deque()
    for chunk in chunks:
        pending.append(executor.submit(_score_in_worker, chunk, text_idx, width))
        if len(pending) >= 2 * jobs:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


__all__ = ["BatchSummary", "MAX_CELL_CHARS", "score_csv"]
