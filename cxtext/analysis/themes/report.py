"""The themes as HTML: a section for the driver report (`themes_section`) and a page of its own.

Self-contained on purpose (its own few CSS rules, no helpers of `cxtext.analysis.report`), so the driver
report can change its templating without touching this. Phrases are highlighted with <mark> at the
spans `find_themes` computed; Persian themes are laid out right-to-left.
"""

from __future__ import annotations

from html import escape

SENTIMENT_COLOURS = {
    "negative": "#d64545",
    "neutral": "#a7adb5",
    "positive": "#2f9e5b",
    "mixed": "#e0a030",
    "unknown": "#dfe3e8",
}
CSS = """
.themes{border-collapse:collapse;width:100%;font-size:14px}
.themes th,.themes td{border-bottom:1px solid #e3e6ea;padding:6px 8px;text-align:left;vertical-align:top}
.theme-name{font-weight:600}
.flag{display:inline-block;border-radius:3px;padding:0 5px;margin-left:4px;font-size:12px;color:#fff}
.flag.new{background:#9b59b6}.flag.emerging{background:#e07b39}.flag.driver{background:#3d6fb6}
.theme-quotes blockquote{margin:4px 0;padding:4px 8px;border-left:3px solid #c8ced6;font-size:13px}
.theme-quotes mark{background:#fff0b3;padding:0 1px}
.muted{color:#6b7480;font-size:13px}
"""
_PAGE_CSS = "body{font-family:'Noto Sans','Noto Sans Arabic',Tahoma,sans-serif;margin:24px;color:#1f2933}"


def render_themes_page(result: dict, *, title: str = "Theme report") -> str:
    """A standalone page with just the themes section."""
    return (
        '<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_PAGE_CSS}{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n{themes_section(result)}\n"
        f'<p class="muted">{escape(result["generated_by"])} · {result["n"]} comments</p>\n</body>\n</html>\n'
    )


def themes_section(result: dict) -> str:
    """The themes table: name and flags, size and share, sentiment mix, NPS impact, quotes."""
    emerging = result.get("emerging")
    window = (
        f" Emerging: share grew from {emerging['previous']['from']}–{emerging['previous']['to']} to "
        f"{emerging['from']}–{emerging['to']} ({escape(emerging['test'])}, α = {emerging['alpha']})."
        if emerging
        else ""
    )
    rows = "".join(_row(theme) for theme in result["themes"])
    return (
        f"<section><style>{CSS}</style><h2>Themes</h2>"
        '<p class="muted">Found in the comments themselves, per language, named by their most distinctive '
        f"phrases; impact = NPS points the theme costs (−) or adds (+), with its 95% interval.{window}</p>"
        '<table class="themes"><thead><tr><th>Theme</th><th>Size</th><th>Sentiment</th><th>Impact</th>'
        f"<th>What customers say</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _row(theme: dict) -> str:
    flags = ""
    if theme["emerging"] and theme["emerging"]["new"]:
        flags += '<span class="flag new">new</span>'
    if theme["emerging"] and theme["emerging"]["emerging"]:
        flags += f'<span class="flag emerging">emerging p={theme["emerging"]["p_adjusted"]}</span>'
    if theme["known_driver"]:
        flags += f'<span class="flag driver">= {escape(theme["known_driver"])}</span>'
    direction = "rtl" if theme["lang"] == "fa" else "ltr"
    impact = "–" if theme["impact"] is None else f"{theme['impact']:+.1f}"
    low, high = theme["impact_ci"]
    if low is not None and high is not None:
        impact += f' <span class="muted">[{low:+.1f}, {high:+.1f}]</span>'
    quotes = "".join(
        f'<blockquote dir="{direction}">{_highlighted(q["text"], q["highlights"])}</blockquote>'
        for q in theme["quotes"]
    )
    share = "–" if theme["share"] is None else f"{100 * theme['share']:.1f}%"
    return (
        f'<tr><td><span class="theme-name" dir="{direction}" lang="{escape(theme["lang"])}">'
        f'{escape(theme["name"])}</span>{flags}<div class="muted">{escape(theme["id"])}</div></td>'
        f'<td>{theme["size"]}<div class="muted">{share}</div></td>'
        f"<td>{_sentiment_bar(theme['sentiment'])}</td><td>{impact}</td>"
        f'<td class="theme-quotes">{quotes}</td></tr>'
    )


def _highlighted(text: str, spans: list[list[int]]) -> str:
    out, at = [], 0
    for start, end in spans:
        out.append(escape(text[at:start]) + f"<mark>{escape(text[start:end])}</mark>")
        at = end
    return "".join(out) + escape(text[at:])


def _sentiment_bar(mix: dict[str, int], width: int = 120, height: int = 12) -> str:
    total = sum(mix.values())
    if not total:
        return '<span class="muted">–</span>'
    x, rects = 0.0, []
    for name, count in mix.items():
        w = width * count / total
        colour = SENTIMENT_COLOURS.get(name, "#888")
        rects.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{colour}">'
            f"<title>{escape(name)}: {count}</title></rect>"
        )
        x += w
    return f'<svg width="{width}" height="{height}" role="img">{"".join(rects)}</svg>'
