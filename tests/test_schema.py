import csv

import pytest

from cxtext.paths import shared_data_dir
from cxtext.schema import COLUMNS, Record, SchemaError, record_from_row, record_to_row
from cxtext.taxonomy import Taxonomy


def row(**cells: str) -> dict[str, str]:
    """A CSV row with every schema column, empty unless given."""
    return {column: cells.get(column, "") for column in COLUMNS}


def test_columns_match_the_header_of_the_shared_data() -> None:
    with (shared_data_dir() / "en" / "churn_intent_en_dev.csv").open(encoding="utf-8", newline="") as fh:
        assert tuple(next(csv.reader(fh))) == COLUMNS


def test_a_full_row_becomes_a_record_with_labels_in_taxonomy_order() -> None:
    record = record_from_row(
        row(
            id=" r1 ",
            lang="fa",
            text="  غذا سرد بود و پیک بی‌ادب  ",
            sentiment=" negative",
            drivers="staff;quality",
            driver_sentiment="staff:negative;quality:negative",
            score="2",
            score_scale="1-5",
            churn="TRUE",
            source="survey",
            split="train",
        )
        | {"channel": "app"}
    )
    assert record == Record(
        text="  غذا سرد بود و پیک بی‌ادب  ",
        id="r1",
        lang="fa",
        sentiment="negative",
        drivers=("quality", "staff"),
        driver_sentiment={"quality": "negative", "staff": "negative"},
        nps_category="detractor",
        score=2.0,
        score_scale="1-5",
        churn=True,
        source="survey",
        split="train",
        extra={"channel": "app"},
    )
    assert list(record.driver_sentiment) == ["quality", "staff"]


def test_empty_cells_mean_unlabelled_and_absent_columns_stay_none() -> None:
    assert record_from_row(row(text="ok")) == Record(text="ok", drivers=(), driver_sentiment={})
    assert record_from_row({"text": "ok"}) == Record(text="ok")


def test_a_score_without_a_scale_is_read_on_0_to_10_and_fills_the_category() -> None:
    record = record_from_row(row(text="ok", score="9"))
    assert (record.score, record.score_scale, record.nps_category) == (9.0, "0-10", "promoter")


def test_driver_sentiment_may_name_drivers_when_drivers_is_empty() -> None:
    """Empty `drivers` means "unknown" (rating-derived sets such as Skytrax), so nothing contradicts."""
    record = record_from_row(row(text="ok", driver_sentiment="price:positive;staff:neutral"))
    assert record.drivers == ()
    assert record.driver_sentiment == {"price": "positive", "staff": "neutral"}


def test_json_rows_may_use_native_types() -> None:
    record = record_from_row(
        {
            "id": 17,
            "text": "late again",
            "drivers": ["access"],
            "driver_sentiment": {"access": "negative"},
            "score": 3,
            "score_scale": "0-10",
            "churn": 1,
            "nps_category": None,
            "visits": 4,
            "tags": ["x", "y"],
            "note": None,
        }
    )
    assert record == Record(
        text="late again",
        id="17",
        drivers=("access",),
        driver_sentiment={"access": "negative"},
        nps_category="detractor",
        score=3.0,
        score_scale="0-10",
        churn=True,
        extra={"visits": "4", "tags": '["x", "y"]', "note": ""},
    )


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"text": 5}, "text", "text must be a string, got int"),
        ({"text": "x", "sentiment": 1}, "sentiment", "sentiment must be a string, got int"),
        ({"text": "x", "id": 1.5}, "id", "id must be a string, got float"),
        ({"text": "x", "drivers": {"price": 1}}, "drivers", "drivers must be a string or a list, got dict"),
        ({"text": "x", "drivers": [1]}, "drivers", "drivers entries must be strings, got 1"),
        ({"text": "x", "score": True}, "score", "score must be a number, got bool"),
        ({"text": "x", "churn": 2}, "churn", "churn must be 0, 1, true or false, got 2"),
        ({"text": "x", "churn": "yes"}, "churn", "churn must be 0, 1, true or false, got 'yes'"),
    ],
)
def test_wrongly_typed_json_values_name_their_column(cells: dict, column: str, message: str) -> None:
    with pytest.raises(SchemaError) as caught:
        record_from_row(cells)
    assert (caught.value.column, str(caught.value)) == (column, message)


def test_custom_topics_are_accepted_only_with_their_taxonomy() -> None:
    taxonomy = Taxonomy.default().with_topics([{"name": "packaging"}])
    cells = row(text="box was crushed", drivers="packaging;price", driver_sentiment="packaging:negative")
    assert record_from_row(cells, taxonomy).drivers == ("price", "packaging")
    with pytest.raises(SchemaError, match="unknown driver 'packaging'"):
        record_from_row(cells)


def test_record_to_row_writes_the_schema_then_extras() -> None:
    record = Record(
        text="ok",
        drivers=("staff", "price"),
        driver_sentiment={"staff": "positive", "price": "negative"},
        score=7.5,
        score_scale="0-100",
        churn=False,
        extra={"channel": "email"},
    )
    assert record_to_row(record) == {
        "id": "",
        "lang": "",
        "text": "ok",
        "sentiment": "",
        "drivers": "price;staff",
        "driver_sentiment": "price:negative;staff:positive",
        "nps_category": "",
        "score": "7.5",
        "score_scale": "0-100",
        "churn": "0",
        "source": "",
        "split": "",
        "channel": "email",
    }
    assert list(record_to_row(record))[: len(COLUMNS)] == list(COLUMNS)


@pytest.mark.parametrize(
    "cells",
    [
        row(id="a", lang="en", text="Great crew", sentiment="positive", drivers="staff",
            driver_sentiment="staff:positive", score="10", score_scale="1-10", churn="0", split="dev"),
        row(text="قیمت بالا", lang="fa", drivers="price", nps_category="detractor", churn="1"),
        row(text="x", score="85.5", score_scale="0-100") | {"region": "north"},
    ],
)  # fmt: skip
def test_record_to_row_round_trips(cells: dict[str, str]) -> None:
    record = record_from_row(cells)
    assert record_from_row(record_to_row(record)) == record
