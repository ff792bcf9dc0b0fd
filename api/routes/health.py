"""Liveness, readiness and metrics: what orchestrators and Prometheus poll."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import PlainTextResponse, Response

from api import metrics
from api.deps import HolderDep, ReaderKey, StoreDep
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
def readyz(holder: HolderDep, store: StoreDep) -> Response:
    """Ready when a model is loaded and the database answers; a 503 problem says which is missing."""
    loaded = holder.loaded
    problems = []
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
