"""The worker functions of `cxtext drivers`: one chunk in (Arrow columns, raw rows, or a Parquet row group
to read), the columns of the analysis (`frame_chunk`) or their partial statistics (`summary_chunk`) out.
Only the statistics travel back to the caller, never the rows (see `cxtext.analysis.summary`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cxtext.analysis.columns import ColumnConverter, Unsupported, row_items
from cxtext.analysis.frame import FrameBuilder, FramePart
from cxtext.analysis.summary import Summary, summarize
from cxtext.batch.chunks import Chunk
from cxtext.io.columns import ColumnBatch, ParquetPiece
from cxtext.io.records import Record, RowError, parse_row
from cxtext.taxonomy import Taxonomy

if TYPE_CHECKING:
    from cxtext.model import FeedbackModel

# One converter per settings in each worker process: the label combinations it checked stay checked for
# the next chunks (a file repeats a few thousand of them across millions of rows).
_CONVERTERS: dict[tuple, ColumnConverter] = {}


def _converter(taxonomy: Taxonomy, date_column: str, segments: Sequence[str]) -> ColumnConverter:
    key = (taxonomy.names, date_column, tuple(segments))
    if key not in _CONVERTERS:
        _CONVERTERS.clear()
        _CONVERTERS[key] = ColumnConverter(FrameBuilder(taxonomy, date_column=date_column, segments=segments))
    return _CONVERTERS[key]


def frame_chunk(
    _model: Any,
    chunk: Chunk | ColumnBatch | ParquetPiece,
    *,
    taxonomy: Taxonomy,
    date_column: str,
    segments: Sequence[str],
) -> tuple[str, list[RowError], np.ndarray, np.ndarray, FramePart]:
    """The chunk's file, its bad rows in order, the row numbers and ids ("" = none) of its good rows in
    order (ids are checked by the caller, who sees every chunk), and its good rows as a frame part. A
    Parquet row group is read here; when it cannot be, its error is the file's last word (`kind` "file")."""
    if isinstance(chunk, ParquetPiece):
        read = chunk.read()
        if isinstance(read, RowError):
            empty = FrameBuilder(taxonomy, date_column=date_column, segments=segments).part()
            return chunk.label, [read], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object), empty
        chunk = read
    if isinstance(chunk, ColumnBatch):
        converter = _converter(taxonomy, date_column, segments)
        try:
            done = converter.add(chunk.label, chunk.numbers, chunk.table)
        except Unsupported:
            converter.builder.take_part()  # drop what the batch left half done; its rows go the row way
            chunk = Chunk(chunk.label, row_items(chunk.numbers, chunk.table))  # type: ignore[arg-type]
        else:
            return chunk.label, done.errors, done.numbers, done.ids, converter.builder.take_part()
    builder = FrameBuilder(taxonomy, date_column=date_column, segments=segments)
    errors: list[RowError] = []
    numbers: list[int] = []
    records: list[Record] = []
    for item in chunk.items:
        parsed = item if isinstance(item, RowError) else parse_row(chunk.label, *item, taxonomy)
        if isinstance(parsed, RowError):
            errors.append(parsed)
        else:
            numbers.append(item[0])  # type: ignore[index]
            records.append(parsed)
    builder.add(records)
    ids = np.array([record.id or "" for record in records], dtype=object)
    return chunk.label, errors, np.array(numbers, dtype=np.int64), ids, builder.part()


_DIGEST_BATCH = 16_384


@dataclass(frozen=True)
class SummarySettings:
    """How a chunk is summarised: the conversion settings and the analysis options rows depend on."""

    taxonomy: Taxonomy
    date_column: str
    segments: tuple[str, ...]
    quotes: int
    min_quote_confidence: float
    nps_source: str
    keep_rows: bool = False  # send the rows back too (`--themes` needs the texts)


@dataclass(frozen=True)
class ChunkSummary:
    """A chunk's file, its bad rows in order, the row numbers and id digests (`id_digests`) of its good
    rows in order (ids are checked by the caller, who sees every chunk), and their partial statistics."""

    label: str
    errors: list[RowError]
    numbers: np.ndarray
    digests: np.ndarray
    summary: Summary
    part: FramePart | None  # the rows, with `keep_rows`
    dropped: list[str]  # the ids of the rows left out with `drop`, in its order


def summary_chunk(
    model: FeedbackModel | None, chunk: Any, *, settings: SummarySettings, drop: Sequence[int] = ()
) -> ChunkSummary:
    """A chunk's rows summarised, less its good rows at positions `drop` (ids seen before); with a model,
    what they lack is predicted first."""
    label, errors, numbers, ids, part = frame_chunk(
        None, chunk, taxonomy=settings.taxonomy, date_column=settings.date_column, segments=settings.segments
    )
    dropped = [ids[i] for i in drop]
    if len(drop):
        keep = np.setdiff1d(np.arange(len(numbers)), drop)
        numbers, ids, part = numbers[keep], ids[keep], part.without(drop)
    summary = summarize_part(model, part, settings)
    kept = part if settings.keep_rows else None
    return ChunkSummary(label, errors, numbers, id_digests(ids), summary, kept, dropped)


def summarize_part(model: FeedbackModel | None, part: FramePart, settings: SummarySettings) -> Summary:
    """A frame part's partial statistics. Categories are predicted unless NPS is read from scores only:
    whether "auto" reads scores depends on every row, and a category predicted for a row without a
    score is never counted when it does (`analyze_summary` says no category was filled then)."""
    builder = FrameBuilder(settings.taxonomy, date_column=settings.date_column, segments=settings.segments)
    builder.absorb(part)
    frame = builder.build()
    filled: dict[str, int] = {}
    if model is not None:
        from cxtext.analysis.predict import fill_predictions

        frame, filled = fill_predictions(frame, model, categories=settings.nps_source != "score")
    return summarize(
        frame, quotes=settings.quotes, min_quote_confidence=settings.min_quote_confidence, predicted=filled
    )


def id_digests(ids: np.ndarray) -> np.ndarray:
    """64-bit digests of ids (FNV-1a over their code points and length, then the SplitMix64 finalizer),
    0 for "" (no id): what checking uniqueness across ten million rows keeps instead of the ids. Two
    distinct ids share a digest with probability about 2**-64; computed on whole columns, without a Python
    call per id."""
    out = np.zeros(len(ids), dtype=np.uint64)
    for start in range(0, len(ids), _DIGEST_BATCH):  # bounds the fixed-width copy of long ids
        part = ids[start : start + _DIGEST_BATCH].astype(str)
        codes = part.view(np.uint32).reshape(len(part), -1)
        lengths = np.char.str_len(part)
        digest = np.full(len(part), 0xCBF29CE484222325, dtype=np.uint64)
        for j, column in enumerate(codes.T):  # only an id's own code points: padding depends on the batch
            digest = np.where(j < lengths, (digest ^ column) * np.uint64(0x100000001B3), digest)
        digest ^= lengths.astype(np.uint64)
        digest = (digest ^ (digest >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        digest = (digest ^ (digest >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        digest ^= digest >> np.uint64(31)
        digest[digest == 0] = 1
        digest[lengths == 0] = 0
        out[start : start + len(part)] = digest
    return out
