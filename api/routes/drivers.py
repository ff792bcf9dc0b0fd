"""Driver analysis over stored feedback: `summary` for a slice, `trend` per day, week or month."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from api.analysis import stored_record
from api.auth import require
from api.queries import DriverQuery
from api.responses import json_response
from api.schemas import DriverSummary, DriverTrend, problem_responses
from cxtext.analysis import FrameBuilder, analyze

router = APIRouter(tags=["drivers"])


def analyse_store(request: Request, query: DriverQuery) -> tuple[dict, dict[str, int]]:
    """The analysis of the matching stored items (read batch by batch) and their model versions."""
    state = request.app.state
    where = query.to_filter()
    taxonomy = state.holder.current().model.taxonomy_
    by = query.by if query.by is not None else state.store.segment_keys(where)
    builder = FrameBuilder(taxonomy, date_column="date", segments=by)
    versions: Counter[str] = Counter()
    for rows in state.store.batches(where):
        builder.add(stored_record(row, taxonomy) for row in rows)
        versions.update(row.model_version for row in rows)
    analysis = analyze(
        builder.build(),
        taxonomy=taxonomy,
        period=query.period,
        nps_source=query.nps_source,
        confidence=query.confidence,
        min_n=query.min_n,
        bootstrap=query.bootstrap,
        quotes=query.quotes,
    )
    return analysis, dict(versions)


@router.get(
    "/v1/drivers/summary",
    response_model=DriverSummary,
    responses=problem_responses(422, 503),
    summary="Driver analysis of stored feedback",
)
def summary(
    request: Request,
    query: Annotated[DriverQuery, Query()],
    _key: Annotated[object, Depends(require("read"))],
):
    """NPS, each driver's mentions, polarity, NPS impact and key-driver weight, segments and quotes, for
    the items between `from` and `to` that match the language and segment filters. `model_versions`
    says which models predicted them: after a promotion, re-score to compare like with like."""
    analysis, versions = analyse_store(request, query)
    analysis.pop("trends")
    return json_response({"n": analysis["n"], "model_versions": versions, "analysis": analysis})


@router.get(
    "/v1/drivers/trend",
    response_model=DriverTrend,
    responses=problem_responses(422, 503),
    summary="NPS and driver mentions per period",
)
def trend(
    request: Request,
    query: Annotated[DriverQuery, Query()],
    _key: Annotated[object, Depends(require("read"))],
):
    """One entry per `period` (day, week or month) from the first to the last date, empty periods
    included, with the change against the previous period and whether it exceeds sampling noise."""
    analysis, versions = analyse_store(request, query)
    return json_response(
        {
            "n": analysis["n"],
            "period": query.period,
            "model_versions": versions,
            "trends": analysis["trends"],
            "warnings": analysis["warnings"],
        }
    )
