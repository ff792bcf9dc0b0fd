"""Breakdown by segment columns (channel, product, region, touchpoint, or `source`/`lang`).

Values are listed by number of responses, largest first; rows without a value form their own
"(missing)" group rather than disappearing, and small groups are flagged, not hidden.
"""

from __future__ import annotations

import numpy as np

from cxtext.analysis.frame import Frame
from cxtext.analysis.groups import breakdown


def segments(frame: Frame, base: np.ndarray, *, confidence: float, min_n: int) -> dict[str, list[dict]]:
    """The `segments` section: for each segment column, one entry per value."""
    out: dict[str, list[dict]] = {}
    for name, column in frame.segments.items():
        groups, _ = breakdown(
            frame, base, column.codes, len(column.levels), confidence=confidence, min_n=min_n
        )
        entries = [{"value": value, **group} for value, group in zip(column.levels, groups, strict=True)]
        entries.sort(key=lambda entry: (-entry["n"], entry["value"]))
        out[name] = entries
    return out
