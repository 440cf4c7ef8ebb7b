"""Command line: a thin shell over the library. ``kujo-triage --help`` lists the commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._version import __version__
from .corpus import describe, read_corpus
from .errors import KujoTriageError


def _cmd_check(args: argparse.Namespace) -> int:
    df = read_corpus(args.data, require_split=args.require_split, encoding=args.encoding)
    print(f"{args.data}: {len(df)} rows, all labels valid")
    for name, counts in describe(df).items():
        total = len(df)
        cells = ", ".join(f"{k}={v} ({v / total:.0%})" for k, v in sorted(counts.items()))
        print(f"  {name}: {cells}")
    return 0


def _read_stdin_text() -> str:
    """A message piped in (a mail saved by Outlook may be CP932): decode with the detected encoding."""
    from .csvio import detect_encoding

    data = sys.stdin.buffer.read()
    return data.decode(detect_encoding(data), errors="replace").lstrip("\ufeff")


def _cmd_triage(args: argparse.Namespace) -> int:
    import json

    from .api import triage

    text = args.text
    if text is None or text == "-":
        text = _read_stdin_text()
    model = None
    if args.model:
        from .persist import load_model

        model = load_model(args.model)
    if sum([args.json or args.format == "json", args.draft, args.format in ("text", "markdown")]) > 1:
        raise _usage("choose one output: --json, --draft, or --format text/markdown")
    result = triage(text, model=model, playbooks=args.playbooks)
    if args.json or args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    if args.draft:
        from .draft import first_reply

        print(first_reply(result).text, end="")
        return 0
    if args.format in ("text", "markdown"):
        from .render import render

        print(render(result, args.format), end="")
        return 0
    review = "  (needs review)" if result.needs_review else ""
    print(f"tier        {result.tier}  confidence {result.confidence:.2f}{review}")
    print(f"category    {result.category or '-'}")
    print(f"emotion     {result.emotion} ({result.intensity})")
    print(f"flags       {', '.join(result.flags) or '-'}")
    if result.truncated:
        print("note        the text was truncated; only its beginning was read")
    for i, ev in enumerate(result.evidence):
        head = "evidence" if i == 0 else ""
        snippet = ev.text.replace("\n", " ")
        print(f"{head:12s}[{ev.start}:{ev.end}] {snippet}  → {ev.label}")
    pb = result.playbook
    if pb is not None:
        print(f"playbook    {pb.id}: {pb.title}")
        print(f"respond     {pb.first_response}")
        print(f"involve     {'、'.join(pb.escalate_to)}")
        if pb.modifiers:
            print(f"adapted     {', '.join(pb.modifiers)}")
        for n, step in enumerate(pb.steps, 1):
            head = "steps" if n == 1 else ""
            print(f"{head:12s}{n}. {step.action}  ({step.owner})")
        print("            (--format text or markdown for the whole playbook, --draft for a first reply)")
    return 0


def _cmd_playbooks(args: argparse.Namespace) -> int:
    from .playbook import load_playbooks
    from .render import render_playbook

    books = load_playbooks(args.dir)
    if args.show:
        chosen = [pb for pb in books.values() if pb.id == args.show]
        if not chosen:
            ids = ", ".join(pb.id for pb in books.values())
            print(f"kujo-triage: error: no playbook with id {args.show!r}; the ids are {ids}", file=sys.stderr)
            return 2
        print(render_playbook(chosen[0], args.format), end="")
        return 0
    where = f"{args.dir} laid over the shipped playbooks" if args.dir else "the shipped playbooks"
    print(f"{where}: all files valid")
    for (tier, category), pb in books.items():
        decision = f"{tier}/{category}" if category else tier
        print(f"  {decision:30s} {pb.id:30s} {pb.source_file:24s} {len(pb.steps)} steps, "
              f"{len(pb.obligations)} obligations")
    print(f"  modifiers: {', '.join(f'{m.id} ({m.source_file})' for m in books.modifiers.values())}")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from .batch import score_csv

    summary = score_csv(
        args.input, args.output, text_column=args.text_column, id_column=args.id_column, jobs=args.jobs,
        encoding=args.input_encoding, delimiter=args.delimiter, output_encoding=args.encoding,
        output_format=args.format, sanitize=not args.no_sanitize, redact=args.redact, report=args.report,
        model=args.model, playbooks=args.playbooks, progress=False if args.quiet else None,
    )
    if not args.quiet:
        print(summary.format(), file=sys.stderr)
        if args.report:
            print(f"report written to {args.report}", file=sys.stderr)
    return 0


def _note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cmd_train(args: argparse.Namespace) -> int:
    import time

    from .corpus import load_labelled
    from .evaluation import evaluate
    from .persist import save_model
    from .training import train

    t0 = time.monotonic()
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise _usage(f"-o {args.output}: exists and is not a directory; give a directory for the model")
    rows = load_labelled(args.data, text_column=args.text_column, encoding=args.encoding)
    has_split = "split" in rows.columns and rows["split"].str.len().gt(0).any()
    used = int((rows["split"] == "train").sum()) if has_split else len(rows)
    _note(f"{args.data}: {len(rows):,} labelled rows, all valid; training on "
          f"{'the train split, ' if has_split else ''}{used:,} rows"
          f"{' + the shipped corpus' if args.base else ''} (about a minute for a few thousand rows on 2 cores)…")
    if args.worst_case_recall is not None and not 0 < args.worst_case_recall <= 1:
        raise _usage(f"--worst-case-recall: expected a number in (0, 1], got {args.worst_case_recall}")
    params = {"worst_case_recall": args.worst_case_recall} if args.worst_case_recall is not None else {}
    model = train(rows, text_column="text", random_state=args.random_state, base=args.base, **params)
    _note(f"trained in {time.monotonic() - t0:.0f} s")
    metrics = {}
    if has_split:
        for split in ("dev", "test"):
            part = rows[rows["split"] == split]
            if len(part):
                report = evaluate(model, part)
                metrics[split] = {"n": report.n, **report.metrics}
                _note(f"\n{split} split — {report}")
    else:
        _note("no split column: nothing held out was evaluated. Run "
              f"`kujo-triage evaluate HELD_OUT.csv --model {args.output}` on rows the model did not see.")
    save_model(model, args.output, metrics=metrics)
    _note(f"\nsaved to {args.output} (model.joblib + meta.json)")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    from .api import default_model
    from .corpus import load_labelled
    from .evaluation import evaluate

    model = default_model()
    if args.model:
        from .persist import load_model

        model = load_model(args.model)
    rows = load_labelled(args.data, text_column=args.text_column, encoding=args.encoding)
    if not args.split and "split" in rows.columns and rows["split"].isin(["train", "dev"]).any():
        _note(f"note: {args.data} has a split column and --split was not given, so train/dev rows are scored "
              "too; use --split test for an honest figure")
    if args.split:
        if "split" not in rows.columns:
            raise _usage(f"--split {args.split}: {args.data} has no split column; drop --split to use every row")
        rows = rows[rows["split"] == args.split]
        if rows.empty:
            raise _usage(f"--split {args.split}: no rows have that split")
    report = evaluate(model, rows)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(f"model {args.model or 'default (shipped)'}; {args.data}{f' (split {args.split})' if args.split else ''}")
        print(report)
    return 0


def _usage(message: str) -> Exception:
    from .errors import OptionError

    return OptionError(message)


def _cmd_info(args: argparse.Namespace) -> int:
    import json

    from .persist import read_meta
    from .resources import default_model_dir

    where = args.model or default_model_dir()
    meta = read_meta(where)
    if args.json:
        print(json.dumps(meta, ensure_ascii=False, indent=2))
        return 0
    v = meta.get("versions", {})
    print(f"model       {where}{'' if args.model else ' (shipped default)'}")
    print(f"built with  kujo-triage {v.get('kujo-triage')}, scikit-learn {v.get('scikit-learn')}, "
          f"Python {v.get('python')}; {meta.get('dictionary')}")
    td = meta.get("training_data") or {}
    if td:
        print(f"trained on  {td.get('rows'):,} rows ({td.get('own_rows'):,} own"
              f"{', + shipped corpus' if td.get('base') else ''}); tiers {td.get('tiers')}")
    print(f"data hash   {meta.get('data_sha256') or '—'}")
    print(f"model hash  {meta.get('model_sha256')}")
    learned = meta.get("learned", {})
    if learned:
        tuned = learned.get("worst_case_threshold_tuned")
        target = (f"set for recall {tuned['recall']} on {tuned['rows']:,} labelled rows" if tuned else
                  f"target recall {meta.get('params', {}).get('worst_case_recall')} on out-of-fold training predictions")
        print(f"threshold   worst_case {learned.get('worst_case_threshold'):.4f} ({target}), "
              f"{learned.get('n_features'):,} features")
    from .evaluation import HEADLINE

    for split, m in (meta.get("metrics") or {}).items():
        if isinstance(m, dict):
            shown = ", ".join(f"{k} {m[k]:.3f}" for k in HEADLINE if isinstance(m.get(k), float))
            print(f"metrics     {split} (n={m.get('n', '?')}): {shown}")
    return 0


def _model_options(parser: argparse.ArgumentParser, playbooks: bool = False) -> None:
    parser.add_argument("--model", metavar="DIR",
                        help="a model directory written by save_model or train (default: the shipped model)")
    if playbooks:
        parser.add_argument("--playbooks", metavar="DIR",
                            help="a directory of your own playbook .toml files, laid over the shipped ones")


def _labelled_file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text-column", default="text", metavar="COL", help="the message column (default: text)")
    parser.add_argument("--encoding", default="utf-8-sig", help="file encoding (default: utf-8-sig; cp932 for Excel)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kujo-triage",
        description="Triage Japanese customer complaints (クレーム).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = sub.add_parser(
        "check",
        help="validate a labelled CSV against LABELING.md and print its label distribution",
        description="Validate a labelled CSV (columns id,text,tier,category,emotion,intensity,flags) "
        "and print its label distribution. Every broken rule is reported with its line.",
        epilog="example: kujo-triage check data/samples/complaints.csv --require-split",
    )
    check.add_argument("data", help="labelled CSV file")
    check.add_argument("--require-split", action="store_true", help="every row must have split train/dev/test")
    check.add_argument("--encoding", default="utf-8-sig", help="file encoding (default: utf-8-sig)")
    check.set_defaults(func=_cmd_check)

    tri = sub.add_parser(
        "triage",
        help="triage one message and print tier, category, emotion, flags and evidence",
        description="Triage one Japanese customer message with the default model (or --model DIR).",
        epilog='examples:\n  kujo-triage triage "充電中にスマホが発火して、子どもが手をやけどしました"\n'
               "  kujo-triage triage --json < message.txt\n"
               '  kujo-triage triage --format markdown --playbooks ./our_playbooks "請求が二重になっています"\n'
               '  kujo-triage triage --draft "届いた商品が壊れていました"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tri.add_argument("text", nargs="?", help="the message; '-' or nothing reads it from stdin")
    tri.add_argument("--format", choices=("brief", "text", "markdown", "json"), default="brief",
                     help="brief summary (default), the whole result and playbook as text or Markdown "
                          "for a ticket, or JSON")
    tri.add_argument("--json", action="store_true", help="same as --format json")
    tri.add_argument("--draft", action="store_true", help="print only the Japanese first-reply draft")
    _model_options(tri, playbooks=True)
    tri.set_defaults(func=_cmd_triage)

    sc = sub.add_parser(
        "score",
        help="score a CSV/TSV export from your CRM: every row kept, triage columns appended",
        description="Score every row of a CRM export (Zendesk, Salesforce, kintone, Freshdesk, Excel). "
        "Encoding (UTF-8, UTF-8 with BOM, UTF-16, CP932/Shift_JIS, EUC-JP) and delimiter are detected. "
        "The output keeps every input row and column in order and appends tier, category, emotion, "
        "intensity, flags, playbook, confidence, needs_review, evidence and error. A row that cannot be "
        "scored keeps its cells and gets an error; the run goes on.",
        epilog="examples:\n"
               "  kujo-triage score export.csv -o scored.csv\n"
               "  kujo-triage score export.csv -o scored.csv --text-column 件名,本文 --id-column チケットID --jobs 2\n"
               "  kujo-triage score export.csv -o scored.jsonl --redact --report report.html\n"
               "  cat export.tsv | kujo-triage score - -o - --quiet > scored.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sc.add_argument("input", help="CSV or TSV file; '-' reads stdin")
    sc.add_argument("-o", "--output", required=True,
                    help="output file: .csv/.tsv (UTF-8 with BOM for Excel), .jsonl or .parquet; '-' for stdout")
    sc.add_argument("--text-column", metavar="COL", help="the message column, or several joined: 件名,本文 "
                    "(default: found from 本文, 内容, お問い合わせ内容, 詳細, description, body, text)")
    sc.add_argument("--id-column", metavar="COL", help="the ticket id column, to name rows in the summary")
    sc.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes (default 1; 0 = one per CPU)")
    sc.add_argument("--input-encoding", metavar="ENC", help="input encoding (default: detected)")
    sc.add_argument("--delimiter", metavar="D", help="input delimiter: ',' or 'tab' (default: detected)")
    sc.add_argument("--encoding", default="utf-8-sig", metavar="ENC",
                    help="output encoding for CSV/TSV (default utf-8-sig; cp932 for old Excel)")
    sc.add_argument("--format", choices=("csv", "tsv", "jsonl", "parquet"), help="output format (default: from the suffix)")
    sc.add_argument("--no-sanitize", action="store_true",
                    help="keep cells starting with = + - @ as they are (by default they are made inert for spreadsheets)")
    sc.add_argument("--redact", action="store_true",
                    help="mask personal data (names, phone numbers, e-mail, card numbers, addresses, マイナンバー) "
                         "in the text and evidence columns")
    sc.add_argument("--report", metavar="HTML", help="also write a self-contained HTML summary")
    _model_options(sc, playbooks=True)
    sc.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    sc.set_defaults(func=_cmd_score)

    tr = sub.add_parser(
        "train",
        help="train a model on your labelled tickets and save it",
        description="Train a model on labelled rows (the LABELING.md columns). With a split column, "
        "trains on 'train' and reports on 'dev' and 'test'. Every bad row is reported with its number.",
        epilog="examples:\n  kujo-triage train our_labelled.csv -o models/ours\n"
               "  kujo-triage train our_labelled.csv -o models/ours --base default --worst-case-recall 0.98",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tr.add_argument("data", help="labelled CSV (UTF-8)")
    tr.add_argument("-o", "--output", required=True, metavar="DIR", help="where to save the model")
    _labelled_file_options(tr)
    tr.add_argument("--base", choices=("default",), help="also train on the shipped corpus's train split")
    tr.add_argument("--random-state", type=int, default=0, help="seed (same data + seed = same model)")
    tr.add_argument("--worst-case-recall", type=float, metavar="R",
                    help="worst_case recall the threshold aims for (default 0.97)")
    tr.set_defaults(func=_cmd_train)

    ev = sub.add_parser(
        "evaluate",
        help="measure a model on labelled rows: headline metrics, per-class table, confusion",
        description="Evaluate a model (default: the shipped one) on labelled rows it did not learn from.",
        epilog="examples:\n  kujo-triage evaluate held_out.csv --model models/ours\n"
               "  kujo-triage evaluate data/samples/complaints.csv --split test",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ev.add_argument("data", help="labelled CSV (UTF-8)")
    _model_options(ev)
    ev.add_argument("--split", choices=("train", "dev", "test"), help="only the rows of this split")
    _labelled_file_options(ev)
    ev.add_argument("--json", action="store_true", help="everything as JSON")
    ev.set_defaults(func=_cmd_evaluate)

    inf = sub.add_parser(
        "info",
        help="show the model in use: versions, training data, threshold, metrics",
        description="Show a model's provenance and metrics from its meta.json (default: the shipped model).",
        epilog="examples:\n  kujo-triage info\n  kujo-triage info --model models/ours --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _model_options(inf)
    inf.add_argument("--json", action="store_true", help="the whole meta.json")
    inf.set_defaults(func=_cmd_info)

    pbs = sub.add_parser(
        "playbooks",
        help="check and list the playbooks (the shipped ones, or your own folder laid over them)",
        description="Load and validate the playbooks and list which file serves each decision. "
        "With a folder, its files replace the shipped playbook for the same decision.",
        epilog="examples:\n  kujo-triage playbooks ./our_playbooks\n"
               "  kujo-triage playbooks --show worst_case.data_leak --format markdown",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pbs.add_argument("dir", nargs="?", help="a folder of your own playbook .toml files")
    pbs.add_argument("--show", metavar="ID", help="print one playbook in full")
    pbs.add_argument("--format", choices=("text", "markdown"), default="text", help="for --show (default: text)")
    pbs.set_defaults(func=_cmd_playbooks)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    import signal

    def terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM (timeouts, schedulers) takes the same clean-up path as Ctrl-C

    try:  # only the main thread may set handlers (main() may be called from a worker thread)
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:
        previous = None
    try:
        return args.func(args)
    except BrokenPipeError:
        # the reader went away (``kujo-triage … | head``): stop quietly, as Unix tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (KujoTriageError, OSError) as e:
        print(f"kujo-triage: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if getattr(args, "output", None) == "-":
            print("kujo-triage: interrupted; the rows written to stdout so far are incomplete", file=sys.stderr)
        elif getattr(args, "output", None):
            print("kujo-triage: interrupted; no output file was written", file=sys.stderr)
        else:
            print("kujo-triage: interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
