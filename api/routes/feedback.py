"""The feedback store: ingest (idempotent by id), list with filters, re-score after a promotion."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request

from api.db import Feedback
from api.deps import (
    HolderDep,
    IngestKey,
    JobsDep,
    ReaderKey,
    RunnerDep,
    SettingsDep,
    StoreDep,
    TaxonomyDep,
    TrainerKey,
)
from api.problems import Problem
from api.queries import FeedbackQuery
from api.responses import json_response
from api.schemas import (
    INGEST_EXAMPLES,
    FeedbackPage,
    IngestRequest,
    IngestResponse,
    JobStarted,
    RescoreRequest,
    problem_responses,
)
from api.storage import NewFeedback, as_utc
from api.validation import check_batch, check_feedback, check_unique_ids, given_labels
from cxtext.normalize import redact

router = APIRouter(tags=["feedback"])


def content_hash(item: dict, store_raw: bool) -> str:
    """What makes a re-sent item "the same": its fields and whether the text is kept raw."""
    canonical = json.dumps([item, store_raw], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@router.post(
    "/v1/feedback",
    response_model=IngestResponse,
    responses=problem_responses(400, 413, 422, 503),
    summary="Store feedback with its predictions",
)
def ingest(
    request: Request,
    body: Annotated[IngestRequest, Body(openapi_examples=INGEST_EXAMPLES)],
    settings: SettingsDep,
    taxonomy: TaxonomyDep,
    store: StoreDep,
    holder: HolderDep,
    _key: IngestKey,
) -> IngestResponse:
    """Store items by your `id`: a new id is created, a changed item updated, a repeated one left alone.

    Texts are stored with personal data (phone and card numbers, e-mails, URLs) masked unless the
    service runs with `CXTEXT_STORE_RAW_TEXT=true`; predictions are made on the stored text and kept
    with the model version. The whole batch is stored in one transaction or not at all.
    """
    check_batch("items", len(body.items), settings)
    check_unique_ids("items", [item.id for item in body.items])
    records = [check_feedback(f"items[{i}].", item, settings, taxonomy) for i, item in enumerate(body.items)]
    store_raw = settings.store_raw_text
    hashes = [content_hash(item.model_dump(mode="json"), store_raw) for item in body.items]
    stored = store.hashes([item.id for item in body.items])
    changed = [i for i, item in enumerate(body.items) if stored.get(item.id) != hashes[i]]
    loaded = holder.current()
    request.state.texts = len(changed)
    texts = [records[i].text if store_raw else redact(records[i].text) for i in changed]
    results = (
        loaded.model.classify(
            texts,
            [records[i].lang for i in changed],
            [records[i].score for i in changed],
            [records[i].score_scale for i in changed],
            explain=False,
        )
        if changed
        else []
    )
    items = [
        NewFeedback(
            external_id=body.items[i].id,
            text=text,
            text_redacted=not store_raw,
            lang=records[i].lang or result["language"],
            lang_given=records[i].lang is not None,
            score=records[i].score,
            score_scale=records[i].score_scale,
            date=body.items[i].date,
            segments=dict(body.items[i].segments),
            labels=given_labels(records[i], nps_from_score=body.items[i].nps_category is None),
            prediction=result,
            model_version=loaded.version,
            content_sha256=hashes[i],
        )
        for i, text, result in zip(changed, texts, results, strict=True)
    ]
    statuses = ["unchanged"] * len(body.items)
    for i, status in zip(changed, store.upsert(items), strict=True):
        statuses[i] = status
    return IngestResponse(
        model_version=loaded.version,
        counts={s: statuses.count(s) for s in ("created", "updated", "unchanged")},
        items=[{"id": item.id, "status": s} for item, s in zip(body.items, statuses, strict=True)],
    )


def stored_item(row: Feedback) -> dict:
    return {
        "id": row.external_id,
        "text": row.text,
        "text_redacted": row.text_redacted,
        "lang": row.lang,
        "score": row.score,
        "score_scale": row.score_scale,
        "date": row.date.isoformat() if row.date else None,
        "segments": {segment.key: segment.value for segment in row.segments},
        "labels": row.labels,
        "prediction": row.prediction,
        "model_version": row.model_version,
        "created_at": as_utc(row.created_at),
        "updated_at": as_utc(row.updated_at),
    }


@router.get(
    "/v1/feedback",
    response_model=FeedbackPage,
    responses=problem_responses(422),
    summary="List stored feedback",
)
def list_feedback(query: Annotated[FeedbackQuery, Query()], store: StoreDep, _key: ReaderKey):
    """Filter by date range, language, predicted sentiment, model version, segments and labels; pages are
    `limit` items long, oldest first, and `next_cursor` fetches the next one."""
    where = query.to_filter(sentiment=query.sentiment, labelled=query.labelled)
    rows = store.query(where, limit=query.limit, after_id=query.after_id())
    next_cursor = str(rows[-1].id) if len(rows) == query.limit else None
    return json_response(
        {"total": store.count(where), "items": [stored_item(row) for row in rows], "next_cursor": next_cursor}
    )


@router.post(
    "/v1/feedback/rescore",
    response_model=JobStarted,
    status_code=202,
    responses=problem_responses(400, 409, 422, 429, 503),
    summary="Re-score stored feedback with the active model",
)
def rescore(
    holder: HolderDep, jobs: JobsDep, runner: RunnerDep, key: TrainerKey, body: RescoreRequest | None = None
):
    """Start a job that predicts again every stored item that another model version predicted. Promoting
    a model never re-scores by itself: dashboards keep their numbers until this is asked for."""
    holder.current()  # 503 now rather than a failed job when no model is loaded
    runner.admit(key.key_id)
    if jobs.running("rescore"):
        raise Problem(409, "a re-scoring job is already running", slug="job-running")
    job_id = runner.start_rescore((body or RescoreRequest()).batch_size, key_id=key.key_id)
    return json_response({"job_id": job_id, "status_url": f"/v1/jobs/{job_id}"}, status_code=202)
