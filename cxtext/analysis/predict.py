"""Fill what the records do not say with a model's predictions; given values are never replaced.

A cell is predicted when its column is missing for that record: no sentiment, no `drivers` column
(an empty `drivers` cell is a given "no driver mentioned" in the data contract and stays so), a given
driver without a polarity, no NPS category (only when NPS is read from categories rather than scores),
no churn label. Only heads the model was trained for are used (`FeedbackModel.untrained_heads`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from cxtext.analysis.frame import (
    CATEGORY_CODE,
    LABEL,
    NONE,
    PREDICTED,
    SENTIMENT_CODE,
    STATE_CODE,
    UNKNOWN,
    Frame,
)
from cxtext.model import FeedbackModel

Progress = Callable[[int], None]


def fill_predictions(
    frame: Frame,
    model: FeedbackModel,
    *,
    categories: bool,
    batch_size: int = 256,
    progress: Progress | None = None,
) -> tuple[Frame, dict[str, int]]:
    """The frame with missing cells predicted, and how many cells of each column were filled.

    `progress` is called with the number of texts classified after each batch.
    """
    untrained = set(model.untrained_heads)
    column = {name: j for j, name in enumerate(frame.drivers)}
    unknown = sorted(set(model.taxonomy_.names) - set(column))
    if unknown:
        raise ValueError(f"the model predicts drivers the analysis does not know: {', '.join(unknown)}")
    need = {
        "sentiment": (frame.sentiment_source == NONE) & ("sentiment" not in untrained),
        "drivers": (frame.drivers_source == NONE) & ("drivers" not in untrained),
        "driver_sentiment": (frame.drivers_source == LABEL)
        & (frame.state == UNKNOWN).any(axis=1)
        & ("driver_sentiment" not in untrained),
        "nps_category": (frame.category_source == NONE) & categories & ("nps_category" not in untrained),
        "churn": frame.churn_source == NONE,
    }
    rows = np.flatnonzero(np.logical_or.reduce(list(need.values())))
    out = {
        name: getattr(frame, name).copy()
        for name in (
            "sentiment", "sentiment_source", "state", "confidence", "drivers_source",
            "category", "category_source", "churn", "churn_source",
        )
    }  # fmt: skip
    filled = dict.fromkeys(need, 0)
    langs = frame.lang.values()
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        results = model.classify(
            [frame.text[i] for i in chunk], [langs[i] or None for i in chunk], explain=False
        )
        for i, result in zip(chunk, results, strict=True):
            if need["sentiment"][i] and result["sentiment"] is not None:
                out["sentiment"][i] = SENTIMENT_CODE[result["sentiment"]["label"]]
                out["sentiment_source"][i] = PREDICTED
                filled["sentiment"] += 1
            if need["drivers"][i]:
                for driver in result["drivers"]:
                    j = column[driver["name"]]
                    out["state"][i, j] = _state(driver)
                    out["confidence"][i, j] = driver["probability"]
                out["drivers_source"][i] = PREDICTED
                filled["drivers"] += 1
            elif need["driver_sentiment"][i]:
                for driver in result["drivers"]:
                    j = column[driver["name"]]
                    if out["state"][i, j] == UNKNOWN and driver["sentiment"] is not None:
                        out["state"][i, j] = _state(driver)
                        filled["driver_sentiment"] += 1
            if need["nps_category"][i] and result["nps"] is not None:
                out["category"][i] = CATEGORY_CODE[result["nps"]["category"]]
                out["category_source"][i] = PREDICTED
                filled["nps_category"] += 1
            if need["churn"][i]:
                out["churn"][i] = result["churn"]["probability"]
                out["churn_source"][i] = PREDICTED
                filled["churn"] += 1
        if progress is not None:
            progress(len(chunk))
    return dataclasses.replace(frame, **out), filled


def _state(driver: dict) -> int:
    return STATE_CODE[driver["sentiment"]["label"]] if driver["sentiment"] is not None else UNKNOWN
