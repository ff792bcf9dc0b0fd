"""What Schemathesis found on the routes it once skipped, each pinned by a request that failed before:
dates outside the analysed years (a 500, or a daily trend of millions of periods), a themes period that
ends before it starts, the labels body's drivers, malformed JSON, unknown query parameters; and the
typed dependencies that let a test hand a route its own settings."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.deps import get_settings
from api.main import create_app
from api.schemas import DATE_PATTERN, FIRST_DATE, LAST_DATE
from cli import main
from cxtext.analysis import FrameBuilder, analysis_options
from cxtext.analysis.frame import MAX_YEAR, MIN_YEAR
from cxtext.schema import Record
from cxtext.taxonomy import Taxonomy
from tests.test_api_classify import EN, assert_problem

OUTSIDE = ["1899-12-31", "2100-01-01", "9999-12-31", "0001-01-01"]


def test_the_date_pattern_states_the_analysed_years() -> None:
    assert dt.date(MIN_YEAR, 1, 1) == FIRST_DATE and dt.date(MAX_YEAR, 12, 31) == LAST_DATE
    for day in (FIRST_DATE, LAST_DATE, dt.date(2025, 2, 28)):
        assert re.fullmatch(DATE_PATTERN, day.isoformat())
    for text in OUTSIDE:
        assert not re.fullmatch(DATE_PATTERN, text)


@pytest.mark.parametrize("day", OUTSIDE)
def test_a_stored_date_outside_the_years_is_a_422(client, auth, day: str) -> None:
    item = {"id": "d1", "text": EN, "date": day}
    body = assert_problem(client.post("/v1/feedback", json={"items": [item]}, headers=auth("ingest")), 422)
    assert body["errors"][0]["field"] == "items[0].date" and "1900-01-01 to 2099-12-31" in body["detail"]
    assert client.get("/v1/feedback", headers=auth("read")).json()["total"] == 0


@pytest.mark.parametrize("path", ["/v1/themes", "/v1/drivers/trend", "/v1/feedback", "/v1/feedback/review"])
@pytest.mark.parametrize("name", ["from", "to"])
def test_a_filter_date_outside_the_years_is_a_422(client, auth, path: str, name: str) -> None:
    # 9999-12-31 to 0001-01-01 was a 500 (OverflowError) on /v1/themes, on both databases
    params = {"from": "9999-12-31", "to": "0001-01-01"} if name == "from" else {"to": "2100-01-01"}
    assert_problem(client.get(path, params=params, headers=auth("read")), 422, name)


def test_a_themes_period_ending_before_it_starts_is_a_422_naming_to(client, auth) -> None:
    params = {"from": "2025-03-01", "to": "2025-02-28"}
    body = assert_problem(client.get("/v1/themes", params=params, headers=auth("read")), 422, "to")
    assert "before it starts" in body["detail"]
    # the same range is an empty slice, not an error, where nothing is compared with a previous period
    assert client.get("/v1/feedback", params=params, headers=auth("read")).json()["total"] == 0


def test_the_analysis_reads_no_date_beyond_the_last_year() -> None:
    builder = FrameBuilder(Taxonomy.default(), date_column="date")
    builder.add(
        Record(text="late", extra={"date": day}) for day in ("2025-01-01", "2100-01-01", "9999-12-31")
    )
    frame = builder.build()
    assert int((~np.isnat(frame.date)).sum()) == 1
    assert any("1900 to 2099" in warning for warning in frame.warnings)


def test_cli_themes_refuses_a_since_outside_the_years(tmp_path, capsys) -> None:
    data = tmp_path / "in.csv"
    data.write_text("text\nlate\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:  # argparse's own exit: usage and the reason, status 2
        main(["themes", "--data", str(data), "--out", str(tmp_path / "t.json"), "--since", "0001-06-01"])
    assert exited.value.code == 2 and "between 1900-01-01 and 2099-12-31" in capsys.readouterr().err


def test_the_labels_body_lists_the_taxonomys_drivers_and_its_400(client, auth) -> None:
    document = client.get("/openapi.json", headers=auth("read"))
    document = document.json() if document.status_code == 200 else client.app.openapi()
    labels = document["components"]["schemas"]["LabelsRequest"]
    names = list(Taxonomy.from_env().names)
    assert labels["properties"]["drivers"]["items"]["enum"] == names
    assert labels["properties"]["driver_sentiment"]["propertyNames"] == {"enum": names}
    put = document["paths"]["/v1/feedback/{feedback_id}/labels"]["put"]
    assert {"400", "413", "422"} <= set(put["responses"])
    response = client.put(
        "/v1/feedback/x/labels",
        content=b"{not json",
        headers={**auth("label"), "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "body")


@pytest.mark.parametrize(
    ("method", "path", "json"),
    [
        ("PUT", "/v1/feedback/x/labels", {"drivers": []}),
        ("GET", "/v1/feedback/labels", None),
        ("GET", "/v1/feedback/review", None),
    ],
)
def test_unknown_query_parameters_are_a_422(client, auth, method: str, path: str, json: dict | None) -> None:
    response = client.request(method, path, params={"fromat": "csv"}, json=json, headers=auth("admin"))
    assert_problem(response, 422, "fromat")


def test_analysis_options_are_read_and_checked_once() -> None:
    class Flags:
        period, min_n, bootstrap, seed = "month", 5, 200, 1

    assert analysis_options(Flags()) == {"period": "month", "min_n": 5, "bootstrap": 200, "seed": 1}
    Flags.min_n = 0
    with pytest.raises(ValueError, match="min_n must be at least 1"):
        analysis_options(Flags())


@pytest.mark.parametrize(
    ("command", "flag"), [("drivers", ["--min-n", "0"]), ("themes", ["--bootstrap", "-1"])]
)
def test_both_commands_refuse_a_bad_analysis_option(tmp_path, capsys, command: str, flag: list[str]) -> None:
    data = tmp_path / "in.csv"
    data.write_text("text\nlate\n", encoding="utf-8")
    inputs = (
        ["--in", str(data)] if command == "drivers" else ["--data", str(data), "--out", str(tmp_path / "o")]
    )
    assert main([command, *inputs, *flag]) == 2
    assert f"{flag[0]} must be at least" in capsys.readouterr().err


def test_routes_take_the_settings_they_are_handed(api_settings, auth) -> None:
    """Every route input is a dependency: an app (or a test) can hand in its own settings."""
    app = create_app(api_settings)
    app.dependency_overrides[get_settings] = lambda: api_settings.model_copy(update={"max_batch": 1})
    items = [{"text": EN}, {"text": EN}]
    with TestClient(app) as client:
        for path in ("/v1/classify", "/v1/analyze"):
            response = client.post(path, json={"items": items}, headers=auth("admin"))
            assert response.status_code in (413, 422) and "items" in response.text, response.text
