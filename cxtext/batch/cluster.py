"""The Dask engine: chunks become tasks on a running `dask.distributed` cluster.

The model is scattered to every worker once (broadcast) and each task receives a reference to it; chunk
results come back in input order with a bounded number of tasks in flight. Workers need the same cxtext
install as the client (they import the worker functions by name).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from distributed import Client, WorkerPlugin

from cxtext.batch.allocator import keep_freed_memory
from cxtext.batch.engine import EngineError, WorkerFn, ordered

CONNECT_TIMEOUT = "10s"


class KeepFreedMemory(WorkerPlugin):
    """Sets every worker's allocator thresholds for batch work (`cxtext.batch.allocator`), also on workers
    that join later; registered once per cluster under its name."""

    name = "cxtext-keep-freed-memory"
    idempotent = True

    def setup(self, worker: object) -> None:
        keep_freed_memory()


class DaskEngine:
    def __init__(self, address: str, model: Any) -> None:
        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.client.register_plugin(KeepFreedMemory())
        self._model = self.client.scatter(model, broadcast=True) if model is not None else None

    def map(self, fn: WorkerFn, chunks: Iterable[Any]) -> Iterator[Any]:
        client, model = self.client, self._model
        yield from ordered(
            lambda chunk: client.submit(fn, model, chunk, pure=False), chunks, 2 * self.workers
        )

    def close(self) -> None:
        self.client.close()
