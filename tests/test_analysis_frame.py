"""The columnar frame: labels win over predictions, scored files are read back, rows can be taken."""

from __future__ import annotations

import math

import numpy as np

from cxtext.analysis import FrameBuilder, analyze
from cxtext.analysis.frame import LABEL, NONE, PREDICTED, SCORE, STATE_CODE
from cxtext.io.records import iter_records, load_records
from cxtext.schema import Record
from tests.conftest import shared_file

PRED = {
    "pred_lang": "en",
    "pred_sentiment": "positive",
    "pred_drivers": "quality;staff",
    "pred_driver_sentiment": "quality:positive;staff:negative",
    "pred_driver_confidence": "quality:0.91;staff:0.66",
    "pred_nps_category": "promoter",
    "churn_probability": "0.12",
    "churn_band": "low",
}


def build(records: list[Record], **kw) -> FrameBuilder:
    builder = FrameBuilder(**kw)
    builder.add(records)
    return builder


def test_predictions_of_a_scored_file_are_read_as_predictions() -> None:
    frame = build([Record(text="x", extra=PRED)]).build()
    state = dict(zip(frame.drivers, frame.state[0], strict=True))
    assert state == {
        "quality": STATE_CODE["positive"],
        "price": 0,
        "access": 0,
        "staff": STATE_CODE["negative"],
    }
    assert frame.confidence[0].tolist() == [np.float32(0.91), 0.0, 0.0, np.float32(0.66)]
    assert (frame.sentiment_source[0], frame.drivers_source[0], frame.category_source[0]) == (PREDICTED,) * 3
    assert math.isclose(frame.churn[0], 0.12, rel_tol=1e-6) and frame.churn_source[0] == PREDICTED


def test_given_labels_win_and_a_given_driver_takes_the_predicted_polarity() -> None:
    record = Record(text="x", sentiment="negative", drivers=("staff",), score=3, score_scale="0-10", churn=True,
                    extra=PRED)  # fmt: skip
    frame = build([record]).build()
    assert (frame.sentiment[0], frame.sentiment_source[0]) == (0, LABEL)  # negative, as given
    assert frame.state[0].tolist() == [0, 0, 0, STATE_CODE["negative"]]  # only staff; its polarity predicted
    assert frame.confidence[0].tolist() == [0.0, 0.0, 0.0, 1.0] and frame.drivers_source[0] == LABEL
    assert (frame.category[0], frame.category_source[0]) == (0, SCORE)  # detractor from the score
    assert (frame.churn[0], frame.churn_source[0]) == (1.0, LABEL)


def test_unreadable_prediction_cells_are_counted_not_trusted() -> None:
    bad = {**PRED, "pred_drivers": "quality;teleportation", "churn_probability": "high"}
    frame = build([Record(text="x", extra=bad), Record(text="y", extra=bad)]).build()
    assert frame.drivers_source.tolist() == [NONE, NONE] and np.isnan(frame.churn).all()
    assert "2 cells of column 'pred_drivers' could not be read and were ignored" in frame.warnings
    assert "2 cells of column 'churn_probability' could not be read and were ignored" in frame.warnings


def test_batches_of_a_real_file_give_the_same_analysis_as_one_list() -> None:
    path = shared_file("en/tripadvisor_hotel_aspects_test.csv")
    builder = FrameBuilder(segments=["split"])
    for batch in iter_records(path, batch_size=40):
        builder.add(batch.records)
    streamed = analyze(builder.build(), bootstrap=200)
    whole = analyze(load_records([path]).records, segments=["split"], bootstrap=200)
    assert streamed == whole
    assert streamed["nps"]["source"] == "score" and streamed["nps"]["n"] == 95


def test_take_replicates_rows_with_their_segments() -> None:
    records = [
        Record(text=t, nps_category="promoter", extra={"channel": c}) for t, c in (("a", "app"), ("b", "web"))
    ]
    frame = build(records, segments=["channel"]).build().take(np.array([1, 1, 0]))
    assert frame.text.tolist() == ["b", "b", "a"]
    assert frame.segments["channel"].values() == ["web", "web", "app"]
    assert analyze(frame, bootstrap=0)["nps"]["n"] == 3


def test_an_empty_input_gives_an_empty_analysis() -> None:
    result = analyze([], bootstrap=100)
    assert result["n"] == 0 and result["nps"]["value"] is None and result["drivers"]["price"]["mentions"] == 0


def test_untrained_heads_leave_their_columns_out_so_nothing_reads_as_predicted_none() -> None:
    from cxtext.analysis.frame import prediction_cells, prediction_columns
    from cxtext.model import Prediction

    result = {
        "language": "en",
        "sentiment": {"label": "negative"},
        "drivers": [],
        "nps": None,
        "churn": {"probability": 0.4, "band": "medium"},
        "untrained_heads": ["drivers", "driver_sentiment", "nps_category"],
    }
    cells = prediction_cells(Prediction.of(result))
    assert list(cells) == prediction_columns(result["untrained_heads"])
    assert list(cells) == ["pred_lang", "pred_sentiment", "churn_probability", "churn_band"]
    frame = build([Record(text="x", extra=cells)]).build()
    assert frame.drivers_source[0] == NONE and frame.category_source[0] == NONE
    assert frame.sentiment_source[0] == PREDICTED and frame.churn_source[0] == PREDICTED
