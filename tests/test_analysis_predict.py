"""Missing labels are predicted with a model; given labels are never replaced."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from cxtext.analysis import analyze, frame_from_records
from cxtext.analysis.frame import LABEL, PREDICTED, STATE_CODE
from cxtext.analysis.predict import fill_predictions
from cxtext.io.records import load_records
from cxtext.model import FeedbackModel
from cxtext.schema import Record
from tests.conftest import shared_file

SLICE = {
    "en/semeval14_restaurants_train.csv": 8,
    "en/airline_tweets_train.csv": 40,
    "en/skytrax_airline_reviews_train.csv": 40,
    "en/churn_intent_en_train.csv": 2,
    "fa/parsinlu_food_train.csv": 4,
}


@functools.cache
def train_tiny_model(session_tmp: Path) -> Path:
    """A model on ~1,300 real texts covering every head (about 10 s), trained once per test session
    (the CLI tests ask for it too) in the session's temporary folder."""
    from training.train import train_records

    records = [r for name, step in SLICE.items() for r in load_records([shared_file(name)]).records[::step]]
    out = session_tmp / "analysis-model"
    train_records(records, out, holdout_fraction=0)
    return out


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny_model(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir: Path) -> FeedbackModel:
    from models.artifact import load_artifact

    return load_artifact(tiny_model_dir).model


TEXTS = [
    "The waiter was rude and the food was cold, never coming back.",
    "غذا خیلی سرد بود و قیمتش هم گرون بود",
    "Lovely staff, quick service, fair prices.",
]


def test_only_missing_cells_are_predicted(tiny_model: FeedbackModel) -> None:
    records = [
        Record(text=TEXTS[0]),
        Record(text=TEXTS[1], sentiment="mixed", drivers=()),
        Record(text=TEXTS[2], drivers=("staff",), nps_category="passive", churn=False),
    ]
    frame, filled = fill_predictions(frame_from_records(records), tiny_model, categories=True)
    assert filled["sentiment"] == 2 and filled["drivers"] == 1 and filled["nps_category"] == 2
    assert filled["churn"] == 2
    assert frame.sentiment_source.tolist() == [PREDICTED, LABEL, PREDICTED]
    assert frame.sentiment[1] == 3  # "mixed", as given
    assert frame.state[1].tolist() == [0, 0, 0, 0]  # an empty drivers cell is a given "none"
    assert frame.drivers_source.tolist() == [PREDICTED, LABEL, LABEL]
    assert frame.state[0].any()  # the rude waiter and the cold food are found
    assert (frame.state[2] > 0).tolist() == [False, False, False, True]  # staff only, as given
    assert frame.category[2] == 1 and frame.churn[2] == 0.0


def test_a_given_driver_without_polarity_gets_the_predicted_one(tiny_model: FeedbackModel) -> None:
    frame, filled = fill_predictions(
        frame_from_records([Record(text="The staff were so rude to us", drivers=("staff",))]),
        tiny_model,
        categories=False,
    )
    staff = frame.drivers.index("staff")
    assert frame.state[0, staff] == STATE_CODE["negative"] and filled["driver_sentiment"] == 1


def test_analysis_of_raw_text_says_its_nps_is_predicted(tiny_model: FeedbackModel) -> None:
    records = load_records([shared_file("fa/parsinlu_food_test.csv")]).records[:60]
    bare = [Record(text=r.text, id=r.id) for r in records]
    result = analyze(bare, model=tiny_model, bootstrap=100)
    assert result["nps"]["source"] == "predicted" and result["nps"]["n"] == 60
    assert result["coverage"]["predicted"]["drivers"] == 60
    assert any("predicted from text" in w for w in result["warnings"])
    assert result["drivers"]["quality"]["mentions"] > 10  # food reviews talk about quality


def test_categories_are_not_predicted_when_scores_exist(tiny_model: FeedbackModel) -> None:
    records = [Record(text=TEXTS[0], score=2, score_scale="0-10"), Record(text=TEXTS[2])]
    result = analyze(records, model=tiny_model, bootstrap=0)
    assert result["coverage"]["predicted"]["nps_category"] == 0
    assert (result["nps"]["source"], result["nps"]["n"]) == ("score", 1)


def test_the_lean_predictions_of_score_are_those_inside_classify(tiny_model: FeedbackModel) -> None:
    """`cxtext score` writes `predictions`, which skips the JSON `classify` builds: the cells must be the
    same for real Persian and English texts (given and detected languages, drivers, churn)."""
    from cxtext.analysis.frame import prediction_cells
    from cxtext.model import Prediction

    texts = [r.text for r in load_records([shared_file("fa/digikala_comments_dev.csv")]).records[:150]]
    texts += [
        r.text for r in load_records([shared_file("en/skytrax_airline_reviews_test.csv")]).records[:150]
    ]
    texts += TEXTS
    langs = [None if i % 3 else ("fa" if i < 150 else "en") for i in range(len(texts))]
    lean = tiny_model.predictions(texts, langs)
    full = [Prediction.of(r) for r in tiny_model.classify(texts, langs, explain=False)]
    assert lean == full
    assert [prediction_cells(p) for p in lean] == [prediction_cells(p) for p in full]
    assert any(p.drivers for p in lean) and any(p.nps_category for p in lean)
    assert len({p.churn_band for p in lean}) > 1
