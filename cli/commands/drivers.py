"""`cxtext drivers`: the driver analysis of feedback files, as JSON and as a self-contained HTML report.

Input files are labelled, scored (`cxtext score` output) or raw; given labels are used as they are and,
with `--model`, what is missing is predicted. Bad rows are listed as `file:row: reason` on stderr and
counted in the summary. Exit status: 0 every row was analysed, 1 some rows were skipped (listed),
2 unusable input (missing file, no `text` column, bad model folder or option).
"""

from __future__ import annotations

import argparse
import sys

from cli.commands.engine_options import add_engine_arguments

MERGE_AT = 64  # chunk summaries merged at once: few sorts of the growing total, little memory held


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "drivers",
        help="which drivers move NPS and churn: JSON and HTML report",
        description="Analyse feedback files: NPS with its interval, each driver's mentions, sentiment mix, "
        "NPS impact (leave-one-out, bootstrap interval), key-driver weight and churn risk, trends and "
        "segment breakdowns, representative quotes.",
    )
    parser.add_argument(
        "--in",
        dest="inputs",
        nargs="+",
        required=True,
        metavar="FILE",
        help=".csv / .jsonl (.gz) / .parquet, or directories or globs of .parquet files",
    )
    parser.add_argument(
        "--model", metavar="DIR", help="model folder to predict missing labels (default: none)"
    )
    parser.add_argument(
        "--segment", action="append", default=[], metavar="COL", help="break down by this column (repeatable)"
    )
    parser.add_argument("--period", default="week", choices=("day", "week", "month"), help="trend period")
    parser.add_argument(
        "--date-column", default="date", metavar="COL", help="column with ISO dates (default: date)"
    )
    parser.add_argument(
        "--nps-source",
        default="auto",
        choices=("auto", "score", "category"),
        help="auto: scores when any response has one, else categories (default)",
    )
    parser.add_argument(
        "--min-n", type=int, default=30, metavar="N", help="groups below N NPS responses are flagged"
    )
    parser.add_argument("--confidence", type=float, default=0.95, help="interval level (default 0.95)")
    parser.add_argument(
        "--bootstrap", type=int, default=1000, metavar="N", help="bootstrap replicates (default 1000)"
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument("--quotes", type=int, default=3, metavar="N", help="quotes per driver and polarity")
    parser.add_argument(
        "--json", metavar="OUT", help="write the analysis as JSON (default: stdout if no --html)"
    )
    parser.add_argument("--html", metavar="OUT", help="write the HTML report")
    parser.add_argument("--title", default="Driver analysis", help="report title")
    parser.add_argument(
        "--themes", action="store_true", help="add a themes section to the HTML report (see `cxtext themes`)"
    )
    parser.add_argument(
        "--lang", choices=("en", "fa"), default="en", help="language of the HTML report (fa: right to left)"
    )
    parser.add_argument("--taxonomy", metavar="JSON", help="custom topics config (default: $CXTEXT_TAXONOMY)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_engine_arguments(parser, chunk_rows=20_000)
    return parser


def run(args: argparse.Namespace) -> int:
    import json
    from collections import deque
    from datetime import UTC, datetime
    from functools import partial
    from pathlib import Path

    from tqdm import tqdm

    from cli import CommandError, checked_options, model_and_taxonomy
    from cli.commands.engine_options import engine_for
    from cxtext.analysis import FrameBuilder, analyze_summary
    from cxtext.analysis.frame import PRED_COLUMNS
    from cxtext.analysis.quotes import MIN_QUOTE_CONFIDENCE
    from cxtext.analysis.report import render_html
    from cxtext.analysis.summary import merge
    from cxtext.batch.chunks import DigestCheck, UnusableInput, duplicate_id, expand_inputs, read_batches
    from cxtext.batch.frames import SummarySettings, summarize_part, summary_chunk
    from cxtext.schema import COLUMNS

    options = checked_options(args)
    model, taxonomy = model_and_taxonomy(args.model, args.taxonomy)

    settings = SummarySettings(
        taxonomy,
        args.date_column,
        tuple(args.segment),
        options["quotes"],
        MIN_QUOTE_CONFIDENCE,
        options["nps_source"],
        keep_rows=args.themes,
    )
    builder = FrameBuilder(taxonomy, date_column=args.date_column, segments=args.segment)
    work = partial(summary_chunk, settings=settings)
    columns = {*COLUMNS, *PRED_COLUMNS, args.date_column, *args.segment}
    check_id = DigestCheck()
    skipped = 0
    # the summary of no rows, then each chunk's, merged MERGE_AT at a time
    summaries = [summarize_part(None, builder.part(), settings)]
    engine = engine_for(args, model)  # workers convert, predict (--model) and summarise their chunks
    try:
        with tqdm(desc="reading", unit=" rows", disable=args.no_progress, file=sys.stderr) as bar:
            sent: deque = deque()  # chunks submitted whose results have not come back, in order

            def chunks():
                for chunk in read_batches(expand_inputs(args.inputs), args.chunk_rows, columns):
                    sent.append(chunk)
                    yield chunk

            ended: set[str] = set()  # files whose rest is not read: an unreadable row group ends them
            for done in engine.map(work, chunks()):
                chunk = sent.popleft()
                if done.label in ended:
                    continue
                ended.update(e.file for e in done.errors if e.kind == "file")
                repeats = check_id.many(done.label, done.numbers, done.digests)
                duplicates = []
                if repeats:  # rare: the chunk is summarised again here, without those rows
                    rows = [int(done.numbers[i]) for i, _ in repeats]
                    done = work(model, chunk, drop=[i for i, _ in repeats])
                    duplicates = [
                        duplicate_id(done.label, row, record_id, first)
                        for row, record_id, (_, first) in zip(rows, done.dropped, repeats, strict=True)
                    ]
                for error in [*done.errors, *duplicates]:
                    bar.write(str(error), file=sys.stderr)
                skipped += len(done.errors) + len(duplicates)
                summaries.append(done.summary)
                if len(summaries) >= MERGE_AT:
                    summaries = [merge(summaries)]
                if done.part is not None:
                    builder.absorb(done.part)
                bar.update(len(done.errors) + len(done.numbers) + len(duplicates))
    except UnusableInput as exc:
        raise CommandError(str(exc)) from None
    finally:
        engine.close()

    report_options = {name: value for name, value in options.items() if name != "quotes"}  # quotes: picked
    result = analyze_summary(
        merge(summaries), taxonomy=taxonomy, has_model=model is not None, **report_options
    )
    result["inputs"] = {"files": list(args.inputs), "skipped_rows": skipped}

    text = json.dumps(result, ensure_ascii=False, indent=2) + "\n"
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    elif not args.html:
        sys.stdout.write(text)
    if args.html:
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        html = render_html(
            result,
            title=args.title,
            inputs=[Path(p).name for p in args.inputs],
            generated_at=stamp,
            themes=_themes(builder.build(), options) if args.themes else None,
            lang=args.lang,
        )
        Path(args.html).write_text(html, encoding="utf-8")
    _summary(result, skipped, [p for p in (args.json, args.html) if p])
    return 1 if skipped else 0


def _themes(frame, options: dict[str, object]) -> dict | None:
    """The themes of the same rows (their given and `pred_*` labels) with the report's analysis options,
    or None with the reason on stderr."""
    from cxtext.analysis.themes import ThemeError, find_themes

    try:
        return find_themes(frame, **options)[0]
    except ThemeError as exc:
        print(f"no themes section: {exc}", file=sys.stderr)
        return None


def _summary(result: dict, skipped: int, written: list[str]) -> None:
    """A few lines on stderr: the headline numbers, skipped rows and the files written."""
    nps = result["nps"]
    lines = [
        f"{result['n']} responses analysed"
        + (f", {skipped} bad rows skipped (listed above)" if skipped else "")
    ]
    if nps["value"] is not None:
        lines.append(
            f"NPS {nps['value']:+.1f} [{nps['ci_low']:+.1f}, {nps['ci_high']:+.1f}] from {nps['n']} responses ({nps['source']})"
        )
    ranked = sorted(
        ((name, d) for name, d in result["drivers"].items() if d["impact"] is not None),
        key=lambda item: item[1]["impact"],
    )
    for name, d in ranked:
        flag = " (small sample)" if d["small"] else ""
        lines.append(f"  {name:<12} impact {d['impact']:+6.1f}  mentions {d['mentions']}{flag}")
    lines += [f"wrote {path}" for path in written]
    print("\n".join(lines), file=sys.stderr)
