"""Background jobs: training a model from uploaded or stored labelled feedback, and re-scoring the store.

Training runs in a child process (a fresh interpreter): it is CPU-bound for minutes, and in a thread it
would hold the GIL against the requests this worker serves. The child writes the artifact into a hidden
staging folder of the registry; only a complete artifact is renamed into place, so a failed job leaves
nothing behind. The new model is compared with the active one by the gate (`training.gate`: per head,
on the evaluation rows neither trained on, with a confidence interval) and is activated only if no head
is worse beyond noise, unless the job was started with `force`.

Job state (progress messages, then the evaluation report or the error) is written to the database, so
any worker can answer `GET /v1/jobs/{id}`.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from api.problems import Problem
from api.serving import ModelHolder
from api.storage import FeedbackStore, JobStore
from cxtext.schema import Record
from models.registry import Registry, RegistryError, headline_metrics

if TYPE_CHECKING:  # the training stack is imported in the child process only
    from training.sources import LabelSemantics

log = logging.getLogger("cxtext.api.jobs")
Progress = Callable[[str, float | None], None]
# Errors whose message is meant for the analyst (bad data, unusable model); others are logged, not shown.
_EXPLAINED = (
    "ValueError",
    "TrainingDataError",
    "TooFewLabelsError",
    "DataError",
    "SchemaError",
    "ArtifactError",
    "TaxonomyError",
    "RegistryError",
    "BaseError",
)

RETRY_AFTER_SECONDS = 30  # jobs take seconds to minutes: a client told to come back sooner only polls
QUEUE_POLL_SECONDS = 0.25


class JobFailedError(Exception):
    """A job that cannot finish; the message is shown to the client as the job's `error`."""


class JobRunner:
    """Starts jobs in threads; per API key at most `max_running` run at once and `max_queued` wait."""

    def __init__(
        self,
        jobs: JobStore,
        store: FeedbackStore,
        holder: ModelHolder,
        registry: Registry,
        max_running: int = 1,
        max_queued: int = 1,
        *,
        scheduler: str | None = None,
    ) -> None:
        self.jobs = jobs
        self.store = store
        self.holder = holder
        self.registry = registry
        self.max_running = max_running
        self.max_queued = max_queued
        self.scheduler = scheduler  # a Dask scheduler address: re-scoring then runs on its cluster

    def admit(self, key_id: str) -> None:
        """A 429 problem (with Retry-After) when `key_id` already has as many jobs as it may run and queue:
        one client must not be able to queue unbounded work."""
        active = self.jobs.active_of(key_id)
        running = sum(job.status == "running" for job in active)
        if len(active) >= self.max_running + self.max_queued:
            raise Problem(
                429,
                f"this API key has {running} running and {len(active) - running} queued jobs, the most it "
                f"may have ({self.max_running} running, {self.max_queued} queued); retry when one finishes",
                slug="too-many-jobs",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )

    def start_training(
        self,
        records: Sequence[Record],
        *,
        key_id: str,
        params: dict,
        data_files: Sequence[Path] = (),
        cleanup: Path | None = None,
        holdout: float,
        activate: bool,
        force: bool,
        declared: LabelSemantics | None = None,
        base: str | None = None,
    ) -> str:
        """Queue a training job; `cleanup` (the uploaded files' folder) is removed when it ends; `declared`
        says what the data's empty label cells mean (see `training.sources`); `base` ("default") trains
        on the starter corpus plus these records (`training.base`)."""
        job = self.jobs.create("train", {**params, "key_id": key_id})

        def work(progress: Progress) -> dict:
            try:
                return self._train(
                    list(records), list(data_files), holdout, activate, force, declared, base, progress
                )
            finally:
                if cleanup is not None:
                    shutil.rmtree(cleanup, ignore_errors=True)

        self._spawn(job.id, key_id, work)
        return job.id

    def start_rescore(self, batch_size: int, *, key_id: str) -> str:
        job = self.jobs.create("rescore", {"batch_size": batch_size, "key_id": key_id})
        self._spawn(job.id, key_id, lambda progress: self._rescore(batch_size, progress))
        return job.id

    def _may_start(self, job_id: str, key_id: str) -> bool:
        """The key's oldest queued job starts once fewer than `max_running` of its jobs run."""
        active = self.jobs.active_of(key_id)
        queued = [job.id for job in active if job.status == "queued"]
        running = len(active) - len(queued)
        return running < self.max_running and (not queued or queued[0] == job_id)

    def _spawn(self, job_id: str, key_id: str, work: Callable[[Progress], dict]) -> None:
        def run() -> None:
            while not self._may_start(job_id, key_id):
                time.sleep(QUEUE_POLL_SECONDS)
            self.jobs.start(job_id)
            try:
                result = work(lambda message, fraction=None: self.jobs.progress(job_id, message, fraction))
            except JobFailedError as exc:
                self.jobs.fail(job_id, str(exc))
            except Exception:
                log.exception("job failed", extra={"fields": {"job_id": job_id}})
                self.jobs.fail(
                    job_id, f"internal error; the server log has the details under job_id {job_id}"
                )
            else:
                self.jobs.finish(job_id, result)

        threading.Thread(target=run, name=f"cxtext-job-{job_id[:8]}", daemon=True).start()

    # -- training -----------------------------------------------------------------------------------------
    def _train(
        self,
        records: list[Record],
        data_files: list[Path],
        holdout: float,
        activate: bool,
        force: bool,
        declared: LabelSemantics | None,
        base: str | None,
        progress: Progress,
    ) -> dict:
        active = self.holder.loaded
        staging = self.registry.staging_dir("train")
        try:
            outcome = _in_child(
                train_and_compare,
                (
                    records,
                    staging / "model",
                    data_files,
                    holdout,
                    active.path if active else None,
                    declared,
                    base,
                ),
                progress,
            )
            entry = self.registry.add(staging / "model")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        progress(f"model {entry.version} added to the registry", 0.95)
        comparison = compare(
            outcome["evaluation"], outcome["active_metrics"], active.version if active else None
        )
        if not activate:
            activated, reason = False, "not requested (activate=false)"
        elif active is None:
            activated, reason = True, "no model was active"
        elif force:
            activated, reason = True, "forced"
        else:
            activated, reason = gate_decision(outcome["gate"])
        if activated:
            try:
                self.holder.activate(entry.version)
            except RegistryError as exc:
                raise JobFailedError(
                    f"model {entry.version} was trained but could not be activated: {exc}"
                ) from exc
        return {
            "version": entry.version,
            "held_out": outcome["held_out"],
            "evaluation": outcome["evaluation"],
            "comparison": comparison,
            "gate": outcome["gate"],
            "activated": activated,
            "reason": reason,
        }

    # -- re-scoring ---------------------------------------------------------------------------------------
    def _rescore(self, batch_size: int, progress: Progress) -> dict:
        """Predict every stored item that another model predicted; each batch is one transaction.

        Batches are classified here, or on the Dask cluster when a scheduler is configured (the model is
        shipped to its workers once); either way they are stored in order, one transaction each."""
        from cxtext.batch.classify import ClassifyChunk, classify_chunk
        from cxtext.batch.engine import EngineError, open_engine

        loaded = self.holder.current()  # one model for the whole job
        total = self.store.count_stale(loaded.version)
        progress(f"re-scoring {total} items with model {loaded.version}", 0.0)
        chunks = (
            ClassifyChunk(
                ids=[row.id for row in rows],
                texts=[row.text for row in rows],
                langs=[row.lang if row.lang_given else None for row in rows],
                scores=[row.score for row in rows],
                scales=[row.score_scale for row in rows],
            )
            for rows in self._stale_pages(loaded.version, batch_size)
        )
        try:
            engine = open_engine(loaded.model, workers=1, scheduler=self.scheduler or None, from_env=False)
        except EngineError as exc:
            raise JobFailedError(str(exc)) from None
        done = 0
        try:
            for ids, results in engine.map(classify_chunk, chunks):
                self.store.set_predictions(list(zip(ids, results, strict=True)), loaded.version)
                done += len(ids)
                progress(f"{done} of {total} items re-scored", done / max(total, 1))
        finally:
            engine.close()
        return {"model_version": loaded.version, "rescored": done}

    def _stale_pages(self, version: str, batch_size: int) -> Iterator[list]:
        after = None
        while rows := self.store.stale(version, batch_size, after):
            yield rows
            after = rows[-1].id


def gate_decision(report: dict | None) -> tuple[bool, str]:
    """Promote or not, and why, from the gate's report (`training.gate.gate`)."""
    verdict = (report or {}).get("verdict")
    if verdict == "blocked":
        return False, (
            f"worse than the active model beyond noise on {report['evaluation_rows']} evaluation rows neither "
            f"model trained on ({', '.join(report['worse'])}); activate it by hand or force"
        )
    if verdict == "pass":
        return True, (
            f"not worse than the active model beyond noise on {report['evaluation_rows']} evaluation rows "
            "neither model trained on"
        )
    return False, "no evaluation rows measured both models; activate it by hand or force"


def compare(
    evaluation: dict | None, active_metrics: dict[str, float] | None, active_version: str | None
) -> dict:
    """Both models' headline metrics on the same held-out texts; the score is their mean over shared ones."""
    new = headline_metrics(evaluation)
    old = active_metrics or {}
    shared = sorted(set(new) & set(old))
    return {
        "active_version": active_version,
        "metrics": shared,
        "new": new,
        "active": old,
        "new_score": round(sum(new[m] for m in shared) / len(shared), 4) if shared else None,
        "active_score": round(sum(old[m] for m in shared) / len(shared), 4) if shared else None,
    }


def train_and_compare(
    records: list[Record],
    out_dir: Path,
    data_files: list[Path],
    holdout: float,
    active_path: Path | None,
    declared: LabelSemantics | None,
    base: str | None,
    say,
) -> dict:
    """(In the child process.) Train, gate against the active model, write the artifact; score the active
    model on the same held-out rows for the headline comparison."""
    from cxtext.taxonomy import Taxonomy
    from models.artifact import load_artifact
    from training.evaluate import evaluate
    from training.gate import split
    from training.sources import with_label_coverage
    from training.train import train_records

    active = load_artifact(active_path) if active_path is not None else None
    loaded = train_records(
        records,
        out_dir,
        data_files=data_files,
        taxonomy=Taxonomy.from_env(),
        holdout_fraction=holdout,
        progress=say,
        declared=declared,
        base=base,
        active=active,
    )
    _, held_out = split(with_label_coverage(records, declared), holdout)
    active_metrics = None
    if active is not None and held_out:
        say(f"evaluating the active model on the same {len(held_out)} held-out texts")
        active_metrics = headline_metrics(evaluate(active.model, held_out))
    return {
        "evaluation": loaded.card.get("metrics"),
        "active_metrics": active_metrics,
        "held_out": len(held_out),
        "gate": loaded.card.get("gate"),
    }


def _child_main(target: Callable, args: tuple, messages: multiprocessing.Queue) -> None:
    try:
        result = target(*args, lambda message: messages.put(("progress", message)))
    except Exception as exc:
        name = type(exc).__name__
        messages.put(("error", f"{name}: {exc}" if name in _EXPLAINED else f"{name} in the training process"))
    else:
        messages.put(("result", result))


def _in_child(target: Callable, args: tuple, progress: Progress) -> dict:
    """Run `target(*args, say)` in a fresh interpreter, relaying its progress; JobFailedError on failure."""
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    child = context.Process(target=_child_main, args=(target, args, messages), daemon=True)
    child.start()
    try:
        while True:
            try:
                kind, payload = messages.get(timeout=1.0)
            except queue.Empty:
                if not child.is_alive():
                    raise JobFailedError(
                        f"the training process stopped (exit code {child.exitcode})"
                    ) from None
                continue
            if kind == "progress":
                progress(payload, None)
            elif kind == "error":
                raise JobFailedError(payload)
            else:
                return payload
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
