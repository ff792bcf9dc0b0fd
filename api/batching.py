"""Micro-batching: concurrent single-text classify requests share one model call.

Why: a model call has a fixed cost (building the sparse matrices, the products with every head) several
times the cost of one more text in the same call, so eight texts in one call cost about what two cost
one by one. While a batch runs in a worker thread, new requests queue up; the next call takes all of
them. Under load batches grow by themselves, and an idle server adds no waiting at all.

Each batch reads the model reference once, so every request in it is answered by the same version.
A batch that fails is retried text by text, so one text that trips the model fails only its own request.
"""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool

from api.schemas import TextItem
from api.serving import ModelHolder
from models.artifact import LoadedModel

Entry = tuple[TextItem, bool, asyncio.Future]


def classify_items(loaded: LoadedModel, items: list[TextItem], explain: bool) -> list[dict]:
    """Run one model over the items; results keep the request's order and echo its ids."""
    results = loaded.model.classify(
        [item.text for item in items],
        [item.lang for item in items],
        [item.score for item in items],
        [item.score_scale for item in items],
        explain=explain,
    )
    return [
        {"id": item.id, **result} if item.id is not None else result
        for item, result in zip(items, results, strict=True)
    ]


class MicroBatcher:
    def __init__(self, holder: ModelHolder, max_items: int = 64) -> None:
        self.holder = holder
        self.max_items = max_items
        self._pending: list[Entry] = []
        self._drainer: asyncio.Task | None = None

    async def classify(self, item: TextItem, explain: bool) -> tuple[str, dict]:
        """(model version, result) for one text, computed in a batch with whatever else is waiting."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((item, explain, future))
        if self._drainer is None:
            self._drainer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[: self.max_items], self._pending[self.max_items :]
                try:
                    loaded = self.holder.current()
                except Exception as exc:
                    _fail(batch, exc)
                    continue
                for explain in (True, False):
                    group = [entry for entry in batch if entry[1] is explain]
                    if group:
                        await self._run(loaded, group, explain)
        finally:
            self._drainer = None

    async def _run(self, loaded: LoadedModel, group: list[Entry], explain: bool) -> None:
        try:
            results = await run_in_threadpool(classify_items, loaded, [item for item, _, _ in group], explain)
        except Exception as exc:
            if len(group) == 1:
                _fail(group, exc)
                return
            for entry in group:  # isolate the text that fails
                await self._run(loaded, [entry], explain)
            return
        for (_, _, future), result in zip(group, results, strict=True):
            if not future.done():
                future.set_result((loaded.version, result))


def _fail(entries: list[Entry], exc: Exception) -> None:
    for _, _, future in entries:
        if not future.done():
            future.set_exception(exc)
