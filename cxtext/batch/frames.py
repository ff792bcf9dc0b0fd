"""The worker function of `cxtext drivers`: one chunk in (Arrow columns, or raw rows), the columns of the
analysis out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cxtext.analysis.columns import ColumnConverter, Unsupported, row_items
from cxtext.analysis.frame import FrameBuilder, FramePart
from cxtext.batch.chunks import Chunk
from cxtext.io.columns import ColumnBatch, ParquetPiece
from cxtext.io.records import Record, RowError, parse_row
from cxtext.taxonomy import Taxonomy

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
