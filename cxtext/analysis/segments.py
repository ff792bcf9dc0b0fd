"""Breakdown by segment columns (channel, product, region, touchpoint, or `source`/`lang`).

Values are listed by number of responses, largest first; rows without a value form their own
"(missing)" group rather than disappearing, and small groups are flagged, not hidden.
"""

from __future__ import annotations

from cxtext.analysis.groups import breakdown
from cxtext.analysis.summary import Summary, nps_rows


def segments(summary: Summary, use_scores: bool, *, confidence: float, min_n: int) -> dict[str, list[dict]]:
    """The `segments` section: for each segment column, one entry per value."""
    out: dict[str, list[dict]] = {}
    for name, (levels, tally) in summary.segments.items():
        groups, _ = breakdown(
            tally, nps_rows(tally, use_scores), tally.group, len(levels), summary.drivers,
            confidence=confidence, min_n=min_n,
        )  # fmt: skip
        entries = [{"value": value, **group} for value, group in zip(levels, groups, strict=True)]
        entries.sort(key=lambda entry: (-entry["n"], entry["value"]))
        out[name] = entries
    return out
