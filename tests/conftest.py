"""Shared fixtures: real labelled slices of ../shared/data and a small model trained on them once."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxtext.io.records import load_records
from cxtext.paths import shared_data_dir
from cxtext.schema import Record
from training.train import CORPUS_DIR


def shared_file(name: str) -> Path:
    path = shared_data_dir() / name
    assert path.is_file(), f"shared data file {path} is missing (set CXTEXT_DATA_DIR)"
    return path


def every_nth(records: list[Record], n: int) -> list[Record]:
    """A deterministic, label-balanced-enough slice of a real dataset."""
    return records[::n]


@pytest.fixture(scope="session")
def training_slice() -> list[Record]:
    """About 4,000 real texts covering every head: sentiment, drivers, driver sentiment, NPS, churn."""
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
    # Persian public data is small and product-only; the default model leans on our corpus the same way
    records += every_nth(load_records(sorted(CORPUS_DIR.glob("fa/*.csv"))).records, 3)
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


# -- HTTP API (tests/test_api_*.py) --------------------------------------------------------------------
# Every test gets a fresh registry (the shared small model as `default` plus a second version) and a fresh
# database, once on SQLite and once on PostgreSQL. The PostgreSQL run needs CXTEXT_TEST_DATABASE_URL
# (`scripts/start_postgres.sh` prints one); without it those tests fail rather than skip. Deselect them
# explicitly with `-m "not postgres"` on a machine without PostgreSQL.

API_SCOPES = ("classify", "ingest", "read", "label", "train", "admin")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs PostgreSQL at CXTEXT_TEST_DATABASE_URL")


FAST_MODEL = {"min_df": 2, "char_ngram_range": (3, 4)}  # a few seconds to train; good enough to serve


@pytest.fixture(scope="session")
def api_training_records() -> list[Record]:
    """The starter-corpus slice the API's default model is trained on (Persian and English)."""
    from training.train import corpus_files

    return load_records(corpus_files()).records[::12]


@pytest.fixture(scope="session")
def api_model_dirs(
    api_training_records: list[Record], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """Two differently trained models: the registry's `default` and a second version to swap to."""
    from training.train import corpus_files, train_records

    root = tmp_path_factory.mktemp("api-models")
    first, second = root / "first", root / "second"
    train_records(api_training_records, first, holdout_fraction=0.2, model_params=FAST_MODEL)
    other = load_records(corpus_files()).records[5::25]
    train_records(other, second, holdout_fraction=0.2, model_params=FAST_MODEL)
    return first, second


@pytest.fixture
def models_root(api_model_dirs: tuple[Path, Path], tmp_path: Path) -> Path:
    """A fresh registry: the first model as `default`, the second under its version."""
    import shutil

    from models.artifact import read_card

    first, second = api_model_dirs
    root = tmp_path / "models"
    shutil.copytree(first, root / "default")
    shutil.copytree(second, root / str(read_card(second)["version"]))
    return root


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh, empty database: a SQLite file, or a schema of its own on the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'api.sqlite3'}"
        return
    import os
    import uuid

    import sqlalchemy as sa

    base = os.environ.get("CXTEXT_TEST_DATABASE_URL")
    if not base:
        pytest.fail(
            "CXTEXT_TEST_DATABASE_URL is not set: run `export CXTEXT_TEST_DATABASE_URL=$(scripts/start_postgres.sh)` "
            "or deselect the PostgreSQL tests with -m 'not postgres'"
        )
    schema = f"test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.fixture
def api_settings(database_url: str, models_root: Path):
    from api.settings import Settings

    keys = ",".join(f"key-{scope}={scope}" for scope in API_SCOPES)
    return Settings(
        database_url=database_url,
        models_dir=models_root,
        api_keys=f"{keys},key-reader-classifier=read|classify",
        max_batch=50,
        max_text_chars=1000,
        model_check_seconds=0.05,
    )


@pytest.fixture
def client(api_settings):
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(api_settings)) as test_client:
        assert test_client.app.state.warmup.wait(120), "the start-up warm-up did not finish"
        yield test_client


@pytest.fixture
def auth():
    """`auth("read")` → the headers of a key with (only) that scope."""

    def headers(scope: str) -> dict[str, str]:
        return {"Authorization": f"Bearer key-{scope}"}

    return headers


@pytest.fixture(scope="session")
def corpus_model():
    """The out-of-the-box model: trained on the whole starter corpus, as `cxtext train --default` does."""
    from cxtext.model import FeedbackModel
    from training.sources import with_label_coverage
    from training.train import corpus_files

    return FeedbackModel().fit(with_label_coverage(load_records(corpus_files()).records))
