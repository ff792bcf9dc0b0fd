"""Model management for analysts: list versions, train (a background job), activate or roll back."""

from __future__ import annotations

import gzip
import re
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi import Path as PathParam

from api.analysis import stored_record
from api.deps import (
    AdminKey,
    HolderDep,
    JobsDep,
    ReaderKey,
    RegistryDep,
    RunnerDep,
    SettingsDep,
    StoreDep,
    TaxonomyDep,
    TrainerKey,
)
from api.problems import Problem, field_error, invalid
from api.responses import json_response
from api.schemas import Activation, JobStarted, ModelList, Str, problem_responses
from api.serving import ModelHolder
from api.storage import FeedbackFilter
from cxtext.io.records import DataError, load_records
from cxtext.schema import Record
from cxtext.taxonomy import Taxonomy
from models.registry import ModelEntry, RegistryError, UnknownVersionError, headline_metrics
from training.minimum import TooFewLabelsError, check_enough_labels
from training.sources import semantics_from_flag, with_label_coverage

router = APIRouter(tags=["models"])
VersionParam = Annotated[Str, PathParam(max_length=200, description="model version (or its folder name)")]
_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CHUNK = 1024 * 1024


def model_info(entry: ModelEntry, active: str | None) -> dict:
    counts = (entry.card.get("counts") or {}).get("train") or {}
    return {
        "version": entry.version,
        "folder": entry.path.name,
        "created_at": entry.created_at,
        "active": entry.version == active,
        "metrics": headline_metrics(entry.card.get("metrics")),
        "trained_heads": (entry.card.get("heads") or {}).get("trained", []),
        "n_train": sum((counts.get("lang") or {}).values()) if counts else None,
        "base": entry.card.get("base"),
        "gate": gate_summary(entry.card.get("gate")),
    }


def gate_summary(report: dict | None) -> dict | None:
    """What the models page shows of the gate: the verdict, on how many rows, per head the difference
    and its interval, and any warning (the full report is in the card)."""
    if report is None:
        return None
    return {
        "verdict": report.get("verdict"),
        "active_version": report.get("active_version"),
        "evaluation_rows": report.get("evaluation_rows"),
        "heads": {
            head: {key: result.get(key) for key in ("n", "difference", "interval", "verdict")}
            for head, result in (report.get("heads") or {}).items()
        },
        "warnings": report.get("warnings") or [],
    }


def _active_version(holder: ModelHolder) -> str | None:
    loaded = holder.loaded
    return loaded.version if loaded is not None else None


@router.get(
    "/v1/models", response_model=ModelList, responses=problem_responses(), summary="List model versions"
)
def list_models(registry: RegistryDep, holder: HolderDep, _key: ReaderKey):
    """Every version in the registry, oldest first, with its held-out metrics and which one serves."""
    active = _active_version(holder)
    entries = registry.list_versions()
    return json_response({"active": active, "models": [model_info(e, active) for e in entries]})


@router.get("/v1/models/{version}", responses=problem_responses(404, 422), summary="One model's card")
def get_model(version: VersionParam, registry: RegistryDep, holder: HolderDep, _key: ReaderKey):
    """The full model card: training data, label counts, held-out evaluation report, libraries."""
    try:
        entry = registry.get(version)
    except UnknownVersionError as exc:
        raise invalid("version", str(exc), location="path", status=404) from None
    return json_response({**model_info(entry, _active_version(holder)), "card": entry.card})


@router.post(
    "/v1/models/{version}/activate",
    response_model=Activation,
    responses=problem_responses(404, 409, 422),
    summary="Activate a version (promote or roll back)",
)
def activate(version: VersionParam, holder: HolderDep, _key: AdminKey):
    """Load and verify the version, then swap it in: requests in flight finish on the model they started
    with, later ones get the new one; other workers follow within about a second. Rolling back is
    activating the previous version."""
    previous = _active_version(holder)
    try:
        loaded = holder.activate(version)
    except UnknownVersionError as exc:
        raise invalid("version", str(exc), location="path", status=404) from None
    except RegistryError as exc:
        raise Problem(409, str(exc), slug="model-unusable") from None
    return json_response({"active": loaded.version, "previous": previous})


def _save_uploads(files: list[UploadFile], folder: Path, limit: int) -> dict[Path, str]:
    """Write uploads under safe names (keeping the suffix that tells the format); path -> client name.

    Gzipped uploads are decompressed here, counting the bytes as they come out: a small archive can hold
    gigabytes, and the count stops it at `limit` bytes (all files together) before it fills a disk or a
    training process.
    """
    saved = {}
    total = 0
    for i, upload in enumerate(files):
        name = upload.filename or f"upload-{i}"
        lowered = name.lower()
        packed = lowered.endswith(".gz")
        if not lowered.removesuffix(".gz").endswith(_SUFFIXES):
            raise invalid(
                f"files[{i}]", f"{name!r}: expected .csv, .jsonl, .ndjson or .json (optionally .gz)"
            )
        safe = _UNSAFE.sub("_", Path(name).name)
        path = folder / f"{i:03d}-{safe.removesuffix(safe[-3:]) if packed else safe}"
        source = gzip.GzipFile(fileobj=upload.file, mode="rb") if packed else upload.file
        try:
            with open(path, "wb") as out:
                while chunk := source.read(_CHUNK):
                    total += len(chunk)
                    if total > limit:
                        raise Problem(
                            413,
                            f"files[{i}]: {name!r} makes the uploads larger than {limit} bytes once "
                            "decompressed (CXTEXT_MAX_UPLOAD_MB)",
                            errors=[field_error(f"files[{i}]", f"over {limit} bytes decompressed", "file")],
                            slug="upload-too-large",
                        )
                    out.write(chunk)
        except (OSError, EOFError, zlib.error) as exc:
            raise invalid(f"files[{i}]", f"{name!r}: not a readable gzip file ({exc})") from None
        saved[path] = name
    return saved


def _uploaded_records(
    files: list[UploadFile], folder: Path, max_bytes: int, taxonomy: Taxonomy
) -> tuple[list[Record], list[Path]]:
    saved = _save_uploads(files, folder, max_bytes)
    try:
        result = load_records(list(saved), strict=True, taxonomy=taxonomy)
    except DataError as exc:
        bad = exc.errors[-1]
        where = f"{saved.get(Path(bad.file), bad.file)}" + (f":{bad.row}" if bad.row is not None else "")
        raise Problem(
            422,
            f"{where}: {bad.reason}",
            errors=[field_error(where, bad.reason, "file")],
            slug="invalid-input",
        ) from None
    return result.records, list(saved)


def _labelled(record: Record) -> bool:
    return any(
        value is not None
        for value in (
            record.sentiment,
            record.drivers,
            record.driver_sentiment,
            record.nps_category,
            record.churn,
        )
    )


@router.post(
    "/v1/models/train",
    response_model=JobStarted,
    status_code=202,
    responses=problem_responses(400, 409, 413, 422, 429),
    summary="Train a model (background job)",
)
def train(
    settings: SettingsDep,
    taxonomy: TaxonomyDep,
    store: StoreDep,
    jobs: JobsDep,
    runner: RunnerDep,
    key: TrainerKey,
    files: Annotated[list[UploadFile] | None, File(description="labelled .csv / .jsonl files")] = None,
    source: Annotated[
        Literal["upload", "feedback"], Form(description="uploaded files or stored feedback")
    ] = "upload",
    holdout: Annotated[
        float,
        Form(
            gt=0,
            lt=1,
            description="share of your rows (by id hash) no model trains on: the gate's evaluation set; keep "
            "it the same from one training to the next",
        ),
    ] = 0.2,
    base: Annotated[
        Literal["default"] | None,
        Form(description="'default': train on the starter corpus plus your rows, yours weighted up"),
    ] = None,
    activate: Annotated[
        bool, Form(description="activate unless the gate finds it worse than the active model beyond noise")
    ] = True,
    force: Annotated[
        bool, Form(description="activate even if the gate blocks it (needs the admin scope)")
    ] = False,
    empty_drivers: Annotated[
        Literal["none-mentioned", "not-annotated"] | None,
        Form(
            description="what an empty drivers cell means in this data (default: the known public source's "
            "meaning, else not-annotated)"
        ),
    ] = None,
):
    """Checks the data now (a bad row is a 422 naming file:row), then trains in the background: follow
    `status_url` for progress and, at the end, the evaluation report and whether it was activated."""
    if force and not key.allows("admin"):
        raise Problem(
            403,
            "force: activating a model is reserved to the admin scope; train without force and let an "
            "admin activate the version",
            errors=[field_error("force", "needs the admin scope")],
            slug="forbidden",
        )
    runner.admit(key.key_id)
    if jobs.running("train"):
        raise Problem(409, "a training job is already running; wait for it to finish", slug="job-running")
    folder = None
    if source == "upload":
        if not files:
            raise invalid("files", "upload at least one labelled file, or use source=feedback")
        folder = Path(tempfile.mkdtemp(prefix="cxtext-upload-"))
        try:
            records, paths = _uploaded_records(files, folder, settings.max_upload_bytes, taxonomy)
            _check_trainable(records, source, empty_drivers, settings.max_train_rows, base)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        names = [f.filename for f in files]
    else:
        if files:
            raise invalid("files", "source=feedback trains on stored feedback; do not upload files")
        records = [
            stored_record(row, taxonomy, predictions=False)
            for rows in store.batches(FeedbackFilter(trainable=True))
            for row in rows
        ]
        _check_trainable(records, source, empty_drivers, settings.max_train_rows, base)
        paths, names = [], []
    job_id = runner.start_training(
        records,
        key_id=key.key_id,
        params={
            "source": source,
            "files": names,
            "records": len(records),
            "holdout": holdout,
            "activate": activate,
            "force": force,
            "empty_drivers": empty_drivers,
            "base": base,
        },
        data_files=paths,
        cleanup=folder,
        holdout=holdout,
        activate=activate,
        force=force,
        declared=semantics_from_flag(empty_drivers),
        base=base,
    )
    return json_response({"job_id": job_id, "status_url": f"/v1/jobs/{job_id}"}, status_code=202)


def _check_trainable(
    records: list[Record], source: str, empty_drivers: str | None, max_rows: int, base: str | None
) -> None:
    """Refuse now what training would refuse later: no labels, too many rows, too few per head (on top
    of a base, its corpus labels every head, so a handful of the user's rows is enough)."""
    field = "files" if source == "upload" else "source"
    if len(records) > max_rows:
        raise Problem(
            413,
            f"{field}: {len(records)} rows, the most one training job takes is {max_rows} "
            "(CXTEXT_MAX_TRAIN_ROWS)",
            errors=[field_error(field, f"over {max_rows} rows")],
            slug="too-many-rows",
        )
    if not any(map(_labelled, records)):
        raise invalid(field, "no labelled rows to train on")
    if base is not None:
        return
    try:
        check_enough_labels(with_label_coverage(records, semantics_from_flag(empty_drivers)))
    except TooFewLabelsError as exc:
        raise invalid(field, str(exc)) from None
