"""The driver analysis as one self-contained HTML page: inline CSS and SVG charts drawn here, no scripts.

Why no JavaScript or chart library: the report is e-mailed, archived and opened offline, and must look
the same in five years; inline SVG needs nothing but a browser. Persian text (quotes, driver labels) sits
in elements with `dir="auto"` or `dir="rtl"` and `lang="fa"`, so the browser lays it out right-to-left
inside left-to-right pages, with a font stack that has Persian glyphs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from cxtext.analysis.frame import STATES
from cxtext.analysis.themes.report import themes_section
from cxtext.churn import HIGH as CHURN_HIGH

SENTIMENT_COLOURS = {
    "negative": "#d64545",
    "neutral": "#a7adb5",
    "positive": "#2f9e5b",
    "mixed": "#e0a030",
    "unknown": "#dfe3e8",
}
KIND_COLOURS = {"all": "#3d6fb6", "negative": "#d64545", "positive": "#2f9e5b"}
SERIES = ("#3d6fb6", "#e07b39", "#2f9e5b", "#9b59b6", "#d64545", "#16a2b8", "#8d6e63", "#c2185b")
NPS_SOURCE_LABELS = {
    "score": "from scores",
    "label": "from given categories",
    "predicted": "predicted from text",
}
KIND_LABELS = {"all": "all mentions", "negative": "negative mentions", "positive": "positive mentions"}

CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --line:#d9dee4; --soft:#f3f5f7; --accent:#3d6fb6; }
* { box-sizing: border-box; }
body { margin:0; color:var(--ink); background:#fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 56px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 40px 0 6px; padding-top: 12px; border-top: 1px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 6px; }
p.lead, .muted { color: var(--muted); }
p.lead { margin: 0 0 18px; }
:lang(fa), .fa { font-family: Vazirmatn, Tahoma, "Noto Naskh Arabic", "Noto Sans Arabic", "DejaVu Sans", sans-serif; }
.warnings { background:#fff8e6; border:1px solid #f0d48a; border-radius:6px; padding:10px 14px; margin:14px 0; }
.warnings li { margin: 2px 0; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap:14px; margin: 14px 0; }
.card { border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
.card .label { color:var(--muted); font-size:13px; text-transform:uppercase; letter-spacing:.04em; }
.card .big { font-size:34px; font-weight:650; line-height:1.15; margin: 4px 0; }
.card .sub { color:var(--muted); font-size:13px; }
.badge { display:inline-block; font-size:12px; padding:1px 7px; border-radius:10px; background:var(--soft);
  color:var(--muted); border:1px solid var(--line); white-space:nowrap; vertical-align: middle; }
.badge.small { background:#fff4e5; color:#a15c00; border-color:#f3c98b; }
.badge.sig { background:#e8f1fb; color:#24528f; border-color:#b8d0ee; }
table { border-collapse: collapse; width:100%; margin: 8px 0; font-size:14px; }
th, td { padding: 6px 8px; border-bottom:1px solid var(--line); text-align:right; vertical-align: middle; }
th { font-size:12px; color:var(--muted); font-weight:600; text-transform:uppercase; letter-spacing:.03em; }
th:first-child, td:first-child { text-align:left; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.small td { color: var(--muted); }
.legend { display:flex; flex-wrap:wrap; gap: 14px; font-size:13px; color:var(--muted); margin: 4px 0 8px; }
.legend i { display:inline-block; width:12px; height:12px; border-radius:2px; margin-right:5px; vertical-align:-1px; }
svg { display:block; max-width:100%; height:auto; }
svg text { font-family: inherit; }
.quotes { display:grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.quotes h4 { margin: 6px 0; font-size: 14px; }
blockquote { margin: 0 0 10px; padding: 8px 12px; background: var(--soft); border-radius: 6px;
  border-inline-start: 4px solid var(--line); unicode-bidi: plaintext; }
blockquote.negative { border-inline-start-color: #d64545; }
blockquote.positive { border-inline-start-color: #2f9e5b; }
blockquote.other { border-inline-start-color: #a7adb5; }
blockquote:lang(fa) { font-size: 16px; line-height: 1.8; }
td .share { display:block; font-size:11px; color: var(--muted); }
.badge.none { background: var(--soft); }
.quote-meta { display:block; font-size: 12px; color: var(--muted); direction: ltr; text-align: start; }
dl.method dt { font-weight: 600; margin-top: 8px; }
dl.method dd { margin: 0 0 0 0; color: var(--ink); }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
@media (max-width: 760px) { .quotes { grid-template-columns: 1fr; } main { padding: 18px; } }
"""


def render_html(
    result: dict,
    *,
    title: str = "Driver analysis",
    inputs: Sequence[str] = (),
    generated_at: str | None = None,
    themes: dict | None = None,
) -> str:
    """The report page for one `analyze` result, with a `find_themes` result's section if given."""
    parts = [
        _header(result, title, inputs, generated_at),
        _warnings(result["warnings"]),
        _cards(result),
        _drivers_section(result),
        _key_drivers_section(result),
        _trends_section(result),
        _segments_section(result),
        _quotes_section(result),
        themes_section(themes) if themes else "",
        _method_section(result),
    ]
    body = "\n".join(part for part in parts if part)
    return (
        '<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n"
        f"<footer>{escape(result['generated_by'])} · schema version {result['schema_version']}</footer>\n"
        "</main>\n</body>\n</html>\n"
    )


# -- text helpers ------------------------------------------------------------------------------------------
def _fmt(value: float | None, digits: int = 1, sign: bool = False) -> str:
    """A number for reading: "–" when undefined, "+12.3" with `sign`, never "-0.0"."""
    if value is None:
        return "–"
    if round(value, digits) == 0:
        return f"{0:.{digits}f}"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def _interval(pair: Sequence[float | None], sign: bool = False) -> str:
    low, high = pair
    if low is None or high is None:
        return ""
    return f"[{_fmt(low, sign=sign)}, {_fmt(high, sign=sign)}]"


def _count(value: int) -> str:
    return f"{value:,}"


def _driver_label(name: str, stats: dict) -> str:
    """English label with the Persian label beside it, each in its own direction."""
    english = escape(stats.get("label_en") or name)
    persian = stats.get("label_fa")
    if persian and persian != stats.get("label_en"):
        return f'{english} <span class="fa" dir="rtl" lang="fa">{escape(persian)}</span>'
    return english


def _small_badge(small: bool, n_nps: int) -> str:
    """Says why a group's NPS figures are not to be judged: none at all, or too few."""
    if n_nps == 0:
        return ' <span class="badge none" title="no response in this group has an NPS answer">no NPS answers</span>'
    return (
        ' <span class="badge small" title="too few responses to judge">small sample</span>' if small else ""
    )


# -- sections ----------------------------------------------------------------------------------------------
def _header(result: dict, title: str, inputs: Sequence[str], generated_at: str | None) -> str:
    settings = result["settings"]
    bits = [f"{_count(result['n'])} responses"]
    if inputs:
        shown = ", ".join(escape(name) for name in inputs[:4])
        more = f" and {len(inputs) - 4} more" if len(inputs) > 4 else ""
        bits.append(f"from {shown}{more}")
    if generated_at:
        bits.append(f"generated {escape(generated_at)}")
    bits.append(
        f"{round(settings['confidence'] * 100)}% intervals, small group below {settings['min_n']} responses"
    )
    return f'<h1>{escape(title)}</h1>\n<p class="lead">{" · ".join(bits)}</p>'


def _warnings(warnings: Sequence[str]) -> str:
    if not warnings:
        return ""
    items = "".join(f"<li>{escape(w)}</li>" for w in warnings)
    return f'<div class="warnings"><strong>Read with care</strong><ul>{items}</ul></div>'


def _cards(result: dict) -> str:
    nps = result["nps"]
    cards = []
    total = nps["promoters"] + nps["passives"] + nps["detractors"]
    mix = _stacked_bar(
        [("promoters", nps["promoters"], "#2f9e5b"), ("passives", nps["passives"], "#a7adb5"),
         ("detractors", nps["detractors"], "#d64545")],
        total, width=220, height=12,
    )  # fmt: skip
    cards.append(
        '<div class="card"><div class="label">Net Promoter Score</div>'
        f'<div class="big">{_fmt(nps["value"], sign=True)}</div>'
        f'<div class="sub">{_interval((nps["ci_low"], nps["ci_high"]), sign=True)} · '
        f'n = {_count(nps["n"])} <span class="badge">{NPS_SOURCE_LABELS[nps["source"]]}</span>{_small_badge(nps["small"], nps["n"])}</div>'
        f'{mix}<div class="sub">{_pct(_share(nps["promoters"], total), 0)} promoters · '
        f"{_pct(_share(nps['passives'], total), 0)} passives · {_pct(_share(nps['detractors'], total), 0)} detractors</div></div>"
    )
    sentiment = result["sentiment"]
    names = [name for name in SENTIMENT_COLOURS if sentiment.get(name)]
    known = sum(sentiment[name] for name in names if name != "unknown")
    cards.append(
        '<div class="card"><div class="label">Sentiment</div>'
        + _stacked_bar(
            [(n, sentiment[n], SENTIMENT_COLOURS[n]) for n in names], result["n"], width=220, height=12
        )
        + '<div class="sub">'
        + " · ".join(f"{_pct(_share(sentiment[n], known), 0)} {n}" for n in names if n != "unknown")
        + (f" (of {_count(known)} with a sentiment)" if sentiment.get("unknown") else "")
        + "</div></div>"
    )
    for scale, entry in result["scores"].items():
        extra = (
            f'<div class="sub">CSAT (4 or 5): {_pct(entry["csat"])} {_interval_pct(entry["csat_ci"])}</div>'
            if "csat" in entry
            else ""
        )
        cards.append(
            f'<div class="card"><div class="label">Mean score, scale {escape(scale)}</div>'
            f'<div class="big">{_fmt(entry["mean"], 2)}</div>'
            f'<div class="sub">{_interval((entry["ci_low"], entry["ci_high"]))} · n = {_count(entry["n"])}</div>{extra}</div>'
        )
    churn = result["churn"]
    if churn["n"]:
        bands = churn["bands"]
        cards.append(
            '<div class="card"><div class="label">Churn risk</div>'
            f'<div class="big">{_count(churn["high_risk"])}</div>'
            f'<div class="sub">high-risk customers (p ≥ {CHURN_HIGH}) of {_count(churn["n"])} with a churn estimate; '
            f"mean {_pct(churn['mean'])}</div>"
            f'<div class="sub">low {_count(bands["low"])} · medium {_count(bands["medium"])} · high {_count(bands["high"])}</div></div>'
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def _interval_pct(pair: Sequence[float | None]) -> str:
    low, high = pair
    return "" if low is None or high is None else f"[{_pct(low)}, {_pct(high)}]"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _drivers_section(result: dict) -> str:
    drivers = result["drivers"]
    order = sorted(drivers, key=lambda name: -abs(drivers[name]["impact"] or 0.0))
    rows = []
    for name in order:
        s = drivers[name]
        mix = _stacked_bar(
            [(p, s["sentiment"][p], SENTIMENT_COLOURS[p]) for p in STATES[1:] if s["sentiment"][p]],
            s["mentions"], width=110, height=10,
        )  # fmt: skip
        rows.append(
            f'<tr class="{"small" if s["small"] else ""}"><td>{_driver_label(name, s)}{_small_badge(s["small"], s["n_nps"])}</td>'
            f'<td class="num">{_count(s["mentions"])}</td><td class="num">{_pct(s["share"])}</td><td>{mix}</td>'
            f'<td class="num">{_fmt(s["nps"], sign=True)}</td><td class="num">{_fmt(s["nps_without"], sign=True)}</td>'
            f'<td class="num"><strong>{_fmt(s["impact"], sign=True)}</strong> {_interval(s["impact_ci"], sign=True)}</td>'
            f'<td class="num">{_pct(s["weight"])}</td>'
            f'<td class="num">{_pct(s["churn_risk"])}</td><td class="num">{_count(s["high_risk"])}</td></tr>'
        )
    legend = _legend([(label, KIND_COLOURS[kind]) for kind, label in KIND_LABELS.items()])
    sentiment_legend = _legend([(name, colour) for name, colour in SENTIMENT_COLOURS.items()])
    base = result["coverage"]["driver_base"]
    return (
        "<h2>What moves NPS</h2>"
        f'<p class="muted">Impact = NPS of all {_count(base)} responses with an NPS answer and known drivers, minus '
        "the NPS of those responses without the ones that mention the driver. Bars show the impact, whiskers "
        f"its {round(result['settings']['confidence'] * 100)}% bootstrap interval.</p>"
        f"{legend}{_impact_chart(drivers, order, result['settings']['min_n'])}"
        "<h3>Drivers</h3>"
        f"{sentiment_legend}"
        "<table><thead><tr><th>Driver</th><th>Mentions</th><th>Share</th><th>Sentiment mix</th><th>NPS</th>"
        "<th>NPS without</th><th>Impact [interval]</th><th>Key-driver weight</th><th>Churn risk</th>"
        f"<th>High-risk</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _key_drivers_section(result: dict) -> str:
    key = result["key_drivers"]
    indicators = [item for item in key["indicators"] if item["share"] is not None][:12]
    if not indicators:
        return '<h2>Key-driver weights</h2><p class="muted">Not enough NPS responses with drivers to weigh them.</p>'
    return (
        "<h2>Key-driver weights</h2>"
        f"<p class=\"muted\">Johnson's relative weights: each (driver, polarity) mention's share of the NPS variance "
        f"the drivers explain together (R² = {_fmt(key['r2'], 3)} over {_count(key['n'])} responses). "
        "↑ goes with higher NPS, ↓ with lower.</p>" + _weights_chart(indicators, result["drivers"])
    )


def _trends_section(result: dict) -> str:
    trends = result["trends"]
    if trends is None:
        column = result["settings"]["date_column"]
        return (
            "<h2>Trends</h2>"
            f'<p class="muted">No dates: trends need a column “{escape(str(column))}” with ISO dates (YYYY-MM-DD).</p>'
        )
    periods = trends["periods"]
    rows = []
    for p in periods[-12:][::-1]:
        change = _fmt(p["change"], sign=True) if p["change"] is not None else "–"
        badge = ' <span class="badge sig">significant</span>' if p["change_significant"] else ""
        rows.append(
            f'<tr class="{"small" if p["small"] else ""}"><td>{escape(p["label"])}{_small_badge(p["small"], p["n_nps"])}</td>'
            f'<td class="num">{_count(p["n"])}</td><td class="num">{_count(p["n_nps"])}</td>'
            f'<td class="num">{_fmt(p["nps"], sign=True)} {_interval((p["ci_low"], p["ci_high"]), sign=True)}</td>'
            f'<td class="num">{change}{badge}</td></tr>'
        )
    drivers = result["drivers"]
    legend = _legend(
        [(drivers[name].get("label_en") or name, SERIES[i % len(SERIES)]) for i, name in enumerate(drivers)]
    )
    return (
        f"<h2>Trends by {escape(trends['period'])}</h2>"
        f'<p class="muted">{_count(trends["dated"])} dated responses. Line: NPS; band: its interval; hollow points: '
        "periods too small to judge; gaps: periods without responses.</p>"
        + _trend_chart(periods)
        + "<h3>Share of responses mentioning each driver</h3>"
        + legend
        + _share_chart(periods, list(drivers))
        + "<h3>Latest periods</h3><table><thead><tr><th>Period</th><th>Responses</th><th>With NPS</th>"
        f"<th>NPS [interval]</th><th>Change</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _segments_section(result: dict) -> str:
    if not result["segments"]:
        return ""
    driver_names = list(result["drivers"])
    drivers = result["drivers"]
    out = ["<h2>Segments</h2>", '<p class="muted">Per driver: its impact within the segment value (leave-one-out, '
           "as above; red costs NPS, green adds to it, pale cells rest on too few responses) and the share of the "
           "value's responses that mention it.</p>"]  # fmt: skip
    for column, entries in result["segments"].items():
        head = "".join(f"<th>{_driver_label(name, drivers[name])}</th>" for name in driver_names)
        rows = []
        for entry in entries[:30]:
            cells = "".join(_segment_cell(entry["drivers"][name]) for name in driver_names)
            rows.append(
                f'<tr class="{"small" if entry["small"] else ""}"><td dir="auto">{escape(entry["value"])}'
                f'{_small_badge(entry["small"], entry["n_nps"])}</td><td class="num">{_count(entry["n"])}</td>'
                f'<td class="num">{_count(entry["n_nps"])}</td>'
                f'<td class="num">{_fmt(entry["nps"], sign=True)}</td><td>{_dot_interval(entry)}</td>{cells}</tr>'
            )
        more = (
            f'<p class="muted">{len(entries) - 30} more values in the JSON.</p>' if len(entries) > 30 else ""
        )
        out.append(
            f"<h3>By {escape(column)}</h3><table><thead><tr><th>Value</th><th>Responses</th><th>With NPS</th>"
            '<th>NPS</th><th title="NPS and its interval on a −100 to +100 axis">−100 · 0 · +100</th>'
            f"{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"
        )
    return "".join(out)


def _segment_cell(stats: dict) -> str:
    """Impact on a background whose colour says cost (red) or gain (green), and the mention share below."""
    impact = stats["impact"]
    share = (
        f'<span class="share">{_pct(stats["share"], 0)} mention</span>' if stats["share"] is not None else ""
    )
    if impact is None or round(impact, 1) == 0:
        return f'<td class="num">{_fmt(impact, sign=True)}{share}</td>'
    strength = min(abs(impact) / 20, 1.0) * (0.35 if stats["small"] else 1.0)
    red, green, blue = (214, 69, 69) if impact < 0 else (47, 158, 91)
    background = f"rgba({red},{green},{blue},{0.08 + 0.5 * strength:.2f})"
    return f'<td class="num" style="background:{background}">{_fmt(impact, sign=True)}{share}</td>'


def _quotes_section(result: dict) -> str:
    out = ["<h2>What customers say</h2>", '<p class="muted">Representative quotes per driver: confident labels, '
           "on topic, de-duplicated, personal data masked.</p>"]  # fmt: skip
    for name, stats in result["drivers"].items():
        quotes = stats["quotes"]
        kinds = [kind for kind in ("negative", "positive") if quotes.get(kind)]
        if not kinds and quotes.get("other"):
            kinds = ["other"]
        if not kinds:
            continue
        columns = []
        for kind in kinds:
            items = "".join(_quote(quote, kind) for quote in quotes[kind])
            columns.append(f"<div><h4>{escape(kind.capitalize())}</h4>{items}</div>")
        out.append(f'<h3>{_driver_label(name, stats)}</h3><div class="quotes">{"".join(columns)}</div>')
    return "".join(out) if len(out) > 2 else ""


def _quote(quote: dict, kind: str) -> str:
    lang = f' lang="{escape(quote["lang"])}"' if quote.get("lang") in ("fa", "en") else ""
    meta = [quote["id"]] if quote.get("id") else []
    if quote.get("sentiment"):
        meta.append(f"overall {quote['sentiment']}")
    return (
        f'<blockquote class="{kind}" dir="auto"{lang}>{escape(quote["text"])}'
        f'<span class="quote-meta" dir="ltr" lang="en">{escape(" · ".join(meta))}</span></blockquote>'
    )


def _method_section(result: dict) -> str:
    settings = result["settings"]
    nps = result["nps"]
    return (
        '<h2>How to read this</h2><dl class="method">'
        "<dt>NPS</dt><dd>% promoters − % detractors, from −100 to +100. "
        f"Here {_count(nps['n'])} responses count ({NPS_SOURCE_LABELS[nps['source']]}); "
        f"{_count(nps['excluded'])} have no NPS answer. Interval: adjusted Wald (Rocks 2016).</dd>"
        "<dt>Impact</dt><dd>NPS(all) − NPS(all without the responses that mention the driver): the points the driver "
        "costs (negative) or adds (positive). Also computed for negative and for positive mentions alone. "
        f"Interval: percentile bootstrap, {settings['bootstrap']} replicates.</dd>"
        "<dt>Key-driver weight</dt><dd>Johnson's relative weight of the driver's mentions (by polarity) in a "
        "regression of the NPS outcome (−1, 0, +1), as a share of the R² they explain together.</dd>"
        "<dt>Churn risk</dt><dd>Mean churn probability of the customers who mention the driver (a given churn label "
        f"counts as 0 or 1); high-risk = probability ≥ {CHURN_HIGH}.</dd>"
        f"<dt>Small sample</dt><dd>Fewer than {settings['min_n']} NPS responses in the group (for a driver: mention it, "
        "or do not). Shown, but not to be judged on.</dd></dl>"
    )


# -- charts ------------------------------------------------------------------------------------------------
def _legend(items: Sequence[tuple[str, str]]) -> str:
    return (
        '<div class="legend">'
        + "".join(f'<span><i style="background:{c}"></i>{escape(t)}</span>' for t, c in items)
        + "</div>"
    )


def _stacked_bar(parts: Sequence[tuple[str, int, str]], total: int, *, width: int, height: int) -> str:
    """A 100% bar; each part has a tooltip with its count and share."""
    if total <= 0:
        return ""
    x = 0.0
    rects = []
    for name, count, colour in parts:
        w = width * count / total
        rects.append(
            f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" fill="{colour}">'
            f"<title>{escape(name)}: {_count(count)} ({_pct(count / total)})</title></rect>"
        )
        x += w
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'style="margin:6px 0;border-radius:3px">{"".join(rects)}</svg>'
    )


def _nice(value: float, steps: Sequence[float] = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)) -> float:
    """The smallest 'round' number ≥ value: one of `steps` × a power of ten."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in steps if step * magnitude >= value * (1 - 1e-9))


def _tick_step(span: float, count: int = 5) -> float:
    """A tick spacing of 1, 2, 2.5 or 5 × 10^k giving about `count` ticks over `span`."""
    return _nice(span / count, (1, 2, 2.5, 5, 10))


def _impact_chart(drivers: dict, order: Sequence[str], min_n: int) -> str:
    """Horizontal bars around zero: impact of all / negative / positive mentions with interval whiskers;
    bars resting on fewer than `min_n` mentions are pale."""
    kinds = ("all", "negative", "positive")
    values = []
    for name in order:
        s = drivers[name]
        for kind in kinds:
            value, (low, high) = _impact_of(s, kind)
            values += [abs(v) for v in (value, low, high) if v is not None]
    limit = _nice(max(values, default=5.0))
    label_w, width, bar_h, gap = 200, 1040, 14, 14
    plot_w = width - label_w - 70
    zero = label_w + plot_w / 2
    scale = plot_w / 2 / limit
    height = len(order) * (len(kinds) * (bar_h + 3) + gap) + 34
    out = []
    for tick in (-limit, -limit / 2, 0, limit / 2, limit):
        x = zero + tick * scale
        out.append(
            f'<line x1="{x:.1f}" y1="6" x2="{x:.1f}" y2="{height - 22}" stroke="{"#9aa5b1" if tick == 0 else "#e4e7eb"}"/>'
            f'<text x="{x:.1f}" y="{height - 6}" font-size="12" fill="#616e7c" text-anchor="middle">{_fmt(tick, 0, sign=True)}</text>'
        )
    y = 8
    for name in order:
        s = drivers[name]
        block = len(kinds) * (bar_h + 3)
        label = escape(s.get("label_en") or name)
        persian = s.get("label_fa")
        out.append(
            f'<text x="0" y="{y + block / 2 + 5:.1f}" font-size="14" font-weight="600" fill="#1f2933">{label}</text>'
        )
        if persian and persian != s.get("label_en"):
            # one right-to-left run, right-aligned at the end of the label column
            out.append(
                f'<text x="{label_w - 16}" y="{y + block / 2 + 5:.1f}" font-size="14" fill="#616e7c" class="fa" '
                f'lang="fa" text-anchor="end">{escape(persian)}</text>'
            )
        for kind in kinds:
            value, (low, high) = _impact_of(s, kind)
            if value is not None:
                x0, x1 = sorted((zero, zero + value * scale))
                out.append(
                    f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" height="{bar_h}" fill="{KIND_COLOURS[kind]}" '
                    f'opacity="{0.45 if _kind_small(s, kind, min_n) else 0.9}"><title>{label}, {KIND_LABELS[kind]}: '
                    f"{_fmt(value, sign=True)} {_interval((low, high), sign=True)}</title></rect>"
                )
                if low is not None and high is not None:
                    xl, xh, ym = zero + low * scale, zero + high * scale, y + bar_h / 2
                    out.append(
                        f'<path d="M{xl:.1f},{ym:.1f}H{xh:.1f}M{xl:.1f},{ym - 4:.1f}V{ym + 4:.1f}M{xh:.1f},{ym - 4:.1f}V{ym + 4:.1f}" '
                        'stroke="#1f2933" stroke-width="1.2" fill="none"/>'
                    )
                text_x = (
                    (zero + max(value, high or value) * scale + 6)
                    if value >= 0
                    else (zero + min(value, low or value) * scale - 6)
                )
                anchor = "start" if value >= 0 else "end"
                out.append(
                    f'<text x="{text_x:.1f}" y="{y + bar_h - 3}" font-size="12" fill="#1f2933" text-anchor="{anchor}">'
                    f"{_fmt(value, sign=True)}</text>"
                )
            y += bar_h + 3
        y += gap
    return f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="Driver impact on NPS">{"".join(out)}</svg>'


def _impact_of(stats: dict, kind: str) -> tuple[float | None, tuple[float | None, float | None]]:
    if kind == "all":
        return stats["impact"], tuple(stats["impact_ci"])
    entry = stats[f"impact_{kind}"]
    return (entry["impact"] if entry["mentions"] else None), tuple(entry["ci"])


def _kind_small(stats: dict, kind: str, min_n: int) -> bool:
    return stats["small"] if kind == "all" else stats[f"impact_{kind}"]["mentions"] < min_n


def _weights_chart(indicators: Sequence[dict], drivers: dict) -> str:
    label_w, width, bar_h = 260, 1040, 18
    plot_w = width - label_w - 190
    top = max(item["share"] for item in indicators) or 1.0
    height = len(indicators) * (bar_h + 8) + 10
    out = []
    for i, item in enumerate(indicators):
        y = 6 + i * (bar_h + 8)
        stats = drivers.get(item["driver"], {})
        name = escape(stats.get("label_en") or item["driver"])
        w = plot_w * item["share"] / top
        arrow = "↑" if (item["correlation"] or 0) > 0 else "↓"
        colour = SENTIMENT_COLOURS.get(item["sentiment"], "#3d6fb6")
        out.append(
            f'<text x="0" y="{y + bar_h - 4}" font-size="13" fill="#1f2933">{name} · {escape(item["sentiment"])}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{colour}" opacity="0.85">'
            f"<title>{name}, {escape(item['sentiment'])}: {_pct(item['share'])} of R², n = {_count(item['n'])}, "
            f"r = {_fmt(item['correlation'], 2)}</title></rect>"
            f'<text x="{label_w + w + 6:.1f}" y="{y + bar_h - 4}" font-size="13" fill="#1f2933">{_pct(item["share"])} '
            f'{arrow} <tspan fill="#616e7c">n = {_count(item["n"])}</tspan></text>'
        )
    return f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="Key-driver weights">{"".join(out)}</svg>'


def _x_positions(count: int, left: float, right: float) -> list[float]:
    if count == 1:
        return [(left + right) / 2]
    return [left + (right - left) * i / (count - 1) for i in range(count)]


def _x_labels(periods: Sequence[dict], xs: Sequence[float], y: float) -> str:
    """At most about 12 period labels, evenly spaced, plus the last period unless it would crowd its neighbour."""
    step = max(1, math.ceil(len(periods) / 12))
    shown = list(range(0, len(periods), step))
    if len(periods) - 1 - shown[-1] >= step / 2:
        shown.append(len(periods) - 1)
    return "".join(
        f'<text x="{xs[i]:.1f}" y="{y}" font-size="11" fill="#616e7c" text-anchor="middle">{escape(periods[i]["label"])}</text>'
        for i in shown
    )


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


def _trend_chart(periods: Sequence[dict]) -> str:
    width, height, left, right, top, bottom = 1040, 300, 56, 1020, 14, 252
    bounds = [v for p in periods for v in (p["ci_low"], p["ci_high"], p["nps"]) if v is not None]
    if not bounds:
        return '<p class="muted">No period has NPS responses.</p>'
    low = max(-100.0, math.floor(min(bounds) / 10) * 10)
    high = min(100.0, math.ceil(max(bounds) / 10) * 10)
    if high - low < 20:
        low, high = max(-100.0, low - 10), min(100.0, high + 10)
    xs = _x_positions(len(periods), left + 10, right - 10)

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * (bottom - top)

    out = []
    step = _tick_step(high - low)
    tick = math.ceil(low / step) * step
    while tick <= high:
        out.append(
            f'<line x1="{left}" x2="{right}" y1="{y_of(tick):.1f}" y2="{y_of(tick):.1f}" stroke="{"#9aa5b1" if tick == 0 else "#e4e7eb"}"/>'
            f'<text x="{left - 8}" y="{y_of(tick) + 4:.1f}" font-size="11" fill="#616e7c" text-anchor="end">{_fmt(tick, 0, sign=True)}</text>'
        )
        tick += step
    values = [p["nps"] for p in periods]
    for run in _runs(values):
        upper = " ".join(f"{xs[i]:.1f},{y_of(periods[i]['ci_high']):.1f}" for i in run)
        lower = " ".join(f"{xs[i]:.1f},{y_of(periods[i]['ci_low']):.1f}" for i in reversed(run))
        out.append(f'<polygon points="{upper} {lower}" fill="#3d6fb6" opacity="0.15"/>')
        line = " ".join(f"{xs[i]:.1f},{y_of(values[i]):.1f}" for i in run)
        out.append(f'<polyline points="{line}" fill="none" stroke="#3d6fb6" stroke-width="2"/>')
    radius = 3.5 if len(periods) <= 60 else 2
    for i, p in enumerate(periods):
        if p["nps"] is None:
            continue
        fill = "#fff" if p["small"] else "#3d6fb6"
        change = (
            ""
            if p["change"] is None
            else f", change {_fmt(p['change'], sign=True)}"
            + (" (significant)" if p["change_significant"] else "")
        )
        out.append(
            f'<circle cx="{xs[i]:.1f}" cy="{y_of(p["nps"]):.1f}" r="{radius}" fill="{fill}" stroke="#3d6fb6" stroke-width="1.5">'
            f"<title>{escape(p['label'])}: NPS {_fmt(p['nps'], sign=True)} {_interval((p['ci_low'], p['ci_high']), sign=True)}, "
            f"n = {_count(p['n_nps'])}{change}</title></circle>"
        )
    out.append(_x_labels(periods, xs, height - 26))
    out.append(
        f'<text x="12" y="{(top + bottom) / 2:.1f}" font-size="12" fill="#616e7c" transform="rotate(-90 12 {(top + bottom) / 2:.1f})" text-anchor="middle">NPS</text>'
    )
    return f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="NPS per period">{"".join(out)}</svg>'


def _share_chart(periods: Sequence[dict], names: Sequence[str]) -> str:
    width, height, left, right, top, bottom = 1040, 240, 56, 1020, 10, 196
    shares = {name: [p["drivers"][name]["share"] for p in periods] for name in names}
    peak = max((v for series in shares.values() for v in series if v is not None), default=0.0)
    step = _tick_step(peak, 4) if peak > 0 else 0.25
    high = step * max(1, math.ceil(peak / step - 1e-9))
    xs = _x_positions(len(periods), left + 10, right - 10)

    def y_of(value: float) -> float:
        return bottom - value / high * (bottom - top)

    out = []
    for i in range(round(high / step) + 1):
        tick = i * step
        out.append(
            f'<line x1="{left}" x2="{right}" y1="{y_of(tick):.1f}" y2="{y_of(tick):.1f}" stroke="#e4e7eb"/>'
            f'<text x="{left - 8}" y="{y_of(tick) + 4:.1f}" font-size="11" fill="#616e7c" text-anchor="end">{_pct(tick, 0 if step >= 0.05 else 1)}</text>'
        )
    for k, name in enumerate(names):
        colour = SERIES[k % len(SERIES)]
        for run in _runs(shares[name]):
            points = " ".join(f"{xs[i]:.1f},{y_of(shares[name][i]):.1f}" for i in run)
            if len(run) == 1:
                i = run[0]
                out.append(
                    f'<circle cx="{xs[i]:.1f}" cy="{y_of(shares[name][i]):.1f}" r="2.5" fill="{colour}"/>'
                )
            else:
                out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
    out.append(_x_labels(periods, xs, height - 22))
    return f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="Driver mention share per period">{"".join(out)}</svg>'


def _dot_interval(entry: dict) -> str:
    """A point with its interval on a fixed −100..100 axis, so segment rows compare at a glance."""
    width, height = 160, 16
    if entry["nps"] is None:
        return ""

    def x_of(value: float) -> float:
        return 4 + (value + 100) / 200 * (width - 8)

    colour = "#a7adb5" if entry["small"] else "#3d6fb6"
    parts = [
        f'<line x1="{x_of(0):.1f}" x2="{x_of(0):.1f}" y1="1" y2="{height - 1}" stroke="#9aa5b1"/>',
        f'<line x1="{x_of(entry["ci_low"]):.1f}" x2="{x_of(entry["ci_high"]):.1f}" y1="{height / 2}" y2="{height / 2}" '
        f'stroke="{colour}" stroke-width="3" stroke-linecap="round" opacity="0.5"/>'
        f'<circle cx="{x_of(entry["nps"]):.1f}" cy="{height / 2}" r="4" fill="{colour}"/>',
    ]
    title = f"<title>NPS {_fmt(entry['nps'], sign=True)} {_interval((entry['ci_low'], entry['ci_high']), sign=True)}</title>"
    return (
        f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}">{title}{"".join(parts)}</svg>'
    )
