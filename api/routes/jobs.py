"""Background job status: progress while running, then the result (evaluation report) or the error."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from api.db import Job
from api.deps import JobsDep, ReaderKey
from api.problems import invalid
from api.queries import JobsQuery
from api.responses import json_response
from api.schemas import JobInfo, Str, problem_responses
from api.storage import as_utc

router = APIRouter(tags=["jobs"])


def job_info(job: Job) -> dict:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "params": job.params,
        "result": job.result,
        "error": job.error,
        "created_at": as_utc(job.created_at),
        "started_at": as_utc(job.started_at),
        "finished_at": as_utc(job.finished_at),
    }


@router.get("/v1/jobs", response_model=list[JobInfo], responses=problem_responses(422), summary="Recent jobs")
def list_jobs(query: Annotated[JobsQuery, Query()], jobs: JobsDep, _key: ReaderKey):
    return json_response([job_info(job) for job in jobs.recent(query.limit)])


@router.get(
    "/v1/jobs/{job_id}", response_model=JobInfo, responses=problem_responses(404, 422), summary="One job"
)
def get_job(job_id: Annotated[Str, Path(max_length=64)], jobs: JobsDep, _key: ReaderKey):
    job = jobs.get(job_id)
    if job is None:
        raise invalid("job_id", f"no job {job_id!r}", location="path", status=404)
    return json_response(job_info(job))
