"""NPS and driver mentions per day, week or month, with the change against the previous period.

Every calendar period between the first and the last date is listed, including empty ones (n = 0, NPS
null): a gap in the feedback is information, and a chart that silently joins March to May misleads.
Weeks start on Monday (ISO 8601) and are labelled by ISO week ("2024-W05"). A change is `significant`
when it exceeds sampling noise at the report's confidence level (two-sample z-test on NPS); it is null
when either period is small (fewer than `min_n` NPS responses, and never fewer than two): a z-test on a
handful of answers is not a finding, and one comment moving NPS by 200 points must not be flagged.
"""

from __future__ import annotations

import numpy as np

from cxtext.analysis.groups import breakdown
from cxtext.analysis.nps import change_is_significant, nps
from cxtext.analysis.rounding import num
from cxtext.analysis.summary import DAY_ZERO, NO_DATE, Summary

PERIODS: tuple[str, ...] = ("day", "week", "month")
MIN_TESTED = 2  # below this a change is never tested, whatever `min_n` a caller chose
# The longest trend listed, ending at the latest date: one mistyped year (1900 beside 2025) would otherwise
# list 45,000 days, tens of megabytes that no chart can show. Older dates are counted and a warning says so.
MAX_PERIODS = 1000


def period_codes(
    dates: np.ndarray, period: str, max_periods: int = MAX_PERIODS
) -> tuple[np.ndarray, list[np.datetime64]]:
    """Each row's period index (−1 without a date, or before the latest `max_periods` periods) and the
    start day of every period, first to last."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r} (known: {', '.join(PERIODS)})")
    valid = ~np.isnat(dates)
    if not valid.any():
        return np.full(len(dates), -1, dtype=np.intp), []
    if period == "month":
        key, step, unit = dates.astype("datetime64[M]").astype(np.int64), 1, "M"
    else:
        key, step, unit = dates.astype("datetime64[D]").astype(np.int64), 1, "D"
        if period == "week":
            key, step = key - (key + 3) % 7, 7  # day 0 (1970-01-01) was a Thursday
    last = int(key[valid].max())
    first = max(int(key[valid].min()), last - (max_periods - 1) * step)
    codes = np.where(valid & (key >= first), (key - first) // step, -1).astype(np.intp)
    starts = [
        np.datetime64(first + i * step, unit).astype("datetime64[D]")
        for i in range((last - first) // step + 1)
    ]
    return codes, starts


def period_label(start: np.datetime64, period: str) -> str:
    day = start.astype(object)
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return day.isoformat()


def trends(summary: Summary, base: np.ndarray, period: str, *, confidence: float, min_n: int) -> dict:
    """The `trends` section: one entry per period, oldest first; `base` marks the date tally's NPS rows."""
    tally = summary.dates
    days = np.where(tally.group == NO_DATE, np.datetime64("NaT"), DAY_ZERO + tally.group)
    codes, starts = period_codes(days.astype("datetime64[D]"), period)
    groups, totals = breakdown(
        tally, base, codes, len(starts), summary.drivers, confidence=confidence, min_n=min_n
    )
    values = nps(totals.promoters, totals.detractors, totals.n)
    counts = (totals.promoters, totals.detractors, totals.n)
    previous = tuple(np.concatenate([[0.0], c[:-1]]) for c in counts)
    significant = change_is_significant(previous, counts, confidence)
    testable = totals.n >= max(min_n, MIN_TESTED)
    periods = []
    for g, start in enumerate(starts):
        has_change = g > 0 and totals.n[g] > 0 and totals.n[g - 1] > 0
        tested = has_change and bool(testable[g] and testable[g - 1])
        periods.append(
            {
                "start": str(start),
                "label": period_label(start, period),
                **groups[g],
                "change": num(values[g] - values[g - 1]) if has_change else None,
                "change_significant": bool(significant[g]) if tested else None,
            }
        )
    return {"period": period, "dated": tally.weighted(codes >= 0), "periods": periods}


def trend_warnings(summary: Summary, trend: dict | None) -> list[str]:
    """Say how many dated items fall before the listed periods (see `MAX_PERIODS`)."""
    if trend is None:
        return []
    earlier = summary.dates.weighted(summary.dates.group != NO_DATE) - trend["dated"]
    if not earlier:
        return []
    return [
        f"the trend lists the latest {len(trend['periods']):,} {trend['period']}s (from "
        f"{trend['periods'][0]['start']}); {earlier:,} dated items are older: narrow the dates or choose "
        "a longer period to see them"
    ]
