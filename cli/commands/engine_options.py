"""`--workers` and `--scheduler`, shared by the commands that run batch work (`score`, `drivers`)."""

from __future__ import annotations

import argparse
from typing import Any


def add_engine_arguments(parser: argparse.ArgumentParser, chunk_rows: int) -> None:
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: every core; 1 = in this process); the output is the same for any N",
    )
    parser.add_argument(
        "--chunk-rows",
        type=int,
        default=chunk_rows,
        metavar="N",
        help=f"rows a worker takes at a time; bounds memory (default {chunk_rows})",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on a Dask cluster, e.g. tcp://10.0.0.5:8786 (default: $CXTEXT_DASK_SCHEDULER, else local)",
    )


def engine_for(args: argparse.Namespace, model: Any):
    """The engine the options ask for; an unreachable scheduler or a bad count is a CommandError."""
    from cli import CommandError
    from cxtext.batch.allocator import keep_freed_memory
    from cxtext.batch.engine import EngineError, open_engine

    if (args.workers is not None and args.workers < 1) or args.chunk_rows < 1:
        raise CommandError("--workers and --chunk-rows must be at least 1")
    keep_freed_memory()  # this process reads, writes and (with one worker) scores chunk after chunk
    try:
        return open_engine(model, workers=args.workers, scheduler=args.scheduler)
    except EngineError as exc:
        raise CommandError(str(exc)) from None
