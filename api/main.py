"""The application factory: `create_app(settings)` wires settings, keys, database, model and routes.

`cxtext serve` runs `app_from_env` in each uvicorn worker. Start-up migrates the database (under a
lock, so parallel workers are safe), marks jobs of dead processes as failed, and loads the model; a
missing model does not stop the service (`/readyz` says why, classify answers 503) so that an
operator can still list and activate versions.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.responses import Response

import cxtext
from api import problems
from api.auth import KeyRing, authenticate, parse_keys
from api.batching import MicroBatcher
from api.db import make_engine, migrate
from api.jobs import JobRunner
from api.middleware import AuthenticationGate, RequestContextMiddleware
from api.openapi import openapi_builder
from api.responses import json_response
from api.route_table import RouteTable
from api.routes import analyze, classify, drivers, feedback, health, jobs, models, review, themes, ui
from api.serving import ModelHolder, ModelUnavailableError
from api.settings import Settings
from api.snapshot import SnapshotCache
from api.storage import FeedbackStore, JobStore
from api.warmup import Warmup
from cxtext.taxonomy import Taxonomy
from models.registry import Registry

log = logging.getLogger("cxtext.api")

DESCRIPTION = """
Classify Persian (فارسی), Finglish and English customer feedback — sentiment, drivers (quality, price,
access, staff) with their polarity, NPS category, churn risk, each with evidence phrases — store it for
dashboards, analyse which drivers move NPS, and manage model versions.

Every route but `/healthz` and `/readyz` needs `Authorization: Bearer <key>` with the right scope
(`classify`, `ingest`, `read`, `label`, `train`, `admin`). Errors are RFC 9457 problem documents.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    keys = KeyRing(parse_keys(settings.api_keys))
    if not keys.keys:
        log.warning("no API keys configured (CXTEXT_API_KEYS): every authenticated route answers 401")
    engine = make_engine(settings.database_url)
    migrate(engine)
    registry = Registry(settings.models_dir)
    holder = ModelHolder(registry, settings.model_path, settings.model_check_seconds)
    holder.load()
    store, job_store = FeedbackStore(engine), JobStore(engine)
    orphans = job_store.fail_orphans()
    if orphans:
        log.warning("jobs of stopped processes marked failed", extra={"fields": {"jobs": orphans}})

    snapshots = SnapshotCache(store)
    warmup = Warmup(
        [
            ("analysis snapshot", lambda: snapshots.current(holder.current().model.taxonomy_)),
            ("default dashboard", lambda: ui.warm_dashboard(snapshots, holder.current().model)),
        ]
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        holder.start_watching()
        warmup.start()
        yield
        holder.stop_watching()
        engine.dispose()

    public = settings.public_docs
    app = FastAPI(
        title="cxtext",
        version=cxtext.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs" if public else None,
        redoc_url="/redoc" if public else None,
        openapi_url="/openapi.json" if public else None,
    )
    app.state.settings = settings
    app.state.keys = keys
    app.state.engine = engine
    app.state.registry = registry
    app.state.holder = holder
    app.state.batcher = MicroBatcher(holder)
    app.state.store = store
    app.state.jobs = job_store
    app.state.snapshots = snapshots
    app.state.warmup = warmup
    app.state.runner = JobRunner(
        job_store,
        store,
        holder,
        registry,
        max_running=settings.max_running_jobs_per_key,
        max_queued=settings.max_queued_jobs_per_key,
        scheduler=settings.dask_scheduler,
    )
    app.state.taxonomy = Taxonomy.from_env()
    app.openapi = openapi_builder(app, settings, app.state.taxonomy)  # type: ignore[method-assign]

    app.state.routes = RouteTable(app.router.routes)
    problems.install(app)

    async def on_no_model(_request: Request, exc: Exception) -> Response:
        return problems.problem_response(problems.Problem(503, f"no model is loaded: {exc}", slug="no-model"))

    app.add_exception_handler(ModelUnavailableError, on_no_model)
    # Outermost last: request context (id, metrics, log) -> CORS (answers preflights) -> key gate -> routes.
    app.add_middleware(
        AuthenticationGate, keys=keys, public=public_paths(public), public_prefixes=PUBLIC_PREFIXES
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(
        RequestContextMiddleware, max_body_bytes=settings.max_body_bytes, routes=app.state.routes
    )
    for module in (classify, analyze, feedback, review, drivers, themes, models, jobs, health, ui):
        app.include_router(module.router)
    if not public:

        @app.get("/openapi.json", include_in_schema=False)
        async def openapi(_key: Annotated[object, Depends(authenticate)]) -> Response:
            return json_response(app.openapi())

    log.info(
        "service ready",
        extra={
            "fields": {
                "model_version": holder.loaded.version if holder.loaded else None,
                "database": engine.dialect.name,
                "keys": len(keys.keys),
            }
        },
    )
    return app


def public_paths(public_docs: bool) -> frozenset[str]:
    """Paths answered without an API key: the health probes, the web interface's pages (which ask for a
    key and send it with every data request), and the docs when they are public."""
    docs = ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json") if public_docs else ()
    return frozenset(("/healthz", "/readyz", "/ui", "/ui/", "/ui/review", "/ui/models", *docs))


# The web interface's stylesheet and script: static files, public like the pages that load them.
PUBLIC_PREFIXES = ("/ui/static/",)


def app_from_env() -> FastAPI:
    """The uvicorn factory (`api.main:app_from_env`): settings from the environment.

    The loaded model is a few hundred thousand long-lived objects; every full garbage collection would
    walk them all (~100 ms, measured: the p99 of a busy server). Frozen objects are never scanned.
    """
    app = create_app(Settings.from_env())
    gc.collect()
    gc.freeze()
    return app
