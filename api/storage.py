"""Repository of the feedback store and the job log: the only module that writes SQL.

Each write is one transaction, so a failed request leaves nothing half-written: a batch of feedback is
stored whole or not at all, and a re-scoring step updates a whole batch of rows or none.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, Text, and_, cast, exists, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from api.db import Feedback, FeedbackSegment, Job
from cxtext.uncertainty import informativeness

_PROGRESS_LOG = 50


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc_precise(moment: dt.datetime | None) -> str | None:
    """ISO timestamp in UTC to the microsecond: a version stamp, not something to show."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat()


def as_utc(moment: dt.datetime | None) -> str | None:
    """ISO timestamp in UTC (SQLite hands datetimes back without their zone)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class NewFeedback:
    """A feedback item ready to store: text already redacted if it should be, prediction made."""

    external_id: str
    text: str
    text_redacted: bool
    lang: str
    lang_given: bool
    score: float | None
    score_scale: str | None
    date: dt.date | None
    segments: dict[str, str]
    labels: dict | None
    prediction: dict
    model_version: str
    content_sha256: str


@dataclass(frozen=True)
class FeedbackFilter:
    """What dashboards slice by; every field is optional and they combine with AND."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    lang: str | None = None
    sentiment: str | None = None
    model_version: str | None = None
    segments: dict[str, str] = field(default_factory=dict)
    labelled: bool | None = None  # with (True) or without (False) given labels; a score is no label
    trainable: bool = False  # only items with labels or a score (an NPS category): what training reads


class UnknownFeedbackError(LookupError):
    """No stored feedback has this id."""


class LabelConflictError(Exception):
    """Another analyst (or the ingested data) already labelled this row: nothing was changed."""

    def __init__(self, labels: dict | None, labelled_by: str | None, labelled_at: dt.datetime | None) -> None:
        super().__init__("already labelled")
        self.labels = labels
        self.labelled_by = labelled_by
        self.labelled_at = labelled_at


# What the analysis reads of each stored item: plain columns, and only the few fields of the stored
# prediction (and the labels as their JSON text) that it uses, extracted by the database.
_ANALYSIS_COLUMNS = {
    "id": Feedback.id,
    "external_id": Feedback.external_id,
    "text": Feedback.text,
    "lang": Feedback.lang,
    "lang_given": Feedback.lang_given,
    "score": Feedback.score,
    "score_scale": Feedback.score_scale,
    "date": Feedback.date,
    "labels": cast(Feedback.labels, Text),
    "labelled_by": Feedback.labelled_by,
    "model_version": Feedback.model_version,
    "sentiment": Feedback.prediction[("sentiment", "label")].as_string(),
    "drivers": Feedback.prediction["drivers"].as_string(),
    "nps_category": Feedback.prediction[("nps", "category")].as_string(),
    "nps_source": Feedback.prediction[("nps", "source")].as_string(),
    "churn": Feedback.prediction[("churn", "probability")].as_float(),
    "untrained_heads": Feedback.prediction["untrained_heads"].as_string(),
}


@dataclass(frozen=True)
class AnalysisBatch:
    """Stored items in id order as columns (one list per name of `_ANALYSIS_COLUMNS`), with each
    segment key's values (`""` where an item has none): what `api.analysis.add_stored` converts."""

    columns: dict[str, list]
    segments: dict[str, list[str]]

    def __len__(self) -> int:
        return len(self.columns["id"])


class FeedbackStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def hashes(self, external_ids: Sequence[str]) -> dict[str, str]:
        """content hash by external id, for the ids already stored."""
        with self.sessions() as session:
            rows = session.execute(
                select(Feedback.external_id, Feedback.content_sha256).where(
                    Feedback.external_id.in_(external_ids)
                )
            )
            return {external_id: digest for external_id, digest in rows}

    def upsert(self, items: Sequence[NewFeedback]) -> list[str]:
        """Store `items` in one transaction; per item "created", "updated" or "unchanged".

        Idempotent by external id: sending the same item again changes nothing. If a concurrent request
        inserted one of the ids first, the batch is retried once and that item becomes an update.
        """
        try:
            return self._upsert(items)
        except IntegrityError:
            return self._upsert(items)

    def _upsert(self, items: Sequence[NewFeedback]) -> list[str]:
        now = utcnow()
        statuses = []
        with self.sessions.begin() as session:
            stored = {
                row.external_id: row
                for row in session.scalars(
                    select(Feedback).where(Feedback.external_id.in_([i.external_id for i in items]))
                )
            }
            for item in items:
                row = stored.get(item.external_id)
                if row is not None and row.content_sha256 == item.content_sha256:
                    statuses.append("unchanged")
                    continue
                if row is None:
                    row = Feedback(external_id=item.external_id, created_at=now)
                    session.add(row)
                    stored[item.external_id] = row
                    statuses.append("created")
                else:
                    statuses.append("updated")
                _fill(row, item, now)
        return statuses

    def query(self, where: FeedbackFilter, *, limit: int, after_id: int | None = None) -> list[Feedback]:
        """Up to `limit` matching items with internal id > `after_id`, oldest first (keyset pagination)."""
        statement = self._select(where).order_by(Feedback.id).limit(limit)
        if after_id is not None:
            statement = statement.where(Feedback.id > after_id)
        with self.sessions() as session:
            return list(session.scalars(statement))

    def count(self, where: FeedbackFilter) -> int:
        subquery = self._select(where).with_only_columns(Feedback.id).subquery()
        with self.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(subquery)) or 0)

    def batches(self, where: FeedbackFilter, size: int = 2000) -> Iterator[list[Feedback]]:
        """Every matching item in keyset batches, so memory holds one batch of rows at a time."""
        after = None
        while rows := self.query(where, limit=size, after_id=after):
            yield rows
            if len(rows) < size:
                return
            after = rows[-1].id

    def review_candidates(self, where: FeedbackFilter, limit: int) -> list[Feedback]:
        """The `limit` unlabelled matching rows whose stored prediction is most uncertain (ties: newest)."""
        unlabelled = dataclasses.replace(where, labelled=False)
        statement = (
            self._select(unlabelled)
            .order_by(Feedback.uncertainty.desc(), Feedback.id.desc())  # ix_feedback_review_queue, backwards
            .limit(limit)
        )
        with self.sessions() as session:
            return list(session.scalars(statement))

    def score_of(self, external_id: str) -> tuple[float | None, str | None]:
        """The stored item's score and scale (labels must agree with the NPS category its score gives)."""
        statement = select(Feedback.score, Feedback.score_scale).where(Feedback.external_id == external_id)
        with self.sessions() as session:
            row = session.execute(statement).first()
        if row is None:
            raise UnknownFeedbackError(external_id)
        return row.score, row.score_scale

    def set_labels(self, external_id: str, labels: dict, who: str, *, overwrite: bool = False) -> Feedback:
        """Store an analyst's labels in one conditional UPDATE, so two analysts racing for one row cannot
        both win: without `overwrite` only an unlabelled row, or one this analyst labelled, is written.
        Raises UnknownFeedbackError, or LabelConflictError carrying the labels that stay."""
        now = utcnow()
        with self.sessions.begin() as session:
            statement = update(Feedback).where(Feedback.external_id == external_id)
            if not overwrite:
                statement = statement.where(or_(Feedback.labels.is_(None), Feedback.labelled_by == who))
            values = {"labels": labels, "labelled_by": who, "labelled_at": now, "updated_at": now}
            if session.execute(statement.values(**values)).rowcount == 1:
                return session.scalars(select(Feedback).where(Feedback.external_id == external_id)).one()
            row = session.scalars(select(Feedback).where(Feedback.external_id == external_id)).first()
            if row is None:
                raise UnknownFeedbackError(external_id)
            raise LabelConflictError(row.labels, row.labelled_by, row.labelled_at)

    def revision(self) -> tuple[int | None, dt.datetime | None]:
        """(largest id, latest update), two index look-ups: it moves whenever an item is added, updated,
        labelled or re-scored (items are never deleted), which is when an analysis snapshot of the store
        must be refreshed. The time is as the database returns it, to be handed back to `analysis_batch`."""
        statement = select(func.max(Feedback.id), func.max(Feedback.updated_at))
        with self.sessions() as session:
            last_id, updated = session.execute(statement).one()
        return last_id, updated

    def analysis_batch(
        self, after_id: int | None, size: int = 5000, updated_after: dt.datetime | None = None
    ) -> AnalysisBatch:
        """Up to `size` items with id > `after_id` (and, if given, written after `updated_after`: the
        indexed `updated_at`) in id order, as columns of what the analysis reads
        (no ORM objects and no whole predictions decoded: building those was most of the cost of
        reading the whole store; the ORM's result machinery is skipped too)."""
        statement = select(*_ANALYSIS_COLUMNS.values()).order_by(Feedback.id)
        if after_id is not None:
            statement = statement.where(Feedback.id > after_id)
        if updated_after is not None:
            statement = statement.where(Feedback.updated_at > updated_after)
        with self.engine.connect() as connection:
            rows = connection.execute(statement.limit(size)).all()
            if not rows:
                return AnalysisBatch({name: [] for name in _ANALYSIS_COLUMNS}, {})
            columns = dict(zip(_ANALYSIS_COLUMNS, map(list, zip(*rows, strict=True)), strict=True))
            position = {row_id: i for i, row_id in enumerate(columns["id"])}
            segments: dict[str, list[str]] = {}
            ids = columns["id"]
            dense = ids[-1] - ids[0] < 2 * len(ids)  # mostly a run of ids: a range, else the ids themselves
            pairs = select(FeedbackSegment.feedback_id, FeedbackSegment.key, FeedbackSegment.value).where(
                FeedbackSegment.feedback_id.between(ids[0], ids[-1])
                if dense
                else FeedbackSegment.feedback_id.in_(ids)
            )
            for feedback_id, key, value in connection.execute(pairs):
                if key not in segments:
                    segments[key] = [""] * len(rows)
                segments[key][position[feedback_id]] = value
        return AnalysisBatch(columns, segments)

    def segment_keys(self, where: FeedbackFilter) -> list[str]:
        """The segment keys of the matching items, most used first."""
        ids = self._select(where).with_only_columns(Feedback.id).subquery()
        statement = (
            select(FeedbackSegment.key, func.count())
            .where(FeedbackSegment.feedback_id.in_(select(ids.c.id)))
            .group_by(FeedbackSegment.key)
            .order_by(func.count().desc(), FeedbackSegment.key)
        )
        with self.sessions() as session:
            return [key for key, _ in session.execute(statement)]

    def stale(self, model_version: str, limit: int, after_id: int | None = None) -> list[Feedback]:
        """Items predicted by another model than `model_version` (the work of a re-scoring job)."""
        statement = select(Feedback).where(Feedback.model_version != model_version)
        if after_id is not None:
            statement = statement.where(Feedback.id > after_id)
        with self.sessions() as session:
            return list(session.scalars(statement.order_by(Feedback.id).limit(limit)))

    def count_stale(self, model_version: str) -> int:
        with self.sessions() as session:
            statement = select(func.count()).where(Feedback.model_version != model_version)
            return int(session.scalar(statement) or 0)

    def set_predictions(self, updates: Sequence[tuple[int, dict]], model_version: str) -> None:
        """New predictions for rows by internal id, all in one transaction."""
        now = utcnow()
        with self.sessions.begin() as session:
            for row_id, prediction in updates:
                session.execute(
                    update(Feedback)
                    .where(Feedback.id == row_id)
                    .values(
                        prediction=prediction,
                        model_version=model_version,
                        sentiment=_label(prediction),
                        nps_category=_nps(prediction),
                        uncertainty=informativeness(prediction),
                        updated_at=now,
                    )
                )

    @staticmethod
    def _select(where: FeedbackFilter):
        statement = select(Feedback)
        conditions = []
        if where.date_from is not None:
            conditions.append(Feedback.date >= where.date_from)
        if where.date_to is not None:
            conditions.append(Feedback.date <= where.date_to)
        if where.lang is not None:
            conditions.append(Feedback.lang == where.lang)
        if where.sentiment is not None:
            conditions.append(Feedback.sentiment == where.sentiment)
        if where.model_version is not None:
            conditions.append(Feedback.model_version == where.model_version)
        if where.labelled is not None:
            conditions.append(Feedback.labels.is_not(None) if where.labelled else Feedback.labels.is_(None))
        if where.trainable:
            conditions.append(or_(Feedback.labels.is_not(None), Feedback.score.is_not(None)))
        for key, value in where.segments.items():
            conditions.append(
                exists().where(
                    FeedbackSegment.feedback_id == Feedback.id,
                    FeedbackSegment.key == key,
                    FeedbackSegment.value == value,
                )
            )
        return statement.where(and_(*conditions)) if conditions else statement


def _label(prediction: dict) -> str | None:
    return (prediction.get("sentiment") or {}).get("label")


def _nps(prediction: dict) -> str | None:
    return (prediction.get("nps") or {}).get("category")


def _fill(row: Feedback, item: NewFeedback, now: dt.datetime) -> None:
    """Copy a (new or changed) item into its row. An analyst's labels survive a re-sent item without
    labels whose text is unchanged (a changed segment or date does not undo someone's work)."""
    if item.labels is not None or row.labelled_by is None or row.text != item.text:
        row.labels = item.labels
        row.labelled_by = None
        row.labelled_at = None
    row.text = item.text
    row.text_redacted = item.text_redacted
    row.lang = item.lang
    row.lang_given = item.lang_given
    row.score = item.score
    row.score_scale = item.score_scale
    row.date = item.date
    row.prediction = item.prediction
    row.uncertainty = informativeness(item.prediction)
    row.sentiment = _label(item.prediction)
    row.nps_category = _nps(item.prediction)
    row.model_version = item.model_version
    row.content_sha256 = item.content_sha256
    row.updated_at = now
    row.segments = [FeedbackSegment(key=k, value=v) for k, v in sorted(item.segments.items())]


def job_owner() -> str:
    """host:pid of this process, so a restarted server can tell its dead jobs from a live neighbour's."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # another machine's job: not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


class JobStore:
    """Job state in the database: every worker process can answer `GET /v1/jobs/{id}`."""

    def __init__(self, engine: Engine) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def create(self, kind: str, params: dict) -> Job:
        job = Job(
            id=uuid.uuid4().hex,
            kind=kind,
            status="queued",
            params=params,
            progress={"message": "queued", "fraction": 0.0, "log": []},
            owner=job_owner(),
            created_at=utcnow(),
        )
        with self.sessions.begin() as session:
            session.add(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self.sessions() as session:
            return session.get(Job, job_id)

    def recent(self, limit: int) -> list[Job]:
        with self.sessions() as session:
            return list(session.scalars(select(Job).order_by(Job.created_at.desc()).limit(limit)))

    def running(self, kind: str) -> list[Job]:
        with self.sessions() as session:
            statement = select(Job).where(Job.kind == kind, Job.status.in_(("queued", "running")))
            return [job for job in session.scalars(statement) if _alive(job.owner)]

    def active_of(self, key_id: str) -> list[Job]:
        """The queued and running jobs that API key `key_id` started, oldest first."""
        with self.sessions() as session:
            statement = select(Job).where(Job.status.in_(("queued", "running"))).order_by(Job.created_at)
            return [
                job
                for job in session.scalars(statement)
                if (job.params or {}).get("key_id") == key_id and _alive(job.owner)
            ]

    def start(self, job_id: str) -> None:
        self._update(job_id, status="running", started_at=utcnow())

    def progress(self, job_id: str, message: str, fraction: float | None = None) -> None:
        with self.sessions.begin() as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            previous = job.progress or {}
            log = [*previous.get("log", []), {"at": as_utc(utcnow()), "message": message}][-_PROGRESS_LOG:]
            job.progress = {
                "message": message,
                "fraction": previous.get("fraction") if fraction is None else round(fraction, 4),
                "log": log,
            }

    def finish(self, job_id: str, result: dict) -> None:
        self._update(job_id, status="succeeded", result=result, finished_at=utcnow())
        self.progress(job_id, "done", 1.0)

    def fail(self, job_id: str, error: str, result: dict | None = None) -> None:
        self._update(job_id, status="failed", error=error, result=result, finished_at=utcnow())

    def fail_orphans(self) -> int:
        """Mark jobs whose process died (server restarted mid-job) as failed; returns how many."""
        with self.sessions.begin() as session:
            jobs = session.scalars(select(Job).where(Job.status.in_(("queued", "running"))))
            orphans = [job for job in jobs if not _alive(job.owner)]
            for job in orphans:
                job.status = "failed"
                job.error = "interrupted: the server process running this job stopped"
                job.finished_at = utcnow()
            return len(orphans)

    def _update(self, job_id: str, **values: object) -> None:
        with self.sessions.begin() as session:
            session.execute(update(Job).where(Job.id == job_id).values(**values))
