"""Liveness, readiness and metrics: what orchestrators and Prometheus poll."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import PlainTextResponse, Response

from api import metrics
from api.deps import HolderDep, ReaderKey, StoreDep, WarmupDep
from api.problems import Problem
from api.responses import json_response
from api.schemas import problem_responses

router = APIRouter(tags=["operations"])
log = logging.getLogger("cxtext.api")


@router.get("/healthz", summary="Liveness (no key needed)")
async def healthz() -> Response:
    """The process answers; says nothing about the model or the database."""
    return json_response({"status": "ok"})


@router.get("/readyz", summary="Readiness (no key needed)", responses={503: {"description": "not ready"}})
def readyz(holder: HolderDep, store: StoreDep, warmup: WarmupDep) -> Response:
    """Ready when a model is loaded, the database answers and the start-up warm-up (analysis snapshot,
    default dashboard) is done, so the first page is as fast as the next; a 503 problem says what is
    missing."""
    loaded = holder.loaded
    problems = []
    if (step := warmup.pending) is not None:
        problems.append(f"warming up: {step}")
    if loaded is None:
        problems.append(f"model: {holder.error or 'not loaded'}")
    try:
        store.ping()
    except SQLAlchemyError as exc:
        log.error("database not reachable", extra={"fields": {"reason": type(exc).__name__}})
        problems.append("database: not reachable")
    if problems:
        raise Problem(503, "; ".join(problems), slug="not-ready")
    return json_response({"status": "ready", "model_version": loaded.version, "database": "ok"})


@router.get(
    "/metrics",
    summary="Prometheus metrics (read scope)",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "exposition format"},
        **problem_responses(),
    },
)
def prometheus(_key: ReaderKey) -> Response:
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
