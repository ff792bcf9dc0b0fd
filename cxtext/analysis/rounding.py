"""Numbers as the JSON output shows them: rounded for reading, null where a statistic is undefined."""

from __future__ import annotations

import math


def num(value: float | None, digits: int = 2) -> float | None:
    """`value` rounded, or None for a missing or NaN value (e.g. the NPS of an empty group)."""
    if value is None or math.isnan(value):
        return None
    return round(float(value), digits)


def ratio(part: float, whole: float, digits: int = 4) -> float | None:
    """part / whole rounded, or None when `whole` is 0."""
    return round(float(part) / whole, digits) if whole else None
