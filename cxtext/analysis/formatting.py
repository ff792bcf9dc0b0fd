"""How numbers read on the report and the dashboard (Jinja filters): "–" when undefined, never "-0.0"."""

from __future__ import annotations

from collections.abc import Sequence


def fmt(value: float | None, digits: int = 1, sign: bool = False) -> str:
    """A number for reading: "–" when undefined, "+12.3" with `sign`, never "-0.0"."""
    if value is None:
        return "–"
    if round(value, digits) == 0:
        return f"{0:.{digits}f}"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def interval(pair: Sequence[float | None], sign: bool = False) -> str:
    low, high = pair
    if low is None or high is None:
        return ""
    return f"[{fmt(low, sign=sign)}, {fmt(high, sign=sign)}]"


def interval_pct(pair: Sequence[float | None]) -> str:
    low, high = pair
    return "" if low is None or high is None else f"[{pct(low)}, {pct(high)}]"


def count(value: int) -> str:
    return f"{value:,}"


def coord(value: float, digits: int = 1) -> str:
    """An SVG coordinate."""
    return f"{value:.{digits}f}"


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


FILTERS = {
    "fmt": fmt,
    "pct": pct,
    "interval": interval,
    "interval_pct": interval_pct,
    "count": count,
    "coord": coord,
}
