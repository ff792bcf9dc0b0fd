"""The worker function of `cxtext drivers`: one chunk of raw rows in, the columns of the analysis out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cxtext.analysis.frame import FrameBuilder, FramePart
from cxtext.batch.chunks import Chunk
from cxtext.io.records import Record, RowError, parse_row
from cxtext.taxonomy import Taxonomy

# A bad row, or (position among the chunk's good rows, row number, id).
Event = RowError | tuple[int, int, str | None]


def frame_chunk(
    _model: Any, chunk: Chunk, *, taxonomy: Taxonomy, date_column: str, segments: Sequence[str]
) -> tuple[str, list[Event], FramePart]:
    """The chunk's file, its bad rows and ids in order (ids are checked by the caller, who sees every
    chunk), and its rows as a frame part."""
    events: list[Event] = []
    records: list[Record] = []
    for item in chunk.items:
        parsed = item if isinstance(item, RowError) else parse_row(chunk.label, *item, taxonomy)
        if isinstance(parsed, RowError):
            events.append(parsed)
        else:
            events.append((len(records), item[0], parsed.id))  # type: ignore[index]
            records.append(parsed)
    builder = FrameBuilder(taxonomy, date_column=date_column, segments=segments)
    builder.add(records)
    return chunk.label, events, builder.part()
