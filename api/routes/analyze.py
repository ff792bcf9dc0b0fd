"""`POST /v1/analyze`: records in, their predictions and the driver analysis out; nothing is stored."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request

from api import metrics
from api.analysis import segment_keys, with_predictions
from api.deps import ClassifierKey, HolderDep, SettingsDep, TaxonomyDep
from api.responses import json_response
from api.schemas import ANALYZE_EXAMPLES, AnalyzeRequest, AnalyzeResponse, problem_responses
from api.validation import check_batch, check_feedback, check_unique_ids
from cxtext.analysis import analysis_options, analyze

router = APIRouter(tags=["analyze"])


@router.post(
    "/v1/analyze",
    response_model=AnalyzeResponse,
    responses=problem_responses(400, 413, 422, 503),
    summary="Classify records and analyse their drivers",
)
def analyze_records(
    request: Request,
    body: Annotated[AnalyzeRequest, Body(openapi_examples=ANALYZE_EXAMPLES)],
    settings: SettingsDep,
    taxonomy: TaxonomyDep,
    holder: HolderDep,
    _key: ClassifierKey,
):
    """Predicts every record with one model version, then runs the driver analysis on the records
    (given labels win over predictions). Records may carry a score, a date and segments; nothing is kept."""
    check_batch("items", len(body.items), settings)
    check_unique_ids("items", [item.id for item in body.items])
    records = [check_feedback(f"items[{i}].", item, settings, taxonomy) for i, item in enumerate(body.items)]
    loaded = holder.current()
    request.state.texts = len(records)
    results = loaded.model.classify(
        [r.text for r in records],
        [r.lang for r in records],
        [r.score for r in records],
        [r.score_scale for r in records],
        explain=False,
    )
    metrics.TEXTS.labels("/v1/analyze").inc(len(records))
    scored = [with_predictions(r, result) for r, result in zip(records, results, strict=True)]
    analysis = analyze(
        scored,
        taxonomy=loaded.model.taxonomy_,
        segments=body.by if body.by is not None else segment_keys(scored),
        **analysis_options(body),
    )
    predictions = [
        {"id": item.id, **result} if item.id is not None else result
        for item, result in zip(body.items, results, strict=True)
    ]
    return json_response({"model_version": loaded.version, "predictions": predictions, "analysis": analysis})
