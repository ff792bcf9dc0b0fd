"""Engines that run a worker function over chunks and give the results back in input order.

Every worker function has the signature `fn(model, chunk)`; the model is sent to each worker once
(inherited by forked local workers, scattered to Dask workers), never with each chunk. At most
`2 × workers` chunks are in flight, so memory is bounded by the chunk size, not by the input size.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol

from cxtext.batch.allocator import keep_freed_memory

WorkerFn = Callable[[Any, Any], Any]

SCHEDULER_ENV = "CXTEXT_DASK_SCHEDULER"


class EngineError(Exception):
    """The engine cannot run (e.g. the Dask scheduler cannot be reached); the message says why."""


class Engine(Protocol):
    workers: int

    def map(self, fn: WorkerFn, chunks: Iterable[Any]) -> Iterator[Any]: ...

    def close(self) -> None: ...


def default_workers() -> int:
    """Every core this process may run on."""
    return len(os.sched_getaffinity(0))


def open_engine(
    model: Any, *, workers: int | None = None, scheduler: str | None = None, from_env: bool = True
) -> Engine:
    """A Dask engine when a scheduler address is given (or, with `from_env`, set in
    CXTEXT_DASK_SCHEDULER), else a local one."""
    if from_env:
        scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if scheduler:
        from cxtext.batch.cluster import DaskEngine  # distributed is imported only when a cluster is used

        return DaskEngine(scheduler, model)
    return LocalEngine(model, workers or default_workers())


_MODEL: Any = None  # the model of a local worker process, set once when it starts


def _start_worker(model: Any) -> None:
    global _MODEL
    _MODEL = model
    keep_freed_memory()  # a pool worker does nothing but batch work


def _call(fn: WorkerFn, chunk: Any) -> Any:
    return fn(_MODEL, chunk)


class LocalEngine:
    """`workers` processes on this machine (1 = in this process, no pool)."""

    def __init__(self, model: Any, workers: int) -> None:
        if workers < 1:
            raise EngineError("--workers must be at least 1")
        self.model = model
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            if hasattr(model, "classify"):
                # build every lazily loaded table (tokenizer rules, lexicons) once, here, so that the
                # forked workers inherit them instead of each building its own
                model.classify(["warm up", "گرم"], ["en", "fa"], explain=False)
            # fork: each worker starts with the loaded model, nothing is pickled or reloaded
            self._pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start_worker,
                initargs=(model,),
            )

    def map(self, fn: WorkerFn, chunks: Iterable[Any]) -> Iterator[Any]:
        if self._pool is None:
            for chunk in chunks:
                yield fn(self.model, chunk)
            return
        pool = self._pool
        yield from ordered(lambda chunk: pool.submit(_call, fn, chunk), chunks, 2 * self.workers)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def ordered(submit: Callable[[Any], Future], chunks: Iterable[Any], window: int) -> Iterator[Any]:
    """Results of `submit(chunk)` in input order, with at most `window` chunks submitted and not yet
    returned."""
    pending: deque[Future] = deque()
    try:
        for chunk in chunks:
            pending.append(submit(chunk))
            if len(pending) >= window:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
