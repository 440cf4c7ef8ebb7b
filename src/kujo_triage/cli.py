"""Command line: a thin shell over the library. ``kujo-triage --help`` lists the commands."""

from __future__ import annotations

import argparse
import sys

from . import __version__
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
