"""Chart geometry for the HTML report and the web dashboard: analysis numbers in, coordinates out.

Why geometry apart from markup: the SVG is drawn by one set of Jinja macros (`templates/charts.html.j2`)
that the report and the dashboard both use, and the arithmetic stays testable Python. Every function
returns plain dicts of numbers; titles and labels are composed (and translated) in the templates.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

SENTIMENT_COLOURS = {
    "negative": "#d64545",
    "neutral": "#a7adb5",
    "positive": "#2f9e5b",
    "mixed": "#e0a030",
    "unknown": "#dfe3e8",
}
NPS_COLOURS = {"promoters": "#2f9e5b", "passives": "#a7adb5", "detractors": "#d64545"}
KIND_COLOURS = {"all": "#3d6fb6", "negative": "#d64545", "positive": "#2f9e5b"}
SERIES = ("#3d6fb6", "#e07b39", "#2f9e5b", "#9b59b6", "#d64545", "#16a2b8", "#8d6e63", "#c2185b")
KINDS = ("all", "negative", "positive")
WIDTH = 1040


def stacked_bar(parts: Sequence[tuple[str, int, str]], total: int, width: int, height: int) -> dict | None:
    """A 100% bar of (name, count, colour) parts; None when there is nothing to show."""
    if total <= 0:
        return None
    x = 0.0
    rects = []
    for name, count, colour in parts:
        w = width * count / total
        rects.append(
            {"x": x, "width": w, "fill": colour, "name": name, "count": count, "share": count / total}
        )
        x += w
    return {"width": width, "height": height, "rects": rects}


def nice(value: float, steps: Sequence[float] = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)) -> float:
    """The smallest 'round' number ≥ value: one of `steps` × a power of ten."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in steps if step * magnitude >= value * (1 - 1e-9))


def tick_step(span: float, count: int = 5) -> float:
    """A tick spacing of 1, 2, 2.5 or 5 × 10^k giving about `count` ticks over `span`."""
    return nice(span / count, (1, 2, 2.5, 5, 10))


def impact_of(stats: dict, kind: str) -> tuple[float | None, float | None, float | None]:
    """(impact, low, high) of all, negative or positive mentions of a driver."""
    if kind == "all":
        low, high = stats["impact_ci"]
        return stats["impact"], low, high
    entry = stats[f"impact_{kind}"]
    low, high = entry["ci"]
    return (entry["impact"] if entry["mentions"] else None), low, high


def _kind_small(stats: dict, kind: str, min_n: int) -> bool:
    return stats["small"] if kind == "all" else stats[f"impact_{kind}"]["mentions"] < min_n


def impact_chart(drivers: dict, order: Sequence[str], min_n: int) -> dict:
    """Horizontal bars around zero: impact of all / negative / positive mentions with interval whiskers;
    bars resting on fewer than `min_n` mentions are pale."""
    values = [
        abs(v) for name in order for kind in KINDS for v in impact_of(drivers[name], kind) if v is not None
    ]
    limit = nice(max(values, default=5.0))
    label_w, bar_h, gap = 200, 14, 14
    plot_w = WIDTH - label_w - 70
    zero = label_w + plot_w / 2
    scale = plot_w / 2 / limit
    height = len(order) * (len(KINDS) * (bar_h + 3) + gap) + 34
    ticks = [
        {"x": zero + tick * scale, "value": tick, "zero": tick == 0}
        for tick in (-limit, -limit / 2, 0, limit / 2, limit)
    ]
    groups = []
    y = 8
    for name in order:
        stats = drivers[name]
        label_y = y + len(KINDS) * (bar_h + 3) / 2 + 5
        bars = []
        for kind in KINDS:
            value, low, high = impact_of(stats, kind)
            if value is not None:
                x0, x1 = sorted((zero, zero + value * scale))
                whisker = None
                if low is not None and high is not None:
                    whisker = {"low": zero + low * scale, "high": zero + high * scale, "y": y + bar_h / 2}
                reach = max(value, high or value) if value >= 0 else min(value, low or value)
                bars.append(
                    {
                        "kind": kind,
                        "x": x0,
                        "y": y,
                        "width": max(x1 - x0, 1),
                        "opacity": 0.45 if _kind_small(stats, kind, min_n) else 0.9,
                        "value": value,
                        "low": low,
                        "high": high,
                        "whisker": whisker,
                        "text_x": zero + reach * scale + (6 if value >= 0 else -6),
                        "anchor": "start" if value >= 0 else "end",
                    }
                )
            y += bar_h + 3
        groups.append({"name": name, "stats": stats, "label_y": label_y, "bars": bars})
        y += gap
    return {
        "width": WIDTH,
        "height": height,
        "label_w": label_w,
        "bar_h": bar_h,
        "ticks": ticks,
        "groups": groups,
    }


def weights_chart(indicators: Sequence[dict]) -> dict:
    """One bar per (driver, polarity) indicator, longest = largest share of the explained variance."""
    label_w, bar_h = 260, 18
    plot_w = WIDTH - label_w - 190
    top = max(item["share"] for item in indicators) or 1.0
    rows = [
        {"item": item, "y": 6 + i * (bar_h + 8), "width": plot_w * item["share"] / top}
        for i, item in enumerate(indicators)
    ]
    return {
        "width": WIDTH,
        "height": len(indicators) * (bar_h + 8) + 10,
        "label_w": label_w,
        "bar_h": bar_h,
        "rows": rows,
    }


def _x_positions(count: int, left: float, right: float) -> list[float]:
    if count == 1:
        return [(left + right) / 2]
    return [left + (right - left) * i / (count - 1) for i in range(count)]


def _x_labels(periods: Sequence[dict], xs: Sequence[float]) -> list[dict]:
    """At most about 12 period labels, evenly spaced, plus the last period unless it would crowd its neighbour."""
    step = max(1, math.ceil(len(periods) / 12))
    shown = list(range(0, len(periods), step))
    if len(periods) - 1 - shown[-1] >= step / 2:
        shown.append(len(periods) - 1)
    return [{"x": xs[i], "label": periods[i]["label"]} for i in shown]


def _runs(values: Sequence[float | None]) -> list[list[int]]:
    """Index runs without None, for lines that break at empty periods."""
    runs: list[list[int]] = []
    for i, value in enumerate(values):
        if value is None:
            continue
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _points(pairs: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


def trend_chart(periods: Sequence[dict]) -> dict | None:
    """NPS per period with its interval band; None when no period has NPS responses."""
    width, height, left, right, top, bottom = WIDTH, 300, 56, 1020, 14, 252
    bounds = [v for p in periods for v in (p["ci_low"], p["ci_high"], p["nps"]) if v is not None]
    if not bounds:
        return None
    low = max(-100.0, math.floor(min(bounds) / 10) * 10)
    high = min(100.0, math.ceil(max(bounds) / 10) * 10)
    if high - low < 20:
        low, high = max(-100.0, low - 10), min(100.0, high + 10)
    xs = _x_positions(len(periods), left + 10, right - 10)

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    step = tick_step(high - low)
    ticks = []
    tick = math.ceil(low / step) * step
    while tick <= high:
        ticks.append({"y": y_of(tick), "value": tick, "zero": tick == 0})
        tick += step
    values = [p["nps"] for p in periods]
    runs = [
        {
            "band": _points(
                [(xs[i], y_of(periods[i]["ci_high"])) for i in run]
                + [(xs[i], y_of(periods[i]["ci_low"])) for i in reversed(run)]
            ),
            "line": _points([(xs[i], y_of(values[i])) for i in run]),
        }
        for run in _runs(values)
    ]
    points = [
        {"x": xs[i], "y": y_of(p["nps"]), "period": p} for i, p in enumerate(periods) if p["nps"] is not None
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "middle": (top + bottom) / 2,
        "ticks": ticks,
        "runs": runs,
        "points": points,
        "radius": 3.5 if len(periods) <= 60 else 2,
        "labels": _x_labels(periods, xs),
    }


def share_chart(periods: Sequence[dict], names: Sequence[str]) -> dict:
    """Per driver, the share of each period's responses that mention it."""
    width, height, left, right, top, bottom = WIDTH, 240, 56, 1020, 10, 196
    shares = {name: [p["drivers"][name]["share"] for p in periods] for name in names}
    peak = max((v for series in shares.values() for v in series if v is not None), default=0.0)
    step = tick_step(peak, 4) if peak > 0 else 0.25
    high = step * max(1, math.ceil(peak / step - 1e-9))
    xs = _x_positions(len(periods), left + 10, right - 10)

    def y_of(value: float) -> float:
        return bottom - value / high * (bottom - top)

    ticks = [{"y": y_of(i * step), "value": i * step} for i in range(round(high / step) + 1)]
    series = []
    for k, name in enumerate(names):
        lines, dots = [], []
        for run in _runs(shares[name]):
            if len(run) == 1:
                dots.append({"x": xs[run[0]], "y": y_of(shares[name][run[0]])})
            else:
                lines.append(_points([(xs[i], y_of(shares[name][i])) for i in run]))
        series.append({"name": name, "colour": SERIES[k % len(SERIES)], "lines": lines, "dots": dots})
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "ticks": ticks,
        "tick_digits": 0 if step >= 0.05 else 1,
        "series": series,
        "labels": _x_labels(periods, xs),
    }


def dot_interval(entry: dict) -> dict | None:
    """A point with its interval on a fixed −100..100 axis, so segment rows compare at a glance."""
    if entry["nps"] is None:
        return None
    width, height = 160, 16

    def x_of(value: float) -> float:
        return 4 + (value + 100) / 200 * (width - 8)

    return {
        "width": width,
        "height": height,
        "zero": x_of(0),
        "low": x_of(entry["ci_low"]),
        "high": x_of(entry["ci_high"]),
        "x": x_of(entry["nps"]),
        "colour": "#a7adb5" if entry["small"] else "#3d6fb6",
    }


def segment_background(stats: dict) -> str | None:
    """Cost (red) or gain (green) behind a segment cell, paler when the cell rests on too few responses."""
    impact = stats["impact"]
    if impact is None or round(impact, 1) == 0:
        return None
    strength = min(abs(impact) / 20, 1.0) * (0.35 if stats["small"] else 1.0)
    red, green, blue = (214, 69, 69) if impact < 0 else (47, 158, 91)
    return f"rgba({red},{green},{blue},{0.08 + 0.5 * strength:.2f})"
