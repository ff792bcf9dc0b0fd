"""`POST /v1/classify`: one text or a batch in, everything the model predicts and its version out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api import metrics
from api.batching import classify_items
from api.deps import BatcherDep, ClassifierKey, HolderDep, SettingsDep
from api.problems import invalid
from api.responses import json_response
from api.schemas import CLASSIFY_EXAMPLES, ClassifyRequest, ClassifyResponse, TextItem, problem_responses
from api.settings import Settings
from api.validation import check_batch, check_score, check_text, check_unique_ids

router = APIRouter(tags=["classify"])

# Below this many characters the model runs on the event loop: a thread hop costs more than the work.
INLINE_CHARS = 2000


def checked_items(body: ClassifyRequest, settings: Settings) -> list[TextItem]:
    """The request as items (a single `text` is a batch of one); a bad field is a 4xx naming it."""
    if body.text is not None and body.items is not None:
        raise invalid("text", "send either 'text' or 'items', not both")
    if body.items is None:
        if body.text is None:
            raise invalid("text", "send 'text' (one text) or 'items' (a batch)")
        items, prefix = (
            [TextItem(text=body.text, lang=body.lang, score=body.score, score_scale=body.score_scale)],
            "",
        )
    else:
        for name in ("lang", "score", "score_scale"):
            if getattr(body, name) is not None:
                raise invalid(name, "with 'items', give it per item")
        check_batch("items", len(body.items), settings)
        check_unique_ids("items", [item.id for item in body.items])
        items, prefix = body.items, "items[{}]."
    for i, item in enumerate(items):
        where = prefix.format(i)
        check_text(f"{where}text", item.text, settings)
        check_score(where, item.score, item.score_scale)
    return items


@router.post(
    "/v1/classify",
    response_model=ClassifyResponse,
    responses=problem_responses(400, 413, 422, 503),
    summary="Classify one text or a batch",
)
async def classify(
    request: Request,
    body: Annotated[ClassifyRequest, Body(openapi_examples=CLASSIFY_EXAMPLES)],
    settings: SettingsDep,
    holder: HolderDep,
    batcher: BatcherDep,
    _key: ClassifierKey,
) -> Response:
    """Sentiment, drivers with their polarity, NPS category and churn risk, with evidence spans.

    The language is detected unless given. Every result in one response comes from the same model
    version (`model_version`), even while a new model is being activated.
    """
    items = checked_items(body, settings)
    request.state.texts = len(items)
    metrics.TEXTS.labels("/v1/classify").inc(len(items))
    if body.items is None:  # one text: batched with other requests arriving at the same time
        version, result = await batcher.classify(items[0], body.explain)
        return json_response({"model_version": version, "results": [result]})
    loaded = holder.current()  # read once: this request uses this model only
    if sum(len(item.text) for item in items) <= INLINE_CHARS:
        results = classify_items(loaded, items, body.explain)
    else:
        results = await run_in_threadpool(classify_items, loaded, items, body.explain)
    return json_response({"model_version": loaded.version, "results": results})
