"""`cxtext evaluate`: score a model on labelled files; JSON report (and optional Markdown)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli.commands.train import add_empty_drivers_argument


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "evaluate",
        help="evaluate a model on labelled files",
        description="Evaluate a model folder on labelled files: per language and per dataset (source).",
    )
    parser.add_argument("--model", required=True, metavar="DIR", help="model folder")
    parser.add_argument("--data", nargs="+", required=True, metavar="FILE", help="labelled .csv / .jsonl")
    parser.add_argument("--json", required=True, metavar="OUT", help="where to write the JSON report")
    parser.add_argument("--md", metavar="OUT", help="also write a Markdown summary")
    parser.add_argument("--lenient", action="store_true", help="skip bad rows (reported) instead of stopping")
    add_empty_drivers_argument(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    from cli import CommandError
    from cxtext.io.records import DataError, load_records
    from models.artifact import ArtifactError, load_artifact
    from training.evaluate import evaluate
    from training.report import to_markdown
    from training.sources import SemanticsError, file_declarations, semantics_from_flag

    try:
        loaded = load_artifact(args.model)
        result = load_records(args.data, strict=not args.lenient, taxonomy=loaded.model.taxonomy_)
        declared = file_declarations(args.data, result.counts, semantics_from_flag(args.empty_drivers))
    except (ArtifactError, DataError, SemanticsError, FileNotFoundError) as exc:
        raise CommandError(str(exc)) from None
    for error in result.errors:
        print(f"skipped {error}")
    report = {
        "model": loaded.version,
        "data": [str(p) for p in args.data],
        **evaluate(loaded.model, result.records, declared=declared),
    }
    Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.md:
        Path(args.md).write_text(to_markdown(report), encoding="utf-8")
    print(to_markdown(report, brief=True))
    return 0
