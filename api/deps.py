"""Typed dependencies of the routes: what a route needs, declared in its signature, never read from
`request.app.state` inside the route (so a test can override any of them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.auth import require
from api.serving import ModelHolder
from api.storage import FeedbackStore


def get_store(request: Request) -> FeedbackStore:
    return request.app.state.store


def get_holder(request: Request) -> ModelHolder:
    return request.app.state.holder


StoreDep = Annotated[FeedbackStore, Depends(get_store)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
ReadKey = Annotated[object, Depends(require("read"))]
