"""Command line: a thin shell over the library. ``kujo-triage --help`` lists the commands."""

from __future__ import annotations

import argparse
import sys

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


def _cmd_triage(args: argparse.Namespace) -> int:
    import json

    from .api import triage

    text = args.text
    if text is None or text == "-":
        text = sys.stdin.read()
    model = None
    if args.model:
        from .persist import load_model

        model = load_model(args.model)
    result = triage(text, model=model)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
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
    return 0


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
               "  kujo-triage triage --json < message.txt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tri.add_argument("text", nargs="?", help="the message; '-' or nothing reads it from stdin")
    tri.add_argument("--json", action="store_true", help="print the result as JSON (stable keys)")
    tri.add_argument("--model", metavar="DIR", help="a model directory written by save_model (default: the shipped model)")
    tri.set_defaults(func=_cmd_triage)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except (KujoTriageError, FileNotFoundError) as e:
        print(f"kujo-triage: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
