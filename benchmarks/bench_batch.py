"""Batch scoring throughput and memory on a 100,000-row export. Run by hand; figures go in the README.

    python benchmarks/bench_batch.py [--rows 100000] [--jobs 1 2]

Builds a CRM-like export (ticket id, date, channel, 件名, 本文) from the corpus texts, in CP932
as Japanese Excel writes it, then runs ``kujo-triage score`` on it once per ``--jobs`` value,
each in a fresh process, and prints rows/s and the peak RSS: of the largest single process
(``ru_maxrss``) and summed over the command and its worker processes (sampled from /proc).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).with_name("kujo-triage"))


def build_export(path: Path, rows: int) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from kujo_triage import read_corpus

    texts = read_corpus(ROOT / "data" / "samples" / "complaints.csv")["text"].tolist()
    rng = random.Random(0)
    channels = ["メール", "電話", "Webフォーム", "チャット", "SNS"]
    with open(path, "w", encoding="cp932", errors="replace", newline="") as f:
        w = csv.writer(f)
        w.writerow(["チケットID", "受付日時", "受付経路", "件名", "本文"])
        for i in range(rows):
            text = rng.choice(texts)
            w.writerow([f"T-{i + 1:07d}", f"2026/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}",
                        rng.choice(channels), text[:15], text])


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total / 1024


def run(src: Path, out: Path, jobs: int) -> tuple[float, float, float]:
    """Seconds, peak RSS of the largest process, peak RSS summed over the process tree (MB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([EXE, "score", str(src), "-o", str(out), "--jobs", str(jobs), "--quiet"])
    tree_peak = 0.0
    while proc.poll() is None:
        tree_peak = max(tree_peak, _tree_rss_mb(proc.pid))
        time.sleep(0.2)
    elapsed = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"kujo-triage score failed with exit code {proc.returncode}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return elapsed, peak, tree_peak


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "export.csv"
        build_export(src, args.rows)
        size = src.stat().st_size / 1e6
        print(f"input: {args.rows:,} rows, {size:.1f} MB CP932 CSV (texts drawn from the corpus, seed 0)")
        for jobs in args.jobs:
            # each run in its own child so ru_maxrss (a high-water mark) is not carried over
            code = (f"import sys; sys.argv=['x']; from benchmarks.bench_batch import run; from pathlib import Path; "
                    f"e, rss, tree = run(Path({str(src)!r}), Path({str(Path(tmp) / f'out{jobs}.csv')!r}), {jobs}); "
                    f"print(f'{{e:.1f}} {{rss:.0f}} {{tree:.0f}}')")
            out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
            elapsed, rss, tree = map(float, out.stdout.split())
            print(f"--jobs {jobs}: {elapsed:6.1f} s  {args.rows / elapsed:7,.0f} rows/s  peak RSS {rss:,.0f} MB "
                  f"largest process, {tree:,.0f} MB all processes (sampled every 0.2 s; the MeCab dictionary "
                  "is a shared file mapping, counted once per process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
