"""`cxtext themes`: discover themes in feedback files, flag what is new, and export a theme for training.

Exit status: 0 every row was read, 1 some rows were skipped (listed), 2 unusable input (missing file, too
few comments for themes, bad option or model folder).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys


def _date(text: str) -> dt.date:
    """A day the analysis reads as a date (the years of its trends), so the period before it exists."""
    from cxtext.analysis.frame import MAX_YEAR, MIN_YEAR

    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise argparse.ArgumentTypeError(f"{text!r} is not between {MIN_YEAR}-01-01 and {MAX_YEAR}-12-31")
    return day


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "themes",
        help="discover themes beyond the drivers, flag emerging ones",
        description="Group comments (each language on its own) into themes named by their distinctive "
        "phrases, with size, sentiment mix, NPS impact with interval, trend, quotes, the known driver a "
        "theme matches, and with --since the themes whose share grew against the previous period.",
    )
    parser.add_argument("--data", nargs="+", required=True, metavar="FILE", help=".csv / .jsonl (.gz)")
    parser.add_argument(
        "--model", metavar="DIR", help="model folder to predict missing sentiment, NPS, drivers"
    )
    parser.add_argument("--out", required=True, metavar="JSON", help="write the themes here")
    parser.add_argument("--assignments", metavar="CSV", help="write each row's theme (or none) here")
    parser.add_argument("--since", type=_date, metavar="DATE", help="flag themes that grew from this day on")
    parser.add_argument(
        "--until", type=_date, metavar="DATE", help="end of the --since period (default: last date)"
    )
    parser.add_argument("--themes", type=int, metavar="N", help="themes per language (default: n^0.25, 3-20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the factorisation and bootstrap")
    parser.add_argument("--period", default="week", choices=("day", "week", "month"), help="trend period")
    parser.add_argument("--date-column", default="date", metavar="COL", help="column with ISO dates")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap replicates")
    parser.add_argument(
        "--min-n", type=int, default=30, metavar="N", help="themes below N NPS responses are flagged"
    )
    parser.add_argument("--quotes", type=int, default=3, metavar="N", help="quotes per theme")
    parser.add_argument("--html", metavar="OUT", help="also write an HTML report of the themes")
    parser.add_argument(
        "--promote", metavar="THEME", help="export this theme (e.g. en-3) as labelled examples"
    )
    parser.add_argument("--topic", metavar="NAME", help="custom topic name the promoted theme becomes")
    parser.add_argument("--examples", metavar="CSV", help="where --promote writes its examples")
    parser.add_argument("--taxonomy", metavar="JSON", help="custom topics config (default: $CXTEXT_TAXONOMY)")
    return parser


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from cli import CommandError, checked_options, model_and_taxonomy
    from cxtext.analysis import FrameBuilder, uses_scores
    from cxtext.analysis.themes import ThemeError, find_themes
    from cxtext.analysis.themes.promote import (
        PromotionError,
        promoted_taxonomy,
        promotion_records,
        topic_config,
    )
    from cxtext.io.records import iter_records, write_records

    if args.promote and not (args.topic and args.examples):
        raise CommandError("--promote needs --topic NAME and --examples CSV")
    if args.themes is not None and args.themes < 2:
        raise CommandError("--themes must be at least 2")
    options = checked_options(args)
    model, taxonomy = model_and_taxonomy(args.model, args.taxonomy)

    builder = FrameBuilder(taxonomy, date_column=args.date_column)
    skipped = 0
    for path in args.data:
        for batch in iter_records(path, strict=False, taxonomy=taxonomy, batch_size=10_000):
            for error in batch.errors:
                if error.row is None:
                    raise CommandError(str(error))
                print(str(error), file=sys.stderr)
            skipped += len(batch.errors)
            builder.add(batch.records)
    frame = builder.build()
    if model is not None:
        from cxtext.analysis.predict import fill_predictions

        frame, _ = fill_predictions(frame, model, categories=not uses_scores(frame, "auto"))
    try:
        result, assignments = find_themes(
            frame, n_themes=args.themes, since=args.since, until=args.until, **options
        )
    except ThemeError as exc:
        raise CommandError(f"{', '.join(args.data)}: {exc}") from None
    result["inputs"] = {"files": list(args.data), "skipped_rows": skipped}
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written = [args.out]
    if args.assignments:
        _write_assignments(args.assignments, assignments)
        written.append(args.assignments)
    if args.html:
        from cxtext.analysis.report import render_themes_page

        Path(args.html).write_text(render_themes_page(result, title="Theme report"), encoding="utf-8")
        written.append(args.html)
    if args.promote:
        try:
            records = promotion_records(frame, assignments, args.promote, args.topic, taxonomy)
        except PromotionError as exc:
            raise CommandError(f"--promote {args.promote} --topic {args.topic}: {exc}") from None
        write_records(args.examples, records, taxonomy=promoted_taxonomy(taxonomy, args.topic))
        sidecar = Path(args.examples + ".labels.json")
        sidecar.write_text(json.dumps({"empty_drivers": "none-mentioned"}) + "\n", encoding="utf-8")
        config = Path(args.examples).with_suffix(".taxonomy.json")
        config.write_text(
            json.dumps({"topics": [topic_config(args.topic)]}, ensure_ascii=False, indent=2) + "\n", "utf-8"
        )
        written += [args.examples, str(sidecar), str(config)]
    _summary(result, skipped, written)
    return 1 if skipped else 0


def _write_assignments(path: str, assignments: list[dict]) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["row", "id", "lang", "theme", "themes", "weight"])
        for a in assignments:
            writer.writerow(
                [a["row"], a["id"] or "", a["lang"], a["theme"] or "", ";".join(a["themes"]),
                 "" if a["weight"] is None else a["weight"]]
            )  # fmt: skip


def _summary(result: dict, skipped: int, written: list[str]) -> None:
    lines = [f"{result['n']} comments" + (f", {skipped} bad rows skipped (listed above)" if skipped else "")]
    for theme in result["themes"]:
        flags = " ".join(
            flag
            for flag, on in (
                ("NEW", theme["emerging"] and theme["emerging"]["new"]),
                ("EMERGING", theme["emerging"] and theme["emerging"]["emerging"]),
                (f"= {theme['known_driver']}", theme["known_driver"]),
            )
            if on
        )
        lines.append(f"  {theme['id']:<7} {theme['size']:>6}  {theme['name']}  {flags}".rstrip())
    lines += result["warnings"]
    lines += [f"wrote {path}" for path in written]
    print("\n".join(lines), file=sys.stderr)
