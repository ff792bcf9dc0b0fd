"""The worker function of `cxtext score`: one chunk of input rows in, its rows scored and rendered out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cxtext.analysis.columns import row_items
from cxtext.analysis.frame import prediction_cells
from cxtext.batch.chunks import Chunk
from cxtext.collector import collector_paused
from cxtext.io.columns import ColumnBatch
from cxtext.io.records import Record, RowError, parse_row
from cxtext.io.writer import RowRenderer
from cxtext.schema import record_to_row

if TYPE_CHECKING:
    from cxtext.model import FeedbackModel

# (row number, id) of a scored row, or the RowError of a bad one; in input order.
Scored = tuple[int, str | None] | RowError


@collector_paused
def score_chunk(
    model: FeedbackModel,
    chunk: Chunk | ColumnBatch,
    *,
    columns: Sequence[str],
    batch_size: int,
    renderer: RowRenderer,
) -> tuple[str, list[Scored], Any]:
    """The chunk's file, every row's outcome, and the scored rows rendered for the output, in order: their
    input `columns` (label cells in canonical form), then the predictions. Cells are made and rendered
    here, in the worker, so the process that writes the output only appends."""
    taxonomy = model.taxonomy_
    items = row_items(chunk.numbers, chunk.table) if isinstance(chunk, ColumnBatch) else chunk.items
    outcomes: list[Scored] = []
    good: list[Record] = []
    for item in items:
        parsed = item if isinstance(item, RowError) else parse_row(chunk.label, *item, taxonomy)
        if isinstance(parsed, Record):
            good.append(parsed)
            outcomes.append((item[0], parsed.id))  # type: ignore[index]
        else:
            outcomes.append(parsed)
    rows: list[dict[str, str]] = []
    for start in range(0, len(good), batch_size):
        batch = good[start : start + batch_size]
        results = model.predictions([r.text for r in batch], [r.lang for r in batch])
        for record, result in zip(batch, results, strict=True):
            cells = record_to_row(record, taxonomy)
            rows.append({**{c: cells.get(c, "") for c in columns}, **prediction_cells(result)})
    return chunk.label, outcomes, renderer.render(rows)
