"""Bridge between the service and `cxtext.analysis`: predictions and stored rows become Records.

Why predictions travel as `pred_*` cells (`prediction_cells`): the analysis reads them exactly as it
reads a file scored by `cxtext score`, where given labels win over predictions. The service never lets the analysis run a
model itself, so the numbers rest on the very predictions the response (or the store) holds.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable

from api.db import Feedback
from cxtext.analysis.frame import PRED_COLUMNS, prediction_cells
from cxtext.model import Prediction
from cxtext.schema import COLUMNS, Record, record_from_row
from cxtext.taxonomy import Taxonomy
from training.sources import ANALYST_SOURCE

# Segments travel as extra columns of a Record, so their keys must not shadow the contract's columns.
RESERVED_SEGMENTS = frozenset((*COLUMNS, *PRED_COLUMNS, "date"))


def with_predictions(record: Record, result: dict) -> Record:
    return dataclasses.replace(record, extra={**record.extra, **prediction_cells(Prediction.of(result))})


def stored_record(row: Feedback, taxonomy: Taxonomy, predictions: bool = True) -> Record:
    """A stored item as a Record: labels, date, segments and (for the analysis) its predictions."""
    cells: dict[str, object] = {
        "text": row.text,
        "id": row.external_id,
        "lang": row.lang if row.lang_given else None,
        "score": row.score,
        "score_scale": row.score_scale,
        **(row.labels or {}),
        "source": ANALYST_SOURCE if row.labelled_by else None,
        **{segment.key: segment.value for segment in row.segments},
    }
    if row.date is not None:
        cells["date"] = row.date.isoformat()
    record = record_from_row(cells, taxonomy)
    return with_predictions(record, row.prediction) if predictions else record


def segment_keys(records: Iterable[Record]) -> list[str]:
    """Every segment key in `records`, most frequent first: the default breakdown."""
    counts = Counter(key for record in records for key in record.extra if key not in RESERVED_SEGMENTS)
    return [key for key, _ in counts.most_common()]
