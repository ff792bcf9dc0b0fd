"""Theme discovery over stored feedback: the same filters as the driver summary.

With `from`, themes are found in `from`–`to` *and* the previous period of the same length, so that each
theme's share now can be tested against its share before (`emerging`, `new`); without `to` the period
ends at the last stored date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Query

from api.analysis import stored_record
from api.deps import HolderDep, ReadKey, StoreDep
from api.problems import Problem
from api.responses import json_response
from api.schemas import problem_responses
from api.theme_schemas import ThemeQuery, ThemesResponse
from cxtext.analysis import FrameBuilder
from cxtext.analysis.themes import ThemeError, find_themes

router = APIRouter(tags=["themes"])


@router.get(
    "/v1/themes",
    response_model=ThemesResponse,
    responses=problem_responses(422, 503),
    summary="Themes in stored feedback, and which are emerging",
)
def themes(query: Annotated[ThemeQuery, Query()], store: StoreDep, holder: HolderDep, _key: ReadKey):
    """Themes per language named by their distinctive phrases, with size, sentiment mix, NPS impact and
    interval (the driver analysis's method), trend, quotes with the phrases highlighted, the known driver
    a theme matches, and with `from` whether its share grew against the previous period (`emerging`,
    with the test and its p-value) or it did not exist before (`new`). Too few stored comments is a 422."""
    where = query.to_filter()
    until = query.date_to or (store.last_date(where) if query.date_from else None)
    if query.date_from and until:  # the previous period of the same length is compared with this one
        days = (until - query.date_from).days + 1
        earliest = (query.date_from - dt.date.min).days  # a period reaching before year 1 stops there
        where = dataclasses.replace(where, date_from=query.date_from - dt.timedelta(days=min(days, earliest)))
    taxonomy = holder.current().model.taxonomy_
    builder = FrameBuilder(taxonomy, date_column="date")
    versions: Counter[str] = Counter()
    for rows in store.batches(where):
        builder.add(stored_record(row, taxonomy) for row in rows)
        versions.update(row.model_version for row in rows)
    try:
        result, _ = find_themes(
            builder.build(),
            n_themes=query.themes,
            seed=query.seed,
            since=query.date_from,
            until=until,
            period=query.period,
            nps_source=query.nps_source,
            confidence=query.confidence,
            min_n=query.min_n,
            bootstrap=query.bootstrap,
            quotes=query.quotes,
        )
    except ThemeError as exc:
        raise Problem(422, str(exc), slug="too-few-comments") from None
    return json_response({"model_versions": dict(versions), **result})
