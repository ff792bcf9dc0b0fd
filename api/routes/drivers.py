"""Driver analysis over stored feedback: `summary` for a slice, `trend` per day, week or month."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import ModelDep, ReaderKey, SnapshotsDep
from api.queries import DriverQuery
from api.responses import json_response
from api.schemas import DriverSummary, DriverTrend, problem_responses
from api.snapshot import Snapshot, SnapshotCache
from cxtext.analysis import analysis_options, analyze
from cxtext.taxonomy import Taxonomy

router = APIRouter(tags=["drivers"])


def analyse_store(
    snapshots: SnapshotCache, taxonomy: Taxonomy, query: DriverQuery
) -> tuple[dict, dict[str, int]]:
    """The analysis of the matching stored items and their model versions, from the store's snapshot
    (remembered until the store changes; callers get their own top-level dict to edit)."""

    def compute(snapshot: Snapshot) -> tuple[dict, dict[str, int]]:
        index = snapshot.select(query.to_filter())
        analysis = analyze(snapshot.frame_of(index, query.by), taxonomy=taxonomy, **analysis_options(query))
        return analysis, snapshot.versions(index)

    analysis, versions = snapshots.answer(taxonomy, query.model_dump_json(), compute)
    return dict(analysis), dict(versions)


@router.get(
    "/v1/drivers/summary",
    response_model=DriverSummary,
    responses=problem_responses(422, 503),
    summary="Driver analysis of stored feedback",
)
def summary(
    query: Annotated[DriverQuery, Query()], snapshots: SnapshotsDep, model: ModelDep, _key: ReaderKey
):
    """NPS, each driver's mentions, polarity, NPS impact and key-driver weight, segments and quotes, for
    the items between `from` and `to` that match the language and segment filters. `model_versions`
    says which models predicted them: after a promotion, re-score to compare like with like."""
    analysis, versions = analyse_store(snapshots, model.taxonomy_, query)
    analysis.pop("trends")
    return json_response({"n": analysis["n"], "model_versions": versions, "analysis": analysis})


@router.get(
    "/v1/drivers/trend",
    response_model=DriverTrend,
    responses=problem_responses(422, 503),
    summary="NPS and driver mentions per period",
)
def trend(query: Annotated[DriverQuery, Query()], snapshots: SnapshotsDep, model: ModelDep, _key: ReaderKey):
    """One entry per `period` (day, week or month) from the first to the last date, empty periods
    included, with the change against the previous period and whether it exceeds sampling noise."""
    analysis, versions = analyse_store(snapshots, model.taxonomy_, query)
    return json_response(
        {
            "n": analysis["n"],
            "period": query.period,
            "model_versions": versions,
            "trends": analysis["trends"],
            "warnings": analysis["warnings"],
        }
    )
