"""The Dask engine: chunks become tasks on a running `dask.distributed` cluster.

The model is scattered to every worker once (broadcast) and each task receives a reference to it; chunk
results come back in input order with a bounded number of tasks in flight. Workers need the same cxtext
install as the client (they import the worker functions by name).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from cxtext.batch.engine import EngineError, WorkerFn, ordered

CONNECT_TIMEOUT = "10s"


class DaskEngine:
    def __init__(self, address: str, model: Any) -> None:
        from distributed import Client

        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise EngineError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self._model = self.client.scatter(model, broadcast=True) if model is not None else None

    def map(self, fn: WorkerFn, chunks: Iterable[Any]) -> Iterator[Any]:
        client, model = self.client, self._model
        yield from ordered(
            lambda chunk: client.submit(fn, model, chunk, pure=False), chunks, 2 * self.workers
        )

    def close(self) -> None:
        self.client.close()
