"""Speed and memory of triage on the corpus test texts. Run by hand; figures go in the README.

    python benchmarks/bench_triage.py [--repeat 3]

Prints, in one run on the same texts: fugashi's own tokenise-with-lemma rate, triage_many
docs/s and their ratio; single-text triage p50/p95 latency on a ~60-character complaint; cold
start (import + first result in a fresh process); model size; peak RSS.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SINGLE = "昨日届いたドライヤーを使っていたら本体から煙が出て焦げ臭くなりました。怖くて使えません。交換してください。"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="timing rounds; the best is reported")
    args = ap.parse_args()

    import fugashi
    import unidic_lite

    from kujo_triage import default_model, read_corpus, triage, triage_many
    from kujo_triage.resources import default_model_dir

    corpus = read_corpus(ROOT / "data" / "samples" / "complaints.csv", require_split=True)
    texts = corpus.loc[corpus["split"] == "test", "text"].tolist()
    chars = sum(map(len, texts))
    tagger = fugashi.Tagger(f'-d "{unidic_lite.DICDIR}"')
    default_model()
    triage_many(texts[:50])  # warm up

    def best(fn) -> float:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    t_fugashi = best(lambda: [[(w.surface, w.feature.lemma) for w in tagger(x)] for x in texts])
    t_many = best(lambda: triage_many(texts))
    lat = []
    for _ in range(1000):
        t = time.perf_counter()
        triage(SINGLE)
        lat.append(time.perf_counter() - t)
    lat.sort()

    # VmHWM (Linux) is the process's own peak; ru_maxrss of a child would include this
    # process's pages at fork time
    code = ("import time; t=time.perf_counter(); from kujo_triage import triage; triage('商品が届きません'); "
            "print(time.perf_counter()-t, open('/proc/self/status').read().split('VmHWM:')[1].split()[0])")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() for _ in range(3)]
    colds = [float(r[0]) for r in runs]
    cold_rss = max(int(r[1]) for r in runs) / 1024
    model_bytes = sum(f.stat().st_size for f in default_model_dir().iterdir() if f.is_file())
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"texts: {len(texts)} (corpus test split), {chars / len(texts):.0f} chars on average; python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    print(f"fugashi tokenise+lemma      {len(texts) / t_fugashi:8.0f} docs/s")
    print(f"triage_many                 {len(texts) / t_many:8.0f} docs/s   ratio {t_fugashi / t_many:.2f} of fugashi (target ≥ 0.25)")
    print(f"triage single ({len(SINGLE)} chars)   p50 {statistics.median(lat) * 1e3:.2f} ms   p95 {lat[int(len(lat) * 0.95)] * 1e3:.2f} ms (target p50 ≤ 2 ms)")
    print(f"cold start (import + first) median {statistics.median(colds):.2f} s of {['%.2f' % c for c in colds]} (target ≤ 1.0 s)")
    print(f"model size                  {model_bytes / 1e6:8.1f} MB (target ≤ 20 MB)")
    print(f"peak RSS                    {cold_rss:8.0f} MB after import + first result; {rss_mb:.0f} MB in this benchmark process"
          " (pandas, a second MeCab tagger, and dictionary pages mapped while tokenising the test texts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
