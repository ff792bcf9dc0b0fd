"""Typed dependencies of the routes: what a route needs, declared in its signature, never fetched from
`request.app.state` in the route body (so a test or another app can hand in its own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.auth import ApiKey, require
from api.serving import ModelHolder
from api.settings import Settings
from api.storage import FeedbackStore
from cxtext.taxonomy import Taxonomy


def get_store(request: Request) -> FeedbackStore:
    return request.app.state.store


def get_holder(request: Request) -> ModelHolder:
    return request.app.state.holder


def get_taxonomy(request: Request) -> Taxonomy:
    return request.app.state.taxonomy


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[FeedbackStore, Depends(get_store)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
TaxonomyDep = Annotated[Taxonomy, Depends(get_taxonomy)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ReadKey = Annotated[object, Depends(require("read"))]
ReaderKey = Annotated[ApiKey, Depends(require("read"))]
LabellerKey = Annotated[ApiKey, Depends(require("label"))]
