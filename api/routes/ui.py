"""The web interface at `/ui/`: dashboard, review queue and models, in Persian (right to left) and English.

Why pages and data are split: the API key lives only in the browser tab (sessionStorage), so a page
load carries no credentials. Pages are shells that anyone may load; `ui.js` then fetches, with the key,
either the JSON API (review, training, activation) or HTML fragments rendered here from the same
templates as the HTML report — the dashboard fragment is the `/v1/drivers/summary` analysis itself
(`analyse_store`), so the page shows exactly the numbers that route returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader

from api.deps import (
    HolderDep,
    JobsDep,
    ModelDep,
    ReaderKey,
    RegistryDep,
    SnapshotsDep,
    TaxonomyDep,
)
from api.queries import DriverQuery
from api.routes.drivers import analyse_store
from api.routes.models import model_info
from api.routes.themes import themes_result
from api.snapshot import SnapshotCache
from api.theme_schemas import ThemeQuery
from api.ui import STATIC_DIR, TEMPLATES_DIR
from cxtext.analysis.messages import translator
from cxtext.analysis.report import STYLESHEET, Evidence, analysis_context, make_environment, templates_loader
from cxtext.analysis.themes import ThemeError
from cxtext.model import FeedbackModel
from models.registry import HEADLINE_METRICS

router = APIRouter(prefix="/ui", include_in_schema=False)
UiLang = Literal["fa", "en"]
STATIC_FILES = {"ui.js": STATIC_DIR / "ui.js", "ui.css": STATIC_DIR / "ui.css", "cxtext.css": STYLESHEET}
PAGES = ("dashboard", "review", "models")
_templates = Jinja2Templates(
    env=make_environment(ChoiceLoader([FileSystemLoader(TEMPLATES_DIR), templates_loader()]))
)


def get_active_version(holder: HolderDep) -> str | None:
    return holder.loaded.version if holder.loaded is not None else None


ActiveDep = Annotated[str | None, Depends(get_active_version)]
LangQuery = Annotated[UiLang, Query(description="interface language")]
LangPath = Annotated[UiLang, PathParam(description="interface language")]


def _page(request: Request, page: str, lang: UiLang) -> HTMLResponse:
    t = translator(lang)
    return _templates.TemplateResponse(
        request,
        f"{page}.html.j2",
        {"page": page, "pages": PAGES, "lang": lang, "direction": "rtl" if lang == "fa" else "ltr", "t": t},
        headers={"Cache-Control": "no-store"},
    )


@router.get("", response_class=RedirectResponse)
def ui_root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=308)


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request, lang: LangQuery = "fa") -> HTMLResponse:
    return _page(request, "dashboard", lang)


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, lang: LangQuery = "fa") -> HTMLResponse:
    return _page(request, "review", lang)


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request, lang: LangQuery = "fa") -> HTMLResponse:
    return _page(request, "models", lang)


@router.get("/static/{name}")
def static(name: Annotated[str, PathParam(max_length=40)]) -> FileResponse:
    """The interface's own files, named one by one (nothing else on disk is reachable)."""
    from api.problems import Problem

    path = STATIC_FILES.get(name)
    if path is None:
        raise Problem(404, f"no static file {name!r}", slug="not-found")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


def quote_evidence(analysis: dict, model: FeedbackModel) -> Evidence:
    """For every quote shown, the phrases behind the model's reading of each driver it mentions (and of
    the polarity toward it): what the dashboard highlights. Stored predictions carry no evidence (ingest
    skips explanations for speed), so the few quotes are explained now by the serving model."""
    texts = sorted(
        {
            quote["text"]
            for stats in analysis["drivers"].values()
            for quotes in stats["quotes"].values()
            for quote in quotes
        }
    )
    found: dict[str, dict[str, list[str]]] = {}
    for text, result in zip(texts, model.classify(texts) if texts else [], strict=True):
        found[text] = {
            driver["name"]: _phrases(driver.get("evidence"), (driver.get("sentiment") or {}).get("evidence"))
            for driver in result.get("drivers") or []
        }
    return found


def warm_dashboard(snapshots: SnapshotCache, model: FeedbackModel) -> None:
    """What the first dashboard after a restart would otherwise pay for: the default view's analysis
    (remembered by the snapshot cache until the store changes), the model's first explanations, and the
    templates' compilation (`api.warmup` runs this before the service says it is ready)."""
    analysis, _ = analyse_store(snapshots, model.taxonomy_, DriverQuery())
    quote_evidence(analysis, model)
    for name in _templates.env.list_templates(extensions=["j2"]):
        _templates.env.get_template(name)


def _phrases(*groups: Iterable[dict] | None) -> list[str]:
    return [item["phrase"] for group in groups for item in group or () if item.get("phrase")]


def _segment_options(analysis: dict, selected: list[str]) -> list[tuple[str, list[str]]]:
    """The segment filter's choices: every key and value of the breakdown, plus what is selected."""
    options: dict[str, list[str]] = {
        key: [entry["value"] for entry in entries] for key, entries in analysis["segments"].items()
    }
    for entry in selected:
        key, _, value = entry.partition(":")
        if value not in options.setdefault(key, []):
            options[key].append(value)
    return sorted(options.items())


@router.get("/fragments/{lang}/dashboard", response_class=HTMLResponse)
def dashboard_fragment(
    request: Request,
    lang: LangPath,
    query: Annotated[DriverQuery, Query()],
    snapshots: SnapshotsDep,
    model: ModelDep,
    _key: ReaderKey,
) -> HTMLResponse:
    """The dashboard body: the `/v1/drivers/summary` analysis for this query, drawn by the report's
    templates, with the filter form and the quotes' evidence highlighted."""
    analysis, versions = analyse_store(snapshots, model.taxonomy_, query)
    context = analysis_context(analysis, lang, quote_evidence(analysis, model))
    return _templates.TemplateResponse(
        request,
        "fragments/dashboard.html.j2",
        {
            **context,
            "query": query,
            "segment_options": _segment_options(analysis, query.segment),
            "model_versions": versions,
        },
    )


@router.get("/fragments/{lang}/themes", response_class=HTMLResponse)
def themes_fragment(
    request: Request,
    lang: LangPath,
    query: Annotated[ThemeQuery, Query()],
    snapshots: SnapshotsDep,
    model: ModelDep,
    _key: ReaderKey,
) -> HTMLResponse:
    """The dashboard's themes: `GET /v1/themes` for the dashboard's filters (the same `themes_result`),
    drawn by the report's themes section; too few comments is said in place of the table."""
    try:
        themes, problem = themes_result(snapshots, model.taxonomy_, query), None
    except ThemeError as exc:
        themes, problem = None, str(exc)
    return _templates.TemplateResponse(
        request,
        "fragments/themes.html.j2",
        {"lang": lang, "t": translator(lang), "themes": themes, "problem": problem},
    )


@router.get("/fragments/{lang}/models", response_class=HTMLResponse)
def models_fragment(
    request: Request,
    lang: LangPath,
    registry: RegistryDep,
    jobs: JobsDep,
    active: ActiveDep,
    _key: ReaderKey,
) -> HTMLResponse:
    """Versions newest first with their held-out metrics side by side, the gate's verdict, the buttons
    to activate or roll back, and the latest training jobs."""
    entries = registry.list_versions()[::-1]
    models = [model_info(e, active) for e in entries]
    # rolling back = activating the version the active one replaced, which its gate measured it against
    active_gate = next((m["gate"] for m in models if m["active"]), None) or {}
    previous = active_gate.get("active_version")
    return _templates.TemplateResponse(
        request,
        "fragments/models.html.j2",
        {
            "lang": lang,
            "t": translator(lang),
            "models": models,
            "metrics": list(HEADLINE_METRICS),
            "gate_labels": GATE_LABELS,
            "metric_labels": METRIC_LABELS,
            "previous": previous,
            "jobs": [job for job in jobs.recent(10) if job.kind == "train"],
        },
    )


@router.get("/fragments/{lang}/review-form", response_class=HTMLResponse)
def review_form_fragment(
    request: Request, lang: LangPath, taxonomy: TaxonomyDep, _key: ReaderKey
) -> HTMLResponse:
    """The labelling form for the taxonomy in force, with a shortcut key per driver."""
    return _templates.TemplateResponse(
        request,
        "fragments/review_form.html.j2",
        {"lang": lang, "t": translator(lang), "taxonomy": taxonomy, "driver_keys": DRIVER_KEYS},
    )


METRIC_LABELS = {
    "sentiment_macro_f1": "sentiment F1",
    "drivers_micro_f1": "drivers F1",
    "driver_sentiment_macro_f1": "driver polarity F1",
    "nps_macro_f1": "NPS F1",
    "churn_f1": "churn F1",
}
GATE_LABELS = {"pass": "passed", "blocked": "blocked", "no-data": "no evaluation rows"}
DRIVER_KEYS = "qwertyuiop"  # driver i toggles with DRIVER_KEYS[i]; more drivers than keys have none
