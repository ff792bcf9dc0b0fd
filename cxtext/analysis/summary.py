"""Mergeable partial statistics: everything the driver analysis reports, computed from a part of the rows
and added up over parts.

Why: the analysis of ten million rows must not hold ten million rows in one process (a text is ~100
bytes, a Dask client gathering them would need gigabytes). Every figure of `analyze` is a function of
  - responses counted by (date, NPS category and its source, drivers' source, every driver's state), and
    the same per segment value (`Tally`); a few hundred thousand distinct rows at most;
  - counts of sentiments, churn bands and score values, and exact sums of churn probabilities;
  - per driver and polarity, the best quote candidates of the part (`quotes.Candidate`): a part's best
    distinct texts include every text the whole picks (see `quotes.first_distinct`).
So a `Summary` is made per partition (a row group, a chunk, a Dask partition) and summaries are merged
(`merge`); the whole-frame analysis is the one-partition case. Sums are exact (integers, and churn
probabilities as integer multiples of 2**-172), so the result does not depend on how rows were split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from cxtext.analysis.cells import Cells, cell_table, distinct_rows
from cxtext.analysis.frame import ABSENT, MIN_YEAR, NONE, SCORE, SOURCES, Frame, Notes
from cxtext.analysis.quotes import KINDS, Candidate, merge_candidates, quote_candidates
from cxtext.churn import HIGH as CHURN_HIGH
from cxtext.churn import LOW as CHURN_LOW
from cxtext.schema import SENTIMENTS

# Tally groups of the date tally: days since this day (dates before MIN_YEAR are rejected when read);
# NO_DATE for a row without one.
DAY_ZERO = np.datetime64(f"{MIN_YEAR}-01-01", "D")
NO_DATE = -1
# Every float32 (churn probabilities are float32) is an integer multiple of 2**-_SHIFT: 2**-149 is the
# smallest subnormal, and its mantissa is counted in units of 2**-24 below.
_SHIFT = 149 + 24


@dataclass(frozen=True)
class Tally:
    """`count[c]` responses share group `group[c]` (a day or a segment value), NPS category and its source,
    drivers' source and driver states. Rows are distinct and sorted by those columns."""

    group: np.ndarray  # int64
    category: np.ndarray  # int8, -1 = unknown
    category_source: np.ndarray  # int8
    drivers_source: np.ndarray  # int8
    state: np.ndarray  # (C, K) int8
    count: np.ndarray  # int64

    @classmethod
    def of(
        cls,
        group: np.ndarray,
        category: np.ndarray,
        category_source: np.ndarray,
        drivers_source: np.ndarray,
        state: np.ndarray,
        count: np.ndarray | None = None,
    ) -> Tally:
        first, inverse = distinct_rows([group, category, category_source, drivers_source, *state.T])
        return cls(
            group[first].astype(np.int64),
            category[first],
            category_source[first],
            drivers_source[first],
            state[first],
            np.bincount(inverse, weights=count, minlength=len(first)).astype(np.int64),
        )

    def regroup(self, group: np.ndarray) -> Tally:
        """The same responses under new group codes (one per row), rows that now coincide added up."""
        return Tally.of(
            group, self.category, self.category_source, self.drivers_source, self.state, self.count
        )

    @staticmethod
    def concat(tallies: Sequence[Tally], groups: Sequence[np.ndarray]) -> Tally:
        """The tallies added up, the rows of tally i under the group codes `groups[i]` (one per row)."""
        return Tally.of(
            np.concatenate(groups),
            *(np.concatenate([getattr(t, name) for t in tallies]) for name in _TALLY_COLUMNS),
        )

    def weighted(self, rows: np.ndarray, values: np.ndarray | None = None) -> int:
        """How many responses the tally rows `rows` (a mask) stand for; with `values`, their weighted sum."""
        weights = self.count[rows] if values is None else self.count[rows] * values[rows]
        return int(weights.sum())

    def source_counts(self, rows: np.ndarray) -> dict[str, int]:
        counts = np.bincount(self.category_source[rows], weights=self.count[rows], minlength=len(SOURCES))
        return {name: int(counts[code]) for code, name in enumerate(SOURCES) if counts[code]}


_TALLY_COLUMNS = ("category", "category_source", "drivers_source", "state", "count")


@dataclass(frozen=True)
class Summary:
    """The partial statistics of some rows (see the module doc); `merge` adds two up."""

    drivers: tuple[str, ...]
    n: int
    dates: Tally  # group: days since DAY_ZERO, NO_DATE without a date
    segments: Mapping[str, tuple[tuple[str, ...], Tally]]  # name → (values, tally by value code)
    sentiment: np.ndarray  # (len(SENTIMENTS) + 1,) counts by sentiment code + 1
    sentiment_sources: np.ndarray  # (len(SOURCES),)
    drivers_sources: np.ndarray  # (len(SOURCES),)
    churn: np.ndarray  # (3,) low, medium, high band counts
    churn_sum: int  # exact sum of the known probabilities, in units of 2**-_SHIFT
    churn_sources: np.ndarray  # (len(SOURCES),)
    driver_churn: np.ndarray  # (2, K): per driver, responses with a known probability, and of them high risk
    driver_churn_sum: tuple[int, ...]  # (K,) exact sums, as `churn_sum`
    scores: Mapping[str, tuple[np.ndarray, np.ndarray]]  # scale → (distinct values, counts)
    quotes: Mapping[str, Mapping[str, list[Candidate]]]
    quote_limit: int
    min_quote_confidence: float
    predicted: Mapping[str, int] = field(default_factory=dict)  # cells a model filled, by column
    notes: Notes = field(default_factory=lambda: Notes(None))

    @cached_property
    def overall(self) -> Tally:
        """Every response in one group."""
        return self.dates.regroup(np.zeros(len(self.dates.count), dtype=np.int64))

    def uses_scores(self, nps_source: str) -> bool:
        """Whether NPS is read from scores (see `cxtext.analysis.uses_scores`)."""
        return nps_source == "score" or (
            nps_source == "auto" and bool((self.dates.category_source == SCORE).any())
        )


def nps_rows(tally: Tally, use_scores: bool) -> np.ndarray:
    """The tally rows NPS counts: with a score, or with any known category (see `cxtext.analysis`)."""
    return tally.category_source == SCORE if use_scores else tally.category >= 0


def nps_cells(summary: Summary, use_scores: bool) -> Cells:
    """The NPS responses whose drivers are known, as cells: what driver NPS, impact and key-driver
    weights are computed from."""
    tally = summary.overall
    rows = nps_rows(tally, use_scores) & (tally.drivers_source != NONE)
    return cell_table(tally.state[rows], tally.category[rows], count=tally.count[rows])


def summarize(
    frame: Frame, *, quotes: int, min_quote_confidence: float, predicted: Mapping[str, int] | None = None
) -> Summary:
    """The partial statistics of `frame`'s rows; `predicted` counts what a model filled in them."""
    k = len(frame.drivers)
    day = np.where(np.isnat(frame.date), NO_DATE, (frame.date - DAY_ZERO).astype(np.int64))
    labels = (frame.category, frame.category_source, frame.drivers_source, frame.state)
    churn_known = ~np.isnan(frame.churn)
    probability = frame.churn[churn_known]
    mentioned = (frame.state > ABSENT) & churn_known[:, None]
    rows, columns = np.nonzero(mentioned)
    high = frame.churn[rows] >= CHURN_HIGH
    lengths = np.fromiter(map(len, frame.text), dtype=np.int64, count=len(frame))
    return Summary(
        drivers=frame.drivers,
        n=len(frame),
        dates=Tally.of(day, *labels),
        segments={
            name: (column.levels, Tally.of(column.codes.astype(np.int64), *labels))
            for name, column in frame.segments.items()
        },
        sentiment=np.bincount(frame.sentiment + 1, minlength=len(SENTIMENTS) + 1),
        sentiment_sources=np.bincount(frame.sentiment_source, minlength=len(SOURCES)),
        drivers_sources=np.bincount(frame.drivers_source, minlength=len(SOURCES)),
        churn=np.array(
            [
                int((probability < CHURN_LOW).sum()),
                int(((probability >= CHURN_LOW) & (probability < CHURN_HIGH)).sum()),
                int((probability >= CHURN_HIGH).sum()),
            ]
        ),
        churn_sum=exact_sums(probability, np.zeros(len(probability), dtype=np.intp), 1)[0],
        churn_sources=np.bincount(frame.churn_source, minlength=len(SOURCES)),
        driver_churn=np.stack(
            [np.bincount(columns, minlength=k), np.bincount(columns[high], minlength=k)]
        ).astype(np.int64),
        driver_churn_sum=tuple(exact_sums(frame.churn[rows], columns, k)),
        scores=_score_counts(frame),
        quotes=quote_candidates(frame, lengths, limit=quotes, min_confidence=min_quote_confidence),
        quote_limit=quotes,
        min_quote_confidence=min_quote_confidence,
        predicted=dict(predicted or {}),
        notes=frame.notes,
    )


def merge(summaries: Sequence[Summary]) -> Summary:
    """The summary of the rows of `summaries` in order (made with the same settings). Many at once cost
    one `np.unique` per tally, where merging them two by two would re-sort the growing total each time."""
    first = summaries[0]
    segments = {}
    for name in first.segments:
        levels = tuple(dict.fromkeys(value for s in summaries for value in s.segments[name][0]))
        code = {value: i for i, value in enumerate(levels)}
        parts = [s.segments[name] for s in summaries]
        groups = [
            np.array([code[v] for v in part_levels], dtype=np.int64)[t.group] for part_levels, t in parts
        ]
        segments[name] = (levels, Tally.concat([t for _, t in parts], groups))

    def total(name: str) -> Any:  # counts of any shape, or exact integers
        return sum((getattr(s, name) for s in summaries[1:]), getattr(first, name))

    predicted: dict[str, int] = {}
    for s in summaries:
        predicted = {
            key: predicted.get(key, 0) + s.predicted.get(key, 0) for key in {**predicted, **s.predicted}
        }
    return Summary(
        drivers=first.drivers,
        n=total("n"),
        dates=Tally.concat([s.dates for s in summaries], [s.dates.group for s in summaries]),  # days in all
        segments=segments,
        sentiment=total("sentiment"),
        sentiment_sources=total("sentiment_sources"),
        drivers_sources=total("drivers_sources"),
        churn=total("churn"),
        churn_sum=total("churn_sum"),
        churn_sources=total("churn_sources"),
        driver_churn=total("driver_churn"),
        driver_churn_sum=tuple(
            sum(sums) for sums in zip(*(s.driver_churn_sum for s in summaries), strict=True)
        ),
        scores={
            scale: _add_histograms([s.scores[scale] for s in summaries if scale in s.scores])
            for scale in sorted({scale for s in summaries for scale in s.scores})
        },
        quotes={
            driver: {
                kind: merge_candidates([s.quotes[driver][kind] for s in summaries], first.quote_limit)
                for kind in KINDS
            }
            for driver in first.drivers
        },
        quote_limit=first.quote_limit,
        min_quote_confidence=first.min_quote_confidence,
        predicted=predicted,
        notes=sum((s.notes for s in summaries[1:]), first.notes),
    )


def exact_sums(values: np.ndarray, group: np.ndarray, n_groups: int) -> list[int]:
    """The exact sum of float32 `values` per group, in units of 2**-_SHIFT: sums of partitions add up to
    the sum of the whole whatever the split, which floating-point sums do not."""
    if len(values) == 0:
        return [0] * n_groups
    mantissa, exponent = np.frexp(values.astype(np.float64))
    integer = np.ldexp(mantissa, 24)  # exact: a float32 has a 24-bit mantissa
    low = int(exponent.min())
    span = int(exponent.max()) - low + 1
    # per (group, exponent) the integers add up exactly in float64 below 2**53 (2**29 rows of < 2**24)
    sums = np.bincount(group * span + (exponent - low), weights=integer, minlength=n_groups * span)
    out = []
    for g in range(n_groups):
        total = 0
        for e, value in enumerate(sums[g * span : (g + 1) * span].tolist()):
            if value:
                total += int(value) << (e + low - 24 + _SHIFT)
        out.append(total)
    return out


def exact_mean(total: int, n: int) -> float:
    """The mean of `n` values whose exact sum is `total` (from `exact_sums`), correctly rounded."""
    return float(Fraction(total, n << _SHIFT)) if n else float("nan")


def _score_counts(frame: Frame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each scale's distinct score values and how many responses gave each."""
    out = {}
    for code, scale in enumerate(frame.scale.levels):
        values = frame.score[(frame.scale.codes == code) & ~np.isnan(frame.score)]
        if scale and len(values):
            out[scale] = np.unique(values, return_counts=True)
    return out


def _add_histograms(parts: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    values, inverse = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)
    counts = np.bincount(inverse.reshape(-1), weights=np.concatenate([p[1] for p in parts]))
    return values, counts.astype(np.int64)
