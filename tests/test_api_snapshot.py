"""The analysis snapshot answers exactly as reading the matching stored items does, after appends,
updates, labels and new segment keys: the reference below is the row-by-row path it replaced."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from api.analysis import stored_record
from api.queries import DriverQuery
from api.routes.drivers import analyse_store
from cxtext.analysis import FrameBuilder, analyze
from cxtext.io.records import load_records
from tests.conftest import every_nth, shared_file


def reference(store, taxonomy, query: DriverQuery) -> dict:
    """The analysis of the rows `FeedbackStore.batches` returns for the query, read one by one."""
    where = query.to_filter()
    by = query.by if query.by is not None else store.segment_keys(where)
    builder = FrameBuilder(taxonomy, date_column="date", segments=by)
    for rows in store.batches(where):
        builder.add(stored_record(row, taxonomy) for row in rows)
    options = query.model_dump(include={"period", "nps_source", "confidence", "min_n", "bootstrap", "quotes"})
    return analyze(builder.build(), taxonomy=taxonomy, **options)


QUERIES = [
    {},
    {"segment": ["channel:web"]},
    {"segment": ["channel:app", "region:north"]},
    {"lang": "fa"},
    {"from": "2025-02-01", "to": "2025-03-15", "period": "month"},
    {"by": ["region", "absent"]},
    {"segment": ["channel:nowhere"]},
]


def same_answers(client) -> None:
    state = client.app.state
    taxonomy = state.holder.current().model.taxonomy_
    for params in QUERIES:
        query = DriverQuery.model_validate({"bootstrap": 100, "min_n": 5, **params})
        fast, _ = analyse_store(state.snapshots, taxonomy, query)
        slow = reference(state.store, taxonomy, query)
        assert json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True), params


def items(records, first: int, segments: dict | None = None) -> list[dict]:
    return [
        {
            "id": f"s{first + i}",
            "text": record.text[:900],
            "score": (1, 6, 8, 9, 10)[i % 5],
            "date": f"2025-{1 + i % 3:02d}-{1 + i % 28:02d}",
            "segments": segments
            or {"channel": ("app", "web")[i % 2], "region": ("north", "south", "west")[i % 3]},
        }
        for i, record in enumerate(records)
    ]


@pytest.fixture(scope="module")
def texts():
    fa = every_nth(load_records([shared_file("fa/parsinlu_food_test.csv")]).records, 10)[:20]
    en = every_nth(load_records([shared_file("en/semeval14_restaurants_test.csv")]).records, 25)[:25]
    return fa + en


@pytest.mark.parametrize("slack_s", [0, 120])
def test_snapshot_matches_reading_the_rows_through_every_kind_of_write(
    client, auth, texts, monkeypatch, slack_s
) -> None:
    """With no slack a refresh re-reads exactly the items written since the last one; with some, also
    recent ones it already holds, which must replace their rows, never add a second copy."""
    monkeypatch.setattr("api.snapshot.WRITE_SLACK", dt.timedelta(seconds=slack_s))

    def ingest(batch: list[dict]) -> None:
        response = client.post("/v1/feedback", json={"items": batch}, headers=auth("ingest"))
        assert response.status_code == 200, response.text

    same_answers(client)  # an empty store
    ingest(items(texts[:30], 0))
    same_answers(client)
    ingest(items(texts[30:], 30))  # appended
    same_answers(client)
    changed = items(texts[:1], 0)[0] | {"score": 0, "date": "2025-03-20"}
    ingest([changed])  # an update of an item read before
    same_answers(client)
    body = {"sentiment": "negative", "drivers": ["price"], "driver_sentiment": {"price": "negative"}}
    labelled = client.put(
        "/v1/feedback/s3/labels", json=body, params={"overwrite": "true"}, headers=auth("label")
    )
    assert labelled.status_code == 200, labelled.text
    same_answers(client)
    ingest(items(texts[:2], 100, {"store": "mall"}))  # a new segment key
    same_answers(client)
    summary = client.get("/v1/drivers/summary", params={"segment": "store:mall"}, headers=auth("read")).json()
    assert summary["n"] == 2


def test_answers_are_remembered_until_the_store_changes(client, auth, texts) -> None:
    snapshots, taxonomy = client.app.state.snapshots, client.app.state.holder.current().model.taxonomy_
    calls: list[int] = []

    def rows(snapshot) -> int:
        calls.append(len(snapshot.frame))
        return len(snapshot.frame)

    client.post("/v1/feedback", json={"items": items(texts[:5], 0)}, headers=auth("ingest"))
    assert snapshots.answer(taxonomy, "q", rows) == snapshots.answer(taxonomy, "q", rows) == 5
    assert calls == [5]
    client.post("/v1/feedback", json={"items": items(texts[5:6], 5)}, headers=auth("ingest"))
    assert snapshots.answer(taxonomy, "q", rows) == 6 and calls == [5, 6]


def test_a_restarted_service_is_ready_once_the_default_dashboard_is_warm(
    client, api_settings, auth, texts, monkeypatch
) -> None:
    """After a restart `/readyz` waits for the warm-up: then the default view (the dashboard's first load
    and `GET /v1/drivers/summary` without filters) is answered without analysing anything again."""
    import threading

    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.warmup import Warmup

    assert (
        client.post("/v1/feedback", json={"items": items(texts, 0)}, headers=auth("ingest")).status_code
        == 200
    )
    with TestClient(create_app(api_settings)) as restarted:
        assert restarted.app.state.warmup.wait(120)
        assert restarted.get("/readyz").json()["status"] == "ready"

        def analysed_again(*_args, **_kwargs):
            raise AssertionError("the default view was not warmed")

        monkeypatch.setattr("api.routes.drivers.analyze", analysed_again)
        summary = restarted.get("/v1/drivers/summary", headers=auth("read"))
        assert summary.status_code == 200 and summary.json()["n"] == len(texts)
        page = restarted.get("/ui/fragments/fa/dashboard", headers=auth("read"))
        assert page.status_code == 200 and 'id="drivers-table"' in page.text

        release = threading.Event()
        restarted.app.state.warmup = Warmup([("analysis snapshot", release.wait)])
        restarted.app.state.warmup.start()
        body = restarted.get("/readyz").json()
        assert body["status"] == 503 and body["detail"] == "warming up: analysis snapshot"
        assert restarted.get("/healthz").status_code == 200  # liveness stays open meanwhile
        release.set()
        assert restarted.app.state.warmup.wait(10)
        assert restarted.get("/readyz").json()["status"] == "ready"
