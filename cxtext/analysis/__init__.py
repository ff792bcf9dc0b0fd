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
from cxtext.analysis.cells import cell_table
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
from cxtext.analysis.quotes import select_quotes
from cxtext.analysis.rounding import num, ratio
from cxtext.analysis.segments import segments as segment_breakdown
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
    "frame_from_records",
    "nps_base",
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
    min_quote_confidence: float = 0.6,
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
    use_scores = uses_scores(frame, nps_source)
    filled: dict[str, int] = {}
    if model is not None:
        # imported here so that analysing labelled or scored files never loads the text and model stack
        from cxtext.analysis.predict import fill_predictions

        frame, filled = fill_predictions(frame, model, categories=not use_scores, progress=progress)

    base = nps_base(frame, use_scores)
    known = frame.drivers_source != NONE
    base_cells = cell_table(frame.state[base & known], frame.category[base & known])
    rng = np.random.default_rng(seed)
    drivers = driver_statistics(
        frame, base_cells, confidence=confidence, replicates=bootstrap, rng=rng, min_n=min_n
    )
    key_drivers = key_driver_weights(base_cells, frame.drivers)
    lengths = np.fromiter(map(len, frame.text), dtype=np.int64, count=len(frame))
    chosen = select_quotes(frame, lengths, limit=quotes, min_confidence=min_quote_confidence)
    for name, stats in drivers.items():
        driver = taxonomy.get(name)
        stats["label_en"] = driver.label_en if driver else name
        stats["label_fa"] = driver.label_fa if driver else name
        stats["weight"] = key_drivers["drivers"][name]
        stats["weights"] = {
            item["sentiment"]: item["share"] for item in key_drivers["indicators"] if item["driver"] == name
        }
        stats["quotes"] = chosen[name]

    warnings = list(frame.warnings)
    warnings += _coverage_warnings(frame, base, known, use_scores, model is not None)
    warnings += _ubiquity_warnings(drivers, int(base_cells.count.sum()))
    has_dates = bool((~np.isnat(frame.date)).any())
    segments = segment_breakdown(frame, base, confidence=confidence, min_n=min_n)
    warnings += _small_segment_warnings(segments, min_n)
    trend = trends(frame, base, period, confidence=confidence, min_n=min_n) if has_dates else None
    warnings += trend_warnings(frame, trend)
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_by": f"cxtext {cxtext.__version__}",
        "n": len(frame),
        "nps": _nps_section(frame, base, use_scores, confidence, min_n),
        "scores": _scores_section(frame, confidence),
        "sentiment": _sentiment_section(frame),
        "churn": _churn_section(frame),
        "drivers": drivers,
        "key_drivers": key_drivers,
        "trends": trend,
        "segments": segments,
        "coverage": {
            "drivers_known": int(known.sum()),
            "driver_sources": _source_counts(frame.drivers_source),
            "driver_base": int((base & known).sum()),
            "predicted": filled,
        },
        "settings": {
            "nps_source": nps_source,
            "confidence": confidence,
            "min_n": min_n,
            "bootstrap": bootstrap,
            "seed": seed,
            "period": period,
            "date_column": date_column,
            "segments": list(frame.segments),
            "churn_bands": {
                "low": f"< {CHURN_LOW}",
                "medium": f"{CHURN_LOW} to < {CHURN_HIGH}",
                "high": f">= {CHURN_HIGH}",
            },
            "min_quote_confidence": min_quote_confidence,
        },
        "warnings": warnings,
    }


def uses_scores(frame: Frame, nps_source: str) -> bool:
    """Whether NPS is read from scores (`nps_source` "score", or "auto" and any response has one)."""
    return nps_source == "score" or (nps_source == "auto" and bool((frame.category_source == SCORE).any()))


def nps_base(frame: Frame, use_scores: bool) -> np.ndarray:
    """The responses NPS counts: those with a score, or with any known category (see the module doc)."""
    return frame.category_source == SCORE if use_scores else frame.category >= 0


def _source_counts(source: np.ndarray) -> dict[str, int]:
    counts = np.bincount(source, minlength=len(SOURCES))
    return {name: int(counts[code]) for code, name in enumerate(SOURCES) if counts[code]}


def _nps_section(frame: Frame, base: np.ndarray, use_scores: bool, confidence: float, min_n: int) -> dict:
    category = frame.category[base]
    promoters, passives, detractors = (int((category == c).sum()) for c in (PROMOTER, PASSIVE, DETRACTOR))
    n = int(base.sum())
    low, high = nps_interval(promoters, detractors, n, confidence)
    sources = _source_counts(frame.category_source[base])
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
        "excluded": len(frame) - n,
        "small": n < min_n,
    }


def _scores_section(frame: Frame, confidence: float) -> dict[str, dict]:
    """Mean score per scale; for 1-5 (CSAT-style) scales also the top-2-box share (4 or 5)."""
    out: dict[str, dict] = {}
    for code, scale in enumerate(frame.scale.levels):
        values = frame.score[(frame.scale.codes == code) & ~np.isnan(frame.score)]
        if not scale or len(values) == 0:
            continue
        mean, low, high = mean_interval(values, confidence)
        entry = {"n": len(values), "mean": num(mean, 3), "ci_low": num(low, 3), "ci_high": num(high, 3)}
        if scale == "1-5":
            satisfied = int((values >= 4).sum())
            csat_low, csat_high = wilson_interval(satisfied, len(values), confidence)
            entry["csat"] = ratio(satisfied, len(values))
            entry["csat_ci"] = [num(csat_low, 4), num(csat_high, 4)]
        out[scale] = entry
    return dict(sorted(out.items()))


def _sentiment_section(frame: Frame) -> dict:
    counts = np.bincount(frame.sentiment + 1, minlength=len(SENTIMENTS) + 1)
    return {
        **{name: int(counts[code + 1]) for code, name in enumerate(SENTIMENTS)},
        "unknown": int(counts[0]),
        "sources": _source_counts(frame.sentiment_source),
    }


def _churn_section(frame: Frame) -> dict:
    known = ~np.isnan(frame.churn)
    probability = frame.churn[known]
    return {
        "n": int(known.sum()),
        "mean": num(float(probability.mean()), 4) if len(probability) else None,
        "bands": {
            "low": int((probability < CHURN_LOW).sum()),
            "medium": int(((probability >= CHURN_LOW) & (probability < CHURN_HIGH)).sum()),
            "high": int((probability >= CHURN_HIGH).sum()),
        },
        "high_risk": int((probability >= CHURN_HIGH).sum()),
        "sources": _source_counts(frame.churn_source),
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
    frame: Frame, base: np.ndarray, known: np.ndarray, use_scores: bool, has_model: bool
) -> list[str]:
    """Plain statements of what could not be measured, so a reader knows what the numbers leave out."""
    out = []
    n = len(frame)
    if n and not base.any():
        out.append("no response has an NPS score or category: NPS and impact are undefined")
    elif use_scores and base.sum() < n:
        out.append(f"NPS uses the {int(base.sum())} of {n} responses that have a score; the others have none")
    if not known.all():
        hint = "" if has_model else " (give a model to predict them)"
        out.append(f"{int((~known).sum())} of {n} responses have no driver labels{hint}")
    if (frame.category_source[base] == PREDICTED).any():
        out.append("NPS categories were predicted from text, not measured: read NPS as an estimate")
    return out
