"""The analyst's loop on stored feedback: the review queue, labelling one item, exporting the labels.

The queue ranks unlabelled items by the uncertainty of their stored prediction (indexed, so a page is
one indexed query however many items are stored), takes a pool a few times the page size and spreads
the page over different content (`cxtext.uncertainty.diverse_order`); only the page is classified again
by the active model, with evidence, for the analyst to accept or correct.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from api.analysis import stored_record
from api.deps import HolderDep, LabellerKey, ReaderKey, StoreDep, TaxonomyDep
from api.problems import Problem, invalid
from api.queries import FilterQuery
from api.responses import json_response
from api.schemas import LABELS_EXAMPLES, LabelledItem, LabelsRequest, ReviewPage, problem_responses
from api.storage import FeedbackFilter, LabelConflictError, UnknownFeedbackError, as_utc
from api.validation import given_labels
from cxtext.schema import COLUMNS, SchemaError, record_from_row, record_to_row
from cxtext.taxonomy import Taxonomy
from cxtext.uncertainty import diverse_order

router = APIRouter(tags=["review"])
POOL_FACTOR = 5  # candidates ranked per requested item, for the diversity step to choose from
MAX_POOL = 1000
EXPORT_COLUMNS = (*COLUMNS, "date", "labelled_by", "labelled_at")
FeedbackId = Annotated[str, PathParam(min_length=1, max_length=200, description="the feedback's id")]


class ReviewQuery(FilterQuery):
    limit: int = Field(10, ge=1, le=50, description="items on this page")


class LabelsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown parameter is a 422, as on every route

    overwrite: bool = Field(False, description="replace labels another analyst set")


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "jsonl"] = Field("csv", description="csv or jsonl")


@router.get(
    "/v1/feedback/review",
    response_model=ReviewPage,
    responses=problem_responses(422, 503),
    summary="The review queue: what a label would teach the model most",
)
def review(query: Annotated[ReviewQuery, Query()], store: StoreDep, holder: HolderDep, _key: ReaderKey):
    """Unlabelled stored feedback, most uncertain first (mean uncertainty over the heads), with no
    near-duplicates next to each other, each with the active model's classification and evidence.
    Labelled items leave the queue; `remaining` counts the unlabelled items the filters match."""
    where = dataclasses.replace(query.to_filter(), labelled=False)
    loaded = holder.current()
    pool = store.review_candidates(where, min(MAX_POOL, max(50, query.limit * POOL_FACTOR)))
    rows = [pool[i] for i in diverse_order([row.text for row in pool], query.limit)]
    predictions = (
        loaded.model.classify(
            [row.text for row in rows],
            [row.lang if row.lang_given else None for row in rows],
            [row.score for row in rows],
            [row.score_scale for row in rows],
            explain=True,
        )
        if rows
        else []
    )
    items = [
        {
            "id": row.external_id,
            "text": row.text,
            "lang": row.lang,
            "segments": {segment.key: segment.value for segment in row.segments},
            "created_at": as_utc(row.created_at),
            "uncertainty": row.uncertainty if row.uncertainty is not None else 0.0,
            "prediction": prediction,
        }
        for row, prediction in zip(rows, predictions, strict=True)
    ]
    return json_response({"model_version": loaded.version, "items": items, "remaining": store.count(where)})


def checked_labels(
    body: LabelsRequest, taxonomy: Taxonomy, score: float | None = None, scale: str | None = None
) -> dict:
    """The labels as the data contract reads them (the rules a labelled file obeys), or a 422 naming
    the field: a driver outside the taxonomy, a polarity for a driver not listed in `drivers`, an NPS
    category the item's own score contradicts (the category its score gives is not stored again)."""
    row: dict[str, object] = {
        "text": "-",
        "drivers": body.drivers,
        **({"driver_sentiment": body.driver_sentiment} if body.driver_sentiment else {}),
        **{
            name: value
            for name in ("sentiment", "nps_category", "churn")
            if (value := getattr(body, name)) is not None
        },
        **({"score": score, "score_scale": scale} if score is not None else {}),
    }
    try:
        record = record_from_row(row, taxonomy)
    except SchemaError as exc:
        raise invalid(exc.column, str(exc)) from None
    return given_labels(record, nps_from_score=body.nps_category is None) or {"drivers": []}


@router.put(
    "/v1/feedback/{feedback_id}/labels",
    response_model=LabelledItem,
    responses=problem_responses(400, 404, 409, 413, 422),
    summary="Label one stored item",
)
def put_labels(
    feedback_id: FeedbackId,
    body: Annotated[LabelsRequest, Body(openapi_examples=LABELS_EXAMPLES)],
    query: Annotated[LabelsQuery, Query()],
    store: StoreDep,
    taxonomy: TaxonomyDep,
    key: LabellerKey,
):
    """Stores the labels with who set them (the key's name) and when; the item leaves the review queue
    and `source=feedback` training and the labels export use it. An item labelled by someone else (or
    ingested with labels) is a 409 carrying those labels, unless `overwrite=true`."""
    checked_labels(body, taxonomy)  # a wrong label is a 422 whether or not the id exists
    try:
        labels = checked_labels(body, taxonomy, *store.score_of(feedback_id))
        row = store.set_labels(feedback_id, labels, key.key_id, overwrite=query.overwrite)
    except UnknownFeedbackError:
        raise invalid("feedback_id", f"no stored feedback has id {feedback_id!r}", "path", 404) from None
    except LabelConflictError as exc:
        who = exc.labelled_by or "the ingested data"
        raise Problem(
            409,
            f"{feedback_id!r} is already labelled by {who}; send overwrite=true to replace those labels",
            slug="already-labelled",
            extensions={
                "labels": exc.labels,
                "labelled_by": exc.labelled_by,
                "labelled_at": as_utc(exc.labelled_at),
            },
        ) from None
    return json_response(
        {
            "id": row.external_id,
            "labels": row.labels,
            "labelled_by": row.labelled_by,
            "labelled_at": as_utc(row.labelled_at),
        }
    )


@router.get(
    "/v1/feedback/labels",
    responses={
        **problem_responses(422),
        200: {"content": {"text/csv": {}, "application/x-ndjson": {}}, "description": "labelled rows"},
    },
    summary="Export labelled feedback in the training format",
)
def export_labels(
    query: Annotated[ExportQuery, Query()], store: StoreDep, taxonomy: TaxonomyDep, _key: ReaderKey
):
    """Every labelled item as a row `cxtext train` reads (CSV or JSON Lines), with `labelled_by` and
    `labelled_at`; analysts' rows carry `source=analyst_review`, whose empty drivers mean none mentioned."""
    where = FeedbackFilter(labelled=True)
    segment_keys = store.segment_keys(where)
    header = list(dict.fromkeys((*EXPORT_COLUMNS, *segment_keys)))

    def rows() -> Iterator[dict[str, str]]:
        for batch in store.batches(where):
            for row in batch:
                cells = record_to_row(stored_record(row, taxonomy, predictions=False), taxonomy)
                cells["labelled_by"] = row.labelled_by or ""
                cells["labelled_at"] = as_utc(row.labelled_at) or ""
                yield cells

    def as_csv() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header, restval="", lineterminator="\n")
        writer.writeheader()
        for cells in rows():
            writer.writerow(cells)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    def as_jsonl() -> Iterator[str]:
        for cells in rows():
            yield json.dumps(cells, ensure_ascii=False) + "\n"

    fmt = query.format
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson"
    return StreamingResponse(
        as_csv() if fmt == "csv" else as_jsonl(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="labels.{fmt}"'},
    )
