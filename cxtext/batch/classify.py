"""The worker function of bulk re-scoring: texts (with their given language and score) in, the full
classification of each out — the same dicts `FeedbackModel.classify` returns in process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxtext.model import FeedbackModel


@dataclass(frozen=True, slots=True)
class ClassifyChunk:
    ids: list
    texts: list[str]
    langs: list[str | None]
    scores: list[float | None]
    scales: list[str | None]


def classify_chunk(model: FeedbackModel, chunk: ClassifyChunk) -> tuple[list, list[dict]]:
    """(ids, results) for one chunk, without explanations (stored predictions keep none)."""
    results = model.classify(chunk.texts, chunk.langs, chunk.scores, chunk.scales, explain=False)
    return chunk.ids, results
