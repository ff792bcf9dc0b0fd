"""Typed dependencies of the routes: what a route needs, declared in its signature, never fetched from
`request.app.state` in the route body (so a test or another app can hand in its own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.auth import ApiKey, require
from api.batching import MicroBatcher
from api.jobs import JobRunner
from api.serving import ModelHolder
from api.settings import Settings
from api.snapshot import SnapshotCache
from api.storage import FeedbackStore, JobStore
from api.warmup import Warmup
from cxtext.model import FeedbackModel
from cxtext.taxonomy import Taxonomy
from models.registry import Registry


def get_store(request: Request) -> FeedbackStore:
    return request.app.state.store


def get_holder(request: Request) -> ModelHolder:
    return request.app.state.holder


def get_taxonomy(request: Request) -> Taxonomy:
    return request.app.state.taxonomy


def get_jobs(request: Request) -> JobStore:
    return request.app.state.jobs


def get_registry(request: Request) -> Registry:
    return request.app.state.registry


def get_snapshots(request: Request) -> SnapshotCache:
    return request.app.state.snapshots


def get_warmup(request: Request) -> Warmup:
    return request.app.state.warmup


def get_batcher(request: Request) -> MicroBatcher:
    return request.app.state.batcher


def get_runner(request: Request) -> JobRunner:
    return request.app.state.runner


def get_model(holder: Annotated[ModelHolder, Depends(get_holder)]) -> FeedbackModel:
    """The serving model (503 when none is loaded)."""
    return holder.current().model


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


StoreDep = Annotated[FeedbackStore, Depends(get_store)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
TaxonomyDep = Annotated[Taxonomy, Depends(get_taxonomy)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
JobsDep = Annotated[JobStore, Depends(get_jobs)]
RegistryDep = Annotated[Registry, Depends(get_registry)]
SnapshotsDep = Annotated[SnapshotCache, Depends(get_snapshots)]
ModelDep = Annotated[FeedbackModel, Depends(get_model)]
WarmupDep = Annotated[Warmup, Depends(get_warmup)]
BatcherDep = Annotated[MicroBatcher, Depends(get_batcher)]
RunnerDep = Annotated[JobRunner, Depends(get_runner)]
ReadKey = Annotated[object, Depends(require("read"))]
ReaderKey = Annotated[ApiKey, Depends(require("read"))]
LabellerKey = Annotated[ApiKey, Depends(require("label"))]
ClassifierKey = Annotated[ApiKey, Depends(require("classify"))]
IngestKey = Annotated[ApiKey, Depends(require("ingest"))]
TrainerKey = Annotated[ApiKey, Depends(require("train"))]
AdminKey = Annotated[ApiKey, Depends(require("admin"))]
