"""Theme discovery over stored feedback (the same filters as the driver summary), and promotion of a
theme to a custom topic.

With `from`, themes are found in `from`–`to` *and* the previous period of the same length, so that each
theme's share now can be tested against its share before (`emerging`, `new`); without `to` the period
ends at the last stored date.

Promotion (`POST /v1/themes/{theme_id}/promote`, scope `label`) answers with labelled examples for
review, in the training format; it writes nothing. Why not into the stored labels: stored labels are an
analyst's verdict, validated against the serving model's taxonomy, which has no such topic until a model
trained with it is active — the examples are candidates to review first ("after review", issue 13).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Body, Query
from fastapi import Path as PathParam

from api.deps import LabellerKey, ModelDep, ReadKey, SnapshotsDep
from api.problems import Problem, invalid
from api.responses import json_response
from api.schemas import problem_responses
from api.snapshot import Snapshot, SnapshotCache
from api.theme_schemas import (
    PROMOTE_EXAMPLES,
    PromotionRequest,
    PromotionResponse,
    ThemeQuery,
    ThemesResponse,
)
from cxtext.analysis import analysis_options
from cxtext.analysis.frame import Frame
from cxtext.analysis.themes import ThemeError, find_themes
from cxtext.analysis.themes.promote import (
    PromotionError,
    TopicNameError,
    promoted_taxonomy,
    promotion_records,
    topic_config,
)
from cxtext.schema import record_to_row
from cxtext.taxonomy import Taxonomy

router = APIRouter(tags=["themes"])
ThemeId = Annotated[
    str, PathParam(min_length=1, max_length=40, description="a theme's id in `GET /v1/themes`, e.g. en-3")
]


@dataclasses.dataclass
class StoredThemes:
    """`find_themes` over the stored feedback one query selects."""

    result: dict
    assignments: list[dict]
    frame: Frame


def store_themes(snapshot: Snapshot, query: ThemeQuery) -> StoredThemes:
    """The themes of the matching stored feedback (raises `ThemeError` when it cannot have any), read
    from the store's analysis snapshot like the driver summary. `GET /v1/themes`, the dashboard and
    promotion all call this, so one query names the same themes in each."""
    where = query.to_filter()
    until = query.date_to
    if query.date_from and until is None:
        dates = snapshot.frame.date[snapshot.select(where)]
        dated = dates[~np.isnat(dates)]
        until = dt.date.fromisoformat(str(dated.max())) if len(dated) else None
    if query.date_from and until and until >= query.date_from:
        # the previous period of the same length is read too, to be compared with this one
        days = (until - query.date_from).days + 1
        earliest = (query.date_from - dt.date.min).days  # a period reaching before year 1 stops there
        where = dataclasses.replace(where, date_from=query.date_from - dt.timedelta(days=min(days, earliest)))
    index = snapshot.select(where)
    frame = snapshot.frame_of(index, by=[])
    result, assignments = find_themes(
        frame, n_themes=query.themes, since=query.date_from, until=until, **analysis_options(query)
    )
    return StoredThemes({"model_versions": snapshot.versions(index), **result}, assignments, frame)


def themes_result(snapshots: SnapshotCache, taxonomy: Taxonomy, query: ThemeQuery) -> dict:
    """`store_themes(...).result`, remembered until the store changes (a dashboard reload is free)."""
    question = "themes " + query.model_dump_json()
    return snapshots.answer(taxonomy, question, lambda snapshot: store_themes(snapshot, query).result)


@router.get(
    "/v1/themes",
    response_model=ThemesResponse,
    responses=problem_responses(422, 503),
    summary="Themes in stored feedback, and which are emerging",
)
def themes(query: Annotated[ThemeQuery, Query()], snapshots: SnapshotsDep, model: ModelDep, _key: ReadKey):
    """Themes per language named by their distinctive phrases, with size, sentiment mix, NPS impact and
    interval (the driver analysis's method), trend, quotes with the phrases highlighted, the known driver
    a theme matches, and with `from` whether its share grew against the previous period (`emerging`,
    with the test and its p-value) or it did not exist before (`new`). Too few stored comments is a 422."""
    try:
        result = themes_result(snapshots, model.taxonomy_, query)
    except ThemeError as exc:
        raise Problem(422, str(exc), slug="too-few-comments") from None
    return json_response(result)


@router.post(
    "/v1/themes/{theme_id}/promote",
    response_model=PromotionResponse,
    responses=problem_responses(400, 404, 409, 422, 503),
    summary="Promote a theme to a custom topic: its comments as labelled examples to review",
)
def promote(
    theme_id: ThemeId,
    query: Annotated[ThemeQuery, Query()],
    body: Annotated[PromotionRequest, Body(openapi_examples=PROMOTE_EXAMPLES)],
    snapshots: SnapshotsDep,
    model: ModelDep,
    _key: LabellerKey,
):
    """The theme `theme_id` of `GET /v1/themes` with the same query parameters (filters, `themes`,
    `seed`) becomes the custom topic `topic`: each of its stored comments is a row in the training format
    listing all its drivers plus the topic, and as many comments of its language outside the theme are
    counter-examples (`theme_member` 1/0). Nothing is stored: review the rows, add `taxonomy` to the
    service's `CXTEXT_TAXONOMY` and train on them with `empty_drivers=none-mentioned`. An id no theme has
    (for these filters) is a 404; a topic name that is already a driver or topic, or a theme whose name
    is no longer `name` (the stored feedback changed), a 409."""
    taxonomy = model.taxonomy_
    try:
        new_taxonomy = promoted_taxonomy(taxonomy, body.topic)
    except TopicNameError as exc:
        raise invalid("topic", str(exc), status=409) from None
    try:
        found = store_themes(snapshots.current(taxonomy), query)
    except ThemeError as exc:
        raise invalid("theme_id", f"no theme {theme_id!r} for these filters: {exc}", "path", 404) from None
    theme = next((t for t in found.result["themes"] if t["id"] == theme_id), None)
    if theme is None:
        known = ", ".join(t["id"] for t in found.result["themes"])
        raise invalid("theme_id", f"no theme {theme_id!r} for these filters (themes: {known})", "path", 404)
    if body.name is not None and theme["name"] != body.name:
        raise Problem(
            409,
            f"theme {theme_id!r} is now named {theme['name']!r}, not {body.name!r}: the stored feedback "
            "changed since the themes were read; read GET /v1/themes again",
            slug="theme-changed",
            extensions={"name": theme["name"]},
        )
    try:
        records = promotion_records(found.frame, found.assignments, theme_id, body.topic, taxonomy)
    except PromotionError as exc:
        raise Problem(422, str(exc), slug="empty-theme") from None
    rows = [record_to_row(record, new_taxonomy) for record in records]
    members = sum(row["theme_member"] == "1" for row in rows)
    return json_response(
        {
            "theme": theme_id,
            "name": theme["name"],
            "topic": body.topic,
            "members": members,
            "counter_examples": len(rows) - members,
            "taxonomy": {"topics": [topic_config(body.topic)]},
            "empty_drivers": "none-mentioned",
            "model_versions": found.result["model_versions"],
            "rows": rows,
        }
    )
