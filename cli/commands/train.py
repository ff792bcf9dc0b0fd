"""`cxtext train`: fit a model on labelled files (or the starter corpus) and write a versioned artifact."""

from __future__ import annotations

import argparse
import sys
import time


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train",
        help="train a model on labelled CSV/JSONL files",
        description="Train a model on labelled files and write a model folder (model, card, checksum). "
        "With --default, train the out-of-the-box model from the shipped starter corpus.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", nargs="+", metavar="FILE", help="labelled .csv / .jsonl files")
    source.add_argument(
        "--default", action="store_true", help="train on the starter corpus into models/default"
    )
    parser.add_argument("--out", metavar="DIR", help="model folder to write (required with --data)")
    parser.add_argument("--taxonomy", metavar="JSON", help="custom topics config (default: $CXTEXT_TAXONOMY)")
    parser.add_argument("--lenient", action="store_true", help="skip bad rows (reported) instead of stopping")
    add_empty_drivers_argument(parser)
    parser.add_argument(
        "--holdout",
        type=float,
        default=0.1,
        metavar="FRACTION",
        help="share of rows (by id hash, else text) held out for the model card's metrics and the API's "
        "quality gate (default 0.1)",
    )
    parser.add_argument(
        "--base",
        choices=("default",),
        help="with --data: train on the starter corpus plus these files, their rows weighted up so that "
        "your domain wins where the two disagree (the card records the base and the weights)",
    )
    parser.add_argument(
        "--per-source",
        action="store_true",
        help="learn each source's sentiment, NPS and driver label conventions apart (files pooled from datasets "
        "whose labels mean different things); applied when a text's source is given at inference",
    )
    return parser


def add_empty_drivers_argument(parser: argparse.ArgumentParser) -> None:
    """`--empty-drivers`, shared by `train` and `evaluate`: both must read the files the same way."""
    parser.add_argument(
        "--empty-drivers",
        choices=("none-mentioned", "not-annotated"),
        help="what an empty drivers cell means in these files (default: each file's FILE.labels.json, else "
        "the known public source's meaning, else not-annotated)",
    )


def progress_printer() -> callable:
    """Progress lines on stderr with elapsed seconds, so stdout stays clean for scripts."""
    started = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f}s] {message}", file=sys.stderr, flush=True)

    return say


def run(args: argparse.Namespace) -> int:
    from cli import CommandError
    from cxtext.io.records import DataError
    from cxtext.model import TrainingDataError
    from cxtext.paths import models_dir
    from cxtext.taxonomy import Taxonomy, TaxonomyError
    from training.minimum import TooFewLabelsError
    from training.sources import SemanticsError
    from training.train import corpus_files, train_files

    if args.data and not args.out:
        raise CommandError("--out DIR is required with --data")
    if not 0 <= args.holdout < 1:
        raise CommandError("--holdout must be in [0, 1)")
    if args.base and args.default:
        raise CommandError("--base adds the starter corpus to --data files; --default trains on it alone")
    files = corpus_files() if args.default else args.data
    out = args.out or models_dir() / "default"
    try:
        taxonomy = Taxonomy.from_file(args.taxonomy) if args.taxonomy else Taxonomy.from_env()
        loaded = train_files(
            files,
            out,
            taxonomy=taxonomy,
            strict=not args.lenient,
            holdout_fraction=args.holdout,
            progress=progress_printer(),
            empty_drivers=args.empty_drivers,
            model_params={"source_features": True} if args.per_source else None,
            bars=True,
            base=args.base,
        )
    except (
        TaxonomyError,
        DataError,
        SemanticsError,
        TrainingDataError,
        TooFewLabelsError,
        FileNotFoundError,
    ) as exc:
        raise CommandError(str(exc)) from None
    overall = (loaded.card.get("metrics") or {}).get("overall") or {}
    print(f"model {loaded.version} written to {loaded.path}")
    for head in ("sentiment", "nps_category"):
        accuracy = (overall.get(head) or {}).get("accuracy")
        if accuracy is not None:
            print(f"  held-out {head} accuracy {accuracy:.3f}")
    drivers = (overall.get("drivers") or {}).get("micro_f1")
    if drivers is not None:
        print(f"  held-out drivers micro-F1 {drivers:.3f}")
    return 0
