"""`cxtext score`: add a model's predictions to every row of a CSV or JSON Lines file, streaming.

Output = every input column, in input order, then the prediction columns `pred_lang`, `pred_sentiment`,
`pred_drivers`, `pred_driver_sentiment`, `pred_driver_confidence`, `pred_nps_category`,
`churn_probability`, `churn_band` (see `cxtext.analysis.frame.prediction_cells`). Predictions never go
into the input's label columns, so a given label is never overwritten and `cxtext drivers` can tell
labels from predictions. Label cells are written in the data contract's canonical form (as the loader
reads them: `9.0` → `9`, drivers in taxonomy order, an empty `nps_category` next to a score filled from it).

Memory stays flat: rows are read, classified and written `--batch-size` at a time. Bad rows are listed
as `file:row: reason` on stderr and counted at the end, never dropped silently. Exit status: 0 every row
scored, 1 some rows skipped (listed), 2 unusable input or model.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import IO


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "score",
        help="add predictions to every row of a CSV/JSONL file",
        description="Classify every row of a CSV or JSON Lines file and write it back with prediction "
        "columns added; streams in batches with bounded memory.",
    )
    parser.add_argument("--model", metavar="DIR", help="model folder (default: models/default)")
    parser.add_argument("--in", dest="input", required=True, metavar="FILE", help=".csv / .jsonl (.gz)")
    parser.add_argument(
        "--out", required=True, metavar="FILE", help=".csv / .jsonl (.gz); format by extension"
    )
    parser.add_argument("--batch-size", type=int, default=512, metavar="N", help="rows per model call")
    parser.add_argument(
        "--replace",
        action="store_true",
        help="allow an input that already has prediction columns (re-scoring)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    return parser


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from cxtext.analysis.frame import PRED_COLUMNS, prediction_cells, prediction_columns
    from cxtext.cli import CommandError
    from cxtext.io.records import iter_records
    from cxtext.paths import models_dir
    from cxtext.schema import record_to_row
    from models.artifact import ArtifactError, load_artifact

    if args.batch_size < 1:
        raise CommandError("--batch-size must be at least 1")
    for path in (args.input, args.out):
        if _format(path) is None:
            raise CommandError(f"{path}: expected .csv, .jsonl, .ndjson or .json (optionally .gz)")
    if Path(args.input).resolve() == Path(args.out).resolve():
        raise CommandError("--out must not be the input file")
    try:
        columns, rows = _scan(args.input)
    except (OSError, csv.Error, EOFError) as exc:
        raise CommandError(f"{args.input}: cannot read: {exc}") from None
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
    target = Path(args.out)
    partial = target.with_name(f".partial-{target.name}")
    try:
        with (
            _open_text(partial, "w") as out,
            tqdm(total=rows, unit=" rows", disable=args.no_progress, file=sys.stderr, desc="scoring") as bar,
        ):
            write = _writer(out, _format(args.out), [*columns, *prediction_columns(model.untrained_heads)])
            for batch in iter_records(
                args.input, strict=False, taxonomy=model.taxonomy_, batch_size=args.batch_size
            ):
                for error in batch.errors:
                    if error.row is None:
                        raise CommandError(str(error))
                    bar.write(str(error), file=sys.stderr)
                    reasons[error.kind] += 1
                if batch.records:
                    results = model.classify(
                        [r.text for r in batch.records], [r.lang for r in batch.records], explain=False
                    )
                    for record, result in zip(batch.records, results, strict=True):
                        cells = record_to_row(record, model.taxonomy_)
                        write({**{c: cells.get(c, "") for c in columns}, **prediction_cells(result)})
                    scored += len(batch.records)
                bar.update(len(batch.records) + len(batch.errors))
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
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


def _format(path: str | os.PathLike[str]) -> str | None:
    name = os.fspath(path).lower().removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return None


def _open_text(path: str | os.PathLike[str], mode: str) -> IO[str]:
    """A text stream on `path` ("r" or "w"), gzip by extension; the caller closes it (`with`)."""
    gz = os.fspath(path).lower().endswith(".gz")
    raw = gzip.open(path, mode + "b") if gz else open(path, mode + "b")  # noqa: SIM115
    encoding = "utf-8-sig" if mode == "r" else "utf-8"
    return io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")


def _scan(path: str) -> tuple[list[str], int]:
    """The input's columns in order (CSV header; JSON Lines: keys in order of first appearance) and an upper
    bound of its rows, for the progress bar and for a CSV header that holds every JSON key."""
    with _open_text(path, "r") as stream:
        if _format(path) == "csv":
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


def _writer(out: IO[str], fmt: str | None, header: list[str]):
    """A function writing one row dict; CSV gets the header first."""
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=header, restval="", lineterminator="\n")
        writer.writeheader()
        return writer.writerow

    def write_json(row: dict[str, str]) -> None:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")

    return write_json
