"""`cxtext validate`: check labelled files against the data contract before training on them.

Exit status: 0 clean, 1 bad rows found, 2 a file could not be used (missing, wrong type, no `text`
column) or the taxonomy config is invalid.
"""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "validate",
        help="check labelled CSV/JSONL files against the data schema",
        description="Check labelled CSV/JSON Lines files against the data schema and report bad rows "
        "as file:row: reason.",
    )
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help=".csv, .jsonl or .json (JSON Lines), optionally .gz"
    )
    parser.add_argument(
        "--lenient",
        action="store_true",
        help="list every bad row (default: stop at the first one, as strict training does)",
    )
    parser.add_argument(
        "--taxonomy",
        metavar="JSON",
        help="custom topics config (default: $CXTEXT_TAXONOMY, else the four built-in drivers)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    from cli import CommandError
    from cxtext.io.records import DataError, load_records
    from cxtext.taxonomy import Taxonomy, TaxonomyError

    try:
        taxonomy = Taxonomy.from_file(args.taxonomy) if args.taxonomy else Taxonomy.from_env()
    except TaxonomyError as exc:
        raise CommandError(str(exc)) from None
    try:
        result = load_records(args.files, strict=not args.lenient, taxonomy=taxonomy)
    except DataError as exc:
        error = exc.errors[-1]
        print(error)
        if error.row is None:
            return 2
        print("stopped at the first bad row; --lenient lists every bad row")
        return 1
    for error in result.errors:
        print(error)
    for name, counts in result.counts.items():
        reasons = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.reasons.items()))
        print(
            f"{name}: {counts.read} rows, {counts.loaded} loaded, {counts.skipped} skipped"
            + (f" ({reasons})" if reasons else "")
        )
    if len(result.counts) > 1:
        read = sum(counts.read for counts in result.counts.values())
        print(f"total: {read} rows, {len(result.records)} loaded, {read - len(result.records)} skipped")
    if any(error.row is None for error in result.errors):
        return 2
    return 1 if result.errors else 0
