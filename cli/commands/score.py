"""`cxtext score`: add a model's predictions to every row of a CSV, JSON Lines or Parquet file, streaming.

Output = every input column, in input order, then the prediction columns `pred_lang`, `pred_sentiment`,
`pred_drivers`, `pred_driver_sentiment`, `pred_driver_confidence`, `pred_nps_category`,
`churn_probability`, `churn_band` (see `cxtext.analysis.frame.prediction_cells`). Predictions never go
into the input's label columns, so a given label is never overwritten and `cxtext drivers` can tell
labels from predictions. Label cells are written in the data contract's canonical form (as the loader
reads them: `9.0` → `9`, drivers in taxonomy order, an empty `nps_category` next to a score filled from it).

Rows are read in chunks (Arrow columns where pyarrow reads the file, else rows), then classified and
rendered in the output format by `--workers` processes (or a Dask cluster with `--scheduler`); results are
written in input order, so the output is the same bytes whatever runs it, and memory stays
bounded by the chunk size. The output appears under its name only when complete. Bad rows are listed as
`file:row: reason` on stderr and counted at the end, never dropped silently. Exit status: 0 every row
scored, 1 some rows skipped (listed), 2 unusable input, model or cluster.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

from cli.commands.engine_options import add_engine_arguments, engine_for


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "score",
        help="add predictions to every row of a CSV/JSONL/Parquet file",
        description="Classify every row of a CSV, JSON Lines or Parquet file and write it back with "
        "prediction columns added; streams in chunks with bounded memory, on every core by default.",
    )
    parser.add_argument("--model", metavar="DIR", help="model folder (default: models/default)")
    parser.add_argument(
        "--in",
        dest="input",
        required=True,
        metavar="FILE",
        help=".csv / .jsonl (.gz) / .parquet, or a directory or glob of .parquet files",
    )
    parser.add_argument(
        "--out", required=True, metavar="FILE", help=".csv / .jsonl (.gz) / .parquet; format by extension"
    )
    parser.add_argument("--batch-size", type=int, default=512, metavar="N", help="rows per model call")
    add_engine_arguments(parser, chunk_rows=2048)
    parser.add_argument(
        "--replace",
        action="store_true",
        help="allow an input that already has prediction columns (re-scoring)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    return parser


def run(args: argparse.Namespace) -> int:
    from functools import partial

    from tqdm import tqdm

    from cli import CommandError
    from cxtext.analysis.frame import PRED_COLUMNS, prediction_columns
    from cxtext.batch.chunks import IdCheck, UnusableInput, expand_inputs, read_batches
    from cxtext.batch.score import score_chunk
    from cxtext.io.formats import file_format
    from cxtext.io.records import RowError
    from cxtext.io.writer import RowWriter
    from cxtext.paths import models_dir
    from models.artifact import ArtifactError, load_artifact

    if args.batch_size < 1:
        raise CommandError("--batch-size must be at least 1")
    inputs = expand_inputs([args.input])
    if not inputs:
        raise CommandError(f"{args.input}: no input files")
    for path in [*inputs, args.out]:
        if file_format(path) is None:
            raise CommandError(
                f"{path}: expected .csv, .jsonl, .ndjson or .json (optionally .gz) or .parquet"
            )
    if any(Path(path).resolve() == Path(args.out).resolve() for path in inputs):
        raise CommandError("--out must not be the input file")
    columns, rows, integers = _scan(inputs)
    clash = [c for c in PRED_COLUMNS if c in columns]
    if clash and not args.replace:
        raise CommandError(
            f"{args.input} already has {', '.join(clash)} (scored before?); --replace to re-score"
        )
    columns = [c for c in columns if c not in PRED_COLUMNS]
    try:
        model = load_artifact(args.model or models_dir() / "default").model
    except ArtifactError as exc:
        raise CommandError(str(exc)) from None

    reasons: Counter[str] = Counter()
    scored = 0
    check_id = IdCheck()
    header = [*columns, *prediction_columns(model.untrained_heads)]
    engine = engine_for(args, model)
    try:
        with (
            RowWriter(args.out, header, integers=integers) as out,
            tqdm(total=rows, unit=" rows", disable=args.no_progress, file=sys.stderr, desc="scoring") as bar,
        ):
            work = partial(score_chunk, columns=columns, batch_size=args.batch_size, renderer=out.renderer)
            chunks = read_batches(inputs, args.chunk_rows, None, pieces=False)
            for label, outcomes, rendered in engine.map(work, chunks):
                keep = []  # per scored row: written unless its id repeats an earlier row's
                for outcome in outcomes:
                    if not isinstance(outcome, RowError):
                        outcome = check_id(label, *outcome)
                        keep.append(outcome is None)
                    if isinstance(outcome, RowError):
                        bar.write(str(outcome), file=sys.stderr)
                        reasons[outcome.kind] += 1
                out.write_rendered(rendered, keep)
                scored += sum(keep)
                bar.update(len(outcomes))
    except UnusableInput as exc:
        raise CommandError(str(exc)) from None
    finally:
        engine.close()
    skipped = sum(reasons.values())
    detail = (
        f" ({', '.join(f'{kind} {n}' for kind, n in sorted(reasons.items()))}; listed above)"
        if skipped
        else ""
    )
    print(
        f"{args.input}: {scored} rows scored, {skipped} bad rows skipped{detail}; wrote {args.out}",
        file=sys.stderr,
    )
    return 1 if skipped else 0


def _scan(paths: list[str]) -> tuple[list[str], int, set[str]]:
    """The inputs' columns in order (CSV header; JSON Lines: keys in order of first appearance; Parquet:
    its schema), an upper bound of their rows for the progress bar, and the columns a Parquet input
    stores as integers (kept integral in Parquet output)."""
    from cli import CommandError
    from cxtext.io.formats import file_format

    columns: dict[str, None] = {}
    rows, integers = 0, set()
    for path in paths:
        try:
            if file_format(path) == "parquet":
                import pyarrow.parquet as pq

                from cxtext.io.parquet import integer_columns

                columns.update(dict.fromkeys(pq.read_schema(path).names))
                rows += pq.ParquetFile(path).metadata.num_rows
                integers |= integer_columns(path)
            else:
                names, count = _scan_text(path)
                columns.update(dict.fromkeys(names))
                rows += count
        except FileNotFoundError:
            raise CommandError(f"{path}: file not found") from None
        except (OSError, csv.Error, EOFError, ValueError) as exc:
            raise CommandError(
                f"{path}: cannot read: {str(exc).splitlines()[0] if str(exc) else exc}"
            ) from None
    return list(columns), rows, integers


def _scan_text(path: str) -> tuple[list[str], int]:
    import io

    from cxtext.io.formats import file_format, open_binary

    with (
        open_binary(path) as raw,
        io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="") as stream,
    ):
        if file_format(path) == "csv":
            reader = csv.reader(stream)
            header = [name.strip() for name in next(reader, [])]
            rows = 0
            try:
                for cells in reader:
                    rows += bool(cells)
            except csv.Error:
                pass  # reported with its row number when the rows are read
            return header, rows
        keys: dict[str, None] = {}
        rows = 0
        for line in stream:
            if not line.strip():
                continue
            rows += 1
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue  # reported with its line number when the rows are read
            if isinstance(obj, dict):
                keys.update(dict.fromkeys(obj))
        return list(keys), rows
