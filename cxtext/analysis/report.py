"""The driver analysis as one self-contained HTML page, rendered from the templates the web dashboard uses.

Why no JavaScript or chart library: the report is e-mailed, archived and opened offline, and must look
the same in five years; inline SVG and inline CSS need nothing but a browser. The page is Jinja2
templates (`cxtext/analysis/templates/`): `analysis.html.j2` and its section partials draw the body,
`charts.html.j2` the SVG from the geometry in `cxtext.analysis.charts`, and `cxtext.css` is the one
stylesheet, inlined here and served to the dashboard. Persian text (quotes, driver labels) sits in
elements with `dir="auto"` or `dir="rtl"` and `lang="fa"`, with a font stack that has Persian glyphs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path

from jinja2 import BaseLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from cxtext.analysis import charts
from cxtext.analysis.formatting import FILTERS, share
from cxtext.analysis.frame import STATES
from cxtext.analysis.messages import translator
from cxtext.analysis.quotes import highlight, marked
from cxtext.churn import HIGH as CHURN_HIGH

TEMPLATES_DIR = Path(__file__).parent / "templates"
STYLESHEET = TEMPLATES_DIR / "cxtext.css"
NPS_SOURCE_LABELS = {
    "score": "from scores",
    "label": "from given categories",
    "predicted": "predicted from text",
}
KIND_LABELS = {"all": "all mentions", "negative": "negative mentions", "positive": "positive mentions"}
Evidence = Mapping[str, Mapping[str, Sequence[str]]]  # quote text -> driver -> evidence phrases


def templates_loader() -> FileSystemLoader:
    """The library's templates, for an application that adds its own pages around them."""
    return FileSystemLoader(TEMPLATES_DIR)


def configure(env: Environment) -> Environment:
    """Give `env` the filters and globals the analysis templates use."""
    env.filters.update(FILTERS)
    env.globals.update(
        geometry=charts,
        colours={
            "sentiment": charts.SENTIMENT_COLOURS,
            "kind": charts.KIND_COLOURS,
            "nps": charts.NPS_COLOURS,
        },
        series=charts.SERIES,
        states=STATES,
        kind_labels=KIND_LABELS,
        nps_source_labels=NPS_SOURCE_LABELS,
        churn_high=CHURN_HIGH,
        share=share,
        highlight=highlight,
        marked=marked,
        impact_order=impact_order,
    )
    return env


def make_environment(loader: BaseLoader | None = None) -> Environment:
    """A Jinja environment over `loader` (default: the library's templates), HTML-escaping everything."""
    env = Environment(
        loader=loader or templates_loader(),
        autoescape=select_autoescape(("html", "j2")),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return configure(env)


@cache
def _environment() -> Environment:
    return make_environment()


def impact_order(drivers: Mapping[str, dict]) -> list[str]:
    """Drivers by the size of their NPS impact, largest first."""
    return sorted(drivers, key=lambda name: -abs(drivers[name]["impact"] or 0.0))


def analysis_context(result: dict, lang: str = "en", evidence: Evidence | None = None) -> dict:
    """What `analysis.html.j2` needs besides the globals: the result, the language and quote evidence."""
    found = evidence or {}

    def evidence_for(quote: str, driver: str) -> Sequence[str]:
        return found.get(quote, {}).get(driver, ())

    t: Callable[..., str] = translator(lang)
    return {
        "result": result,
        "lang": lang,
        "direction": "rtl" if lang == "fa" else "ltr",
        "t": t,
        "evidence_for": evidence_for,
        "highlighting": bool(found),
        "themes": None,
    }


def render_html(
    result: dict,
    *,
    title: str = "Driver analysis",
    inputs: Sequence[str] = (),
    generated_at: str | None = None,
    lang: str = "en",
    themes: dict | None = None,
) -> str:
    """The report page for one `analyze` result, with a `find_themes` result's section if given."""
    template = _environment().get_template("report.html.j2")
    context = {**analysis_context(result, lang), "themes": themes}
    return template.render(**context, title=title, inputs=list(inputs), generated_at=generated_at)


def render_themes_page(themes: dict, *, title: str = "Theme report", lang: str = "en") -> str:
    """A page with just the themes section (`cxtext themes --html`)."""
    template = _environment().get_template("themes_page.html.j2")
    return template.render(
        t=translator(lang), lang=lang, direction="rtl" if lang == "fa" else "ltr", title=title, themes=themes
    )
