"""Driver analysis: which drivers move NPS and churn, by how much, where and since when.

`analyze(records_or_frame, ...)` returns the JSON-ready dict that `cxtext drivers` writes and the HTML
report renders; its keys are documented in README ("Driver analysis"). Pure functions, no I/O.

Which responses count where:
- NPS uses the responses that have an NPS category. With `nps_source="auto"` that is the responses
  with a score when any response has one (`source: "score"`), otherwise the given or predicted
  categories (`source: "label"` or `"predicted"`); mixing measured scores with model guesses would
  make a number nobody can interpret.
- Driver mentions and shares use every response whose drivers are known (given or predicted).
- Driver NPS, impact and key-driver weights use the responses that have both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

import cxtext
from cxtext.analysis.drivers import driver_statistics
from cxtext.analysis.frame import (
    DETRACTOR,
    NONE,
    PASSIVE,
    PREDICTED,
    PROMOTER,
    SCORE,
    SOURCES,
    Frame,
    FrameBuilder,
    frame_from_records,
)
from cxtext.analysis.keydrivers import key_driver_weights
from cxtext.analysis.nps import mean_interval, nps, nps_interval, wilson_interval
from cxtext.analysis.options import NPS_SOURCES, analysis_options
from cxtext.analysis.quotes import MIN_QUOTE_CONFIDENCE, quote_entries
from cxtext.analysis.rounding import num, ratio
from cxtext.analysis.segments import segments as segment_breakdown
from cxtext.analysis.summary import NO_DATE, Summary, Tally, exact_mean, nps_cells, nps_rows, summarize
from cxtext.analysis.trends import PERIODS, trend_warnings, trends
from cxtext.churn import HIGH as CHURN_HIGH
from cxtext.churn import LOW as CHURN_LOW
from cxtext.schema import SENTIMENTS, Record
from cxtext.taxonomy import Taxonomy

if TYPE_CHECKING:
    from cxtext.model import FeedbackModel

__all__ = [
    "NPS_SOURCES",
    "PERIODS",
    "Frame",
    "FrameBuilder",
    "analysis_options",
    "analyze",
    "analyze_summary",
    "frame_from_records",
    "nps_base",
    "summarize",
    "uses_scores",
]

UBIQUITOUS = 0.8  # share of the NPS responses above which a driver's overall impact gets a warning
SCHEMA_VERSION = 1


def analyze(
    data: Frame | Iterable[Record],
    *,
    model: FeedbackModel | None = None,
    taxonomy: Taxonomy | None = None,
    period: str = "week",
    segments: Sequence[str] = (),
    date_column: str | None = "date",
    nps_source: str = "auto",
    confidence: float = 0.95,
    min_n: int = 30,
    bootstrap: int = 1000,
    seed: int = 0,
    quotes: int = 3,
    min_quote_confidence: float = MIN_QUOTE_CONFIDENCE,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """The full analysis of `data`: Records, or a Frame already built with its segments and dates (then
    `segments` and `date_column` are not used).

    `model` fills what the records lack (see `cxtext.analysis.predict`; `progress` is called with the
    number of texts classified per batch); without one, missing values stay unknown and the output says
    how many. `min_n` is the smallest number of NPS responses a group
    (driver, period, segment value) needs not to be flagged `small`. `bootstrap` replicates give the
    impact intervals; `seed` makes them reproducible.
    """
    if nps_source not in NPS_SOURCES:
        raise ValueError(f"unknown nps_source {nps_source!r} (known: {', '.join(NPS_SOURCES)})")
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r} (known: {', '.join(PERIODS)})")
    taxonomy = taxonomy or (model.taxonomy_ if model is not None else None) or Taxonomy.default()
    frame = (
        data
        if isinstance(data, Frame)
        else frame_from_records(data, taxonomy, date_column=date_column, segments=segments)
    )
    filled: dict[str, int] = {}
    if model is not None:
        # imported here so that analysing labelled or scored files never loads the text and model stack
        from cxtext.analysis.predict import fill_predictions

        categories = not uses_scores(frame, nps_source)
        frame, filled = fill_predictions(frame, model, categories=categories, progress=progress)
    summary = summarize(frame, quotes=quotes, min_quote_confidence=min_quote_confidence, predicted=filled)
    return analyze_summary(
        summary,
        taxonomy=taxonomy,
        period=period,
        nps_source=nps_source,
        confidence=confidence,
        min_n=min_n,
        bootstrap=bootstrap,
        seed=seed,
        has_model=model is not None,
    )


def analyze_summary(
    summary: Summary,
    *,
    taxonomy: Taxonomy,
    period: str = "week",
    nps_source: str = "auto",
    confidence: float = 0.95,
    min_n: int = 30,
    bootstrap: int = 1000,
    seed: int = 0,
    has_model: bool = False,
) -> dict:
    """The analysis (what `analyze` returns) from the partial statistics of all rows, however they were
    split and merged (`cxtext.analysis.summary`). `has_model`: a model filled what the rows lacked."""
    use_scores = summary.uses_scores(nps_source)
    tally = summary.overall
    base = nps_rows(tally, use_scores)
    known = tally.drivers_source != NONE
    base_cells = nps_cells(summary, use_scores)
    rng = np.random.default_rng(seed)
    drivers = driver_statistics(
        summary, base_cells, confidence=confidence, replicates=bootstrap, rng=rng, min_n=min_n
    )
    key_drivers = key_driver_weights(base_cells, summary.drivers)
    for name, stats in drivers.items():
        driver = taxonomy.get(name)
        stats["label_en"] = driver.label_en if driver else name
        stats["label_fa"] = driver.label_fa if driver else name
        stats["weight"] = key_drivers["drivers"][name]
        stats["weights"] = {
            item["sentiment"]: item["share"] for item in key_drivers["indicators"] if item["driver"] == name
        }
        stats["quotes"] = {kind: quote_entries(picked) for kind, picked in summary.quotes[name].items()}

    predicted = dict(summary.predicted)
    if use_scores and "nps_category" in predicted:
        predicted["nps_category"] = 0  # categories predicted for rows without a score are not used
    warnings = summary.notes.warnings()
    warnings += _coverage_warnings(summary, tally, base, known, use_scores, has_model)
    warnings += _ubiquity_warnings(drivers, int(base_cells.count.sum()))
    dates = summary.dates
    has_dates = bool((dates.group != NO_DATE).any())
    segments = segment_breakdown(summary, use_scores, confidence=confidence, min_n=min_n)
    warnings += _small_segment_warnings(segments, min_n)
    dated_base = nps_rows(dates, use_scores)
    trend = trends(summary, dated_base, period, confidence=confidence, min_n=min_n) if has_dates else None
    warnings += trend_warnings(summary, trend)
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_by": f"cxtext {cxtext.__version__}",
        "n": summary.n,
        "nps": _nps_section(summary, tally, base, use_scores, confidence, min_n),
        "scores": _scores_section(summary, confidence),
        "sentiment": _sentiment_section(summary),
        "churn": _churn_section(summary),
        "drivers": drivers,
        "key_drivers": key_drivers,
        "trends": trend,
        "segments": segments,
        "coverage": {
            "drivers_known": tally.weighted(known),
            "driver_sources": _source_counts(summary.drivers_sources),
            "driver_base": int(base_cells.count.sum()),
            "predicted": predicted,
        },
        "settings": {
            "nps_source": nps_source,
            "confidence": confidence,
            "min_n": min_n,
            "bootstrap": bootstrap,
            "seed": seed,
            "period": period,
            "date_column": summary.notes.date_column,
            "segments": list(summary.segments),
            "churn_bands": {
                "low": f"< {CHURN_LOW}",
                "medium": f"{CHURN_LOW} to < {CHURN_HIGH}",
                "high": f">= {CHURN_HIGH}",
            },
            "min_quote_confidence": summary.min_quote_confidence,
        },
        "warnings": warnings,
    }


def uses_scores(frame: Frame, nps_source: str) -> bool:
    """Whether NPS is read from scores (`nps_source` "score", or "auto" and any response has one)."""
    return nps_source == "score" or (nps_source == "auto" and bool((frame.category_source == SCORE).any()))


def nps_base(frame: Frame, use_scores: bool) -> np.ndarray:
    """The responses NPS counts: those with a score, or with any known category (see the module doc)."""
    return frame.category_source == SCORE if use_scores else frame.category >= 0


def _source_counts(counts: np.ndarray) -> dict[str, int]:
    """{source name: count} of the sources that occur, from counts by source code."""
    return {name: int(counts[code]) for code, name in enumerate(SOURCES) if counts[code]}


def _nps_section(
    summary: Summary, tally: Tally, base: np.ndarray, use_scores: bool, confidence: float, min_n: int
) -> dict:
    promoters, passives, detractors = (
        tally.weighted(base & (tally.category == c)) for c in (PROMOTER, PASSIVE, DETRACTOR)
    )
    n = tally.weighted(base)
    low, high = nps_interval(promoters, detractors, n, confidence)
    sources = tally.source_counts(base)
    source = "score" if use_scores else "predicted" if sources.get("predicted") else "label"
    return {
        "value": num(nps(promoters, detractors, n)),
        "ci_low": num(low),
        "ci_high": num(high),
        "n": n,
        "source": source,
        "sources": sources,
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
        "excluded": summary.n - n,
        "small": n < min_n,
    }


def _scores_section(summary: Summary, confidence: float) -> dict[str, dict]:
    """Mean score per scale; for 1-5 (CSAT-style) scales also the top-2-box share (4 or 5)."""
    out: dict[str, dict] = {}
    for scale, (values, counts) in summary.scores.items():
        n = int(counts.sum())
        mean, low, high = mean_interval(values, confidence, counts)
        entry = {"n": n, "mean": num(mean, 3), "ci_low": num(low, 3), "ci_high": num(high, 3)}
        if scale == "1-5":
            satisfied = int(counts[values >= 4].sum())
            csat_low, csat_high = wilson_interval(satisfied, n, confidence)
            entry["csat"] = ratio(satisfied, n)
            entry["csat_ci"] = [num(csat_low, 4), num(csat_high, 4)]
        out[scale] = entry
    return dict(sorted(out.items()))


def _sentiment_section(summary: Summary) -> dict:
    counts = summary.sentiment
    return {
        **{name: int(counts[code + 1]) for code, name in enumerate(SENTIMENTS)},
        "unknown": int(counts[0]),
        "sources": _source_counts(summary.sentiment_sources),
    }


def _churn_section(summary: Summary) -> dict:
    low, medium, high = (int(count) for count in summary.churn)
    n = low + medium + high
    return {
        "n": n,
        "mean": num(exact_mean(summary.churn_sum, n), 4) if n else None,
        "bands": {"low": low, "medium": medium, "high": high},
        "high_risk": high,
        "sources": _source_counts(summary.churn_sources),
    }


def _small_segment_warnings(segments: dict[str, list[dict]], min_n: int) -> list[str]:
    """Say in words which segment values are too small to compare (each entry is also `small: true`)."""
    out = []
    for name, entries in segments.items():
        small = [entry["value"] for entry in entries if entry["small"]]
        if small:
            shown = ", ".join(small[:5]) + (f" and {len(small) - 5} more" if len(small) > 5 else "")
            out.append(
                f"segment {name}: {len(small)} of {len(entries)} values have fewer than {min_n} NPS responses "
                f"({shown}): marked small, too few to compare"
            )
    return out


def _ubiquity_warnings(drivers: dict[str, dict], base_n: int) -> list[str]:
    """A driver in almost every response has an overall impact measured against the few without it,
    which are rarely a fair comparison; its negative and positive impacts say more."""
    return [
        f"{name} is mentioned in {stats['n_nps'] / base_n:.0%} of the NPS responses: its overall impact "
        "compares them with the few that do not mention it; read its negative and positive impacts instead"
        for name, stats in drivers.items()
        if base_n and stats["n_nps"] >= UBIQUITOUS * base_n
    ]


def _coverage_warnings(
    summary: Summary, tally: Tally, base: np.ndarray, known: np.ndarray, use_scores: bool, has_model: bool
) -> list[str]:
    """Plain statements of what could not be measured, so a reader knows what the numbers leave out."""
    out = []
    n = summary.n
    n_base = tally.weighted(base)
    if n and not n_base:
        out.append("no response has an NPS score or category: NPS and impact are undefined")
    elif use_scores and n_base < n:
        out.append(f"NPS uses the {n_base} of {n} responses that have a score; the others have none")
    n_known = tally.weighted(known)
    if n_known < n:
        hint = "" if has_model else " (give a model to predict them)"
        out.append(f"{n - n_known} of {n} responses have no driver labels{hint}")
    if tally.weighted(base & (tally.category_source == PREDICTED)):
        out.append("NPS categories were predicted from text, not measured: read NPS as an estimate")
    return out
