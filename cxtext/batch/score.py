"""The worker function of `cxtext score`: one chunk of raw rows in, output rows with predictions out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cxtext.analysis.frame import prediction_cells
from cxtext.batch.chunks import Chunk
from cxtext.io.records import Record, RowError, parse_row
from cxtext.schema import record_to_row

if TYPE_CHECKING:
    from cxtext.model import FeedbackModel

# (row number, id, output cells) for a scored row; a RowError for a bad one; in input order.
Scored = tuple[int, str | None, dict[str, str]] | RowError


def score_chunk(
    model: FeedbackModel, chunk: Chunk, *, columns: Sequence[str], batch_size: int
) -> tuple[str, list[Scored]]:
    """The chunk's file, and every row: its input `columns` (label cells in canonical form) then the
    predictions."""
    taxonomy = model.taxonomy_
    out: list[Scored | None] = []
    good: list[tuple[int, int, Record]] = []
    for item in chunk.items:
        parsed = item if isinstance(item, RowError) else parse_row(chunk.label, *item, taxonomy)
        if isinstance(parsed, Record):
            good.append((len(out), item[0], parsed))  # type: ignore[index]
        out.append(parsed if isinstance(parsed, RowError) else None)
    for start in range(0, len(good), batch_size):
        batch = good[start : start + batch_size]
        results = model.predictions([r.text for _, _, r in batch], [r.lang for _, _, r in batch])
        for (i, number, record), result in zip(batch, results, strict=True):
            cells = record_to_row(record, taxonomy)
            out[i] = (
                number,
                record.id,
                {**{c: cells.get(c, "") for c in columns}, **prediction_cells(result)},
            )
    return chunk.label, out  # type: ignore[return-value]
