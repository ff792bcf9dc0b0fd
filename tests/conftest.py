"""Shared fixtures: real labelled slices of ../shared/data and a small model trained on them once."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxtext.paths import shared_data_dir
from cxtext.schema import Record
from training.data import load_records


def shared_file(name: str) -> Path:
    path = shared_data_dir() / name
    assert path.is_file(), f"shared data file {path} is missing (set CXTEXT_DATA_DIR)"
    return path


def every_nth(records: list[Record], n: int) -> list[Record]:
    """A deterministic, label-balanced-enough slice of a real dataset."""
    return records[::n]


@pytest.fixture(scope="session")
def training_slice() -> list[Record]:
    """About 3,000 real texts covering every head: sentiment, drivers, driver sentiment, NPS, churn."""
    files = {
        "en/semeval14_restaurants_train.csv": 2,
        "en/airline_tweets_train.csv": 10,
        "en/skytrax_airline_reviews_train.csv": 8,
        "en/churn_intent_en_train.csv": 1,
        "fa/parsinlu_food_train.csv": 1,
    }
    records: list[Record] = []
    for name, n in files.items():
        records += every_nth(load_records([shared_file(name)]).records, n)
    return records


@pytest.fixture(scope="session")
def small_model_dir(training_slice: list[Record], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from training.train import train_records

    out = tmp_path_factory.mktemp("models") / "small"
    train_records(training_slice, out, holdout_fraction=0.15)
    return out


@pytest.fixture(scope="session")
def small_model(small_model_dir: Path):
    from models.artifact import load_artifact

    return load_artifact(small_model_dir).model
