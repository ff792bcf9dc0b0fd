"""Bridge between the service and `cxtext.analysis`: predictions and stored rows become Records.

Why predictions travel as `pred_*` cells (`prediction_cells`): the analysis reads them exactly as it
reads a file scored by `cxtext score`, where given labels win over predictions. The service never lets the analysis run a
model itself, so the numbers rest on the very predictions the response (or the store) holds.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable

import numpy as np

from api.db import Feedback
from api.storage import AnalysisBatch
from cxtext.analysis.frame import PRED_COLUMNS, FrameBuilder, prediction_cells
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


class StoredColumns:
    """Stored batches into a `FrameBuilder`, read as `stored_record` reads one item (the labels by the
    data contract, the prediction as its `prediction_cells`), but column by column: rows that share
    their labels, score and language share one checked Record, and of each prediction only the label
    cells and probabilities are made (what reading the whole store costs, at 100,000 items)."""

    def __init__(self, builder: FrameBuilder, taxonomy: Taxonomy) -> None:
        self.builder = builder
        self.taxonomy = taxonomy
        self._drivers = {name: j for j, name in enumerate(builder.drivers)}
        self._labels: dict[tuple, Record] = {}
        self._untrained: dict[str | None, frozenset[str]] = {}

    def add(self, batch: AnalysisBatch) -> None:
        c = batch.columns
        n = len(batch)
        confidence = np.full((n, len(self._drivers)), np.nan, dtype=np.float32)
        churn = np.array([np.nan if p is None else p for p in c["churn"]], dtype=np.float64)
        predicted = []
        for i, (drivers, untrained, sentiment, nps, nps_source) in enumerate(
            zip(
                c["drivers"],
                c["untrained_heads"],
                c["sentiment"],
                c["nps_category"],
                c["nps_source"],
                strict=True,
            )
        ):
            heads = self._heads(untrained)
            names = polarity = None
            if "drivers" not in heads:
                found = json.loads(drivers) if drivers else []
                names = ";".join(d["name"] for d in found)
                if "driver_sentiment" not in heads:
                    polarity = ";".join(
                        f"{d['name']}:{d['sentiment']['label']}" for d in found if d["sentiment"] is not None
                    )
                for d in found:
                    j = self._drivers.get(d["name"].strip())
                    if j is not None:
                        confidence[i, j] = d["probability"]
            predicted.append((sentiment, names, polarity, nps if nps_source == "predicted" else None))
        self.builder.add_columns(
            c["text"],
            [(value or "").strip() for value in c["external_id"]],
            [
                self._label(lang if given else None, score, scale, labels, by)
                for lang, given, score, scale, labels, by in zip(
                    c["lang"],
                    c["lang_given"],
                    c["score"],
                    c["score_scale"],
                    c["labels"],
                    c["labelled_by"],
                    strict=True,
                )
            ],
            predicted,
            confidence,
            churn,
            ["" if day is None else day.isoformat() for day in c["date"]],
            batch.segments,
        )

    def _label(
        self, lang: str | None, score: float | None, scale: str | None, labels: str | None, by: str | None
    ) -> Record:
        key = (lang, score, scale, labels, by is not None)
        record = self._labels.get(key)
        if record is None:
            cells = {
                "text": "-",
                "lang": lang,
                "score": score,
                "score_scale": scale,
                **(json.loads(labels) if labels else {}),
                "source": ANALYST_SOURCE if by else None,
            }
            record = self._labels[key] = record_from_row(cells, self.taxonomy)
        return record

    def _heads(self, untrained: str | None) -> frozenset[str]:
        heads = self._untrained.get(untrained)
        if heads is None:
            heads = self._untrained[untrained] = frozenset(json.loads(untrained) if untrained else ())
        return heads


def segment_keys(records: Iterable[Record]) -> list[str]:
    """Every segment key in `records`, most frequent first: the default breakdown."""
    counts = Counter(key for record in records for key in record.extra if key not in RESERVED_SEGMENTS)
    return [key for key, _ in counts.most_common()]
