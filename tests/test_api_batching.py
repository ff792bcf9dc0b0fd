"""Micro-batching of single-text requests: shared model calls, one version per batch, failure isolation."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from api.batching import MicroBatcher
from api.schemas import TextItem
from api.serving import ModelUnavailableError
from models.artifact import LoadedModel


class RecordingModel:
    """Answers with the text's length; remembers every call; "boom" makes a call fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], bool]] = []

    def classify(self, texts, langs, scores, scales, explain=True) -> list[dict]:
        self.calls.append((list(texts), explain))
        if any("boom" in text for text in texts):
            raise RuntimeError("model failure")
        return [
            {"length": len(text), "lang": lang, "explain": explain}
            for text, lang in zip(texts, langs, strict=True)
        ]


class Holder:
    def __init__(self, loaded: LoadedModel | None) -> None:
        self.loaded = loaded

    def current(self) -> LoadedModel:
        if self.loaded is None:
            raise ModelUnavailableError("no model")
        return self.loaded


def loaded(model: RecordingModel, version: str) -> LoadedModel:
    return LoadedModel(model, {"version": version}, Path(version))


def run(batcher: MicroBatcher, items: list[tuple[str, bool]]) -> list:
    async def main() -> list:
        calls = [batcher.classify(TextItem(text=text, lang="en"), explain) for text, explain in items]
        return await asyncio.gather(*calls, return_exceptions=True)

    return asyncio.run(main())


def test_concurrent_requests_share_one_call_per_explain_setting() -> None:
    model = RecordingModel()
    batcher = MicroBatcher(Holder(loaded(model, "v1")))
    texts = [("a" * n, n % 2 == 0) for n in range(1, 11)]
    answers = run(batcher, texts)
    assert answers == [("v1", {"length": n, "lang": "en", "explain": n % 2 == 0}) for n in range(1, 11)]
    assert sorted((len(texts), explain) for texts, explain in model.calls) == [(5, False), (5, True)]


def test_batches_are_capped() -> None:
    model = RecordingModel()
    batcher = MicroBatcher(Holder(loaded(model, "v1")), max_items=4)
    assert len(run(batcher, [(f"text {i}", False) for i in range(10)])) == 10
    assert [len(texts) for texts, _ in model.calls] == [4, 4, 2]


def test_a_failing_text_fails_only_its_own_request() -> None:
    model = RecordingModel()
    batcher = MicroBatcher(Holder(loaded(model, "v1")))
    answers = run(batcher, [("fine", True), ("boom", True), ("also fine", True)])
    assert answers[0] == ("v1", {"length": 4, "lang": "en", "explain": True})
    assert isinstance(answers[1], RuntimeError)
    assert answers[2] == ("v1", {"length": 9, "lang": "en", "explain": True})


def test_without_a_model_every_waiting_request_gets_the_error() -> None:
    answers = run(MicroBatcher(Holder(None)), [("a", True), ("b", False)])
    assert all(isinstance(answer, ModelUnavailableError) for answer in answers)


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_the_version_is_the_one_that_answered(version: str) -> None:
    batcher = MicroBatcher(Holder(loaded(RecordingModel(), version)))
    assert {v for v, _ in run(batcher, [("x", True), ("y", True)])} == {version}
