"""The feedback store: ingest (idempotent, redacted, all-or-nothing), listing, driver analysis, re-scoring."""

from __future__ import annotations

import time

import pytest

from tests.test_api_classify import EN, FA, assert_problem

PHONE_TEXT = "The courier was rude. Call me back on 0912 345 6789 or mail ali@example.com please."


def items() -> list[dict]:
    return [
        {
            "id": "s-1",
            "text": FA,
            "score": 4,
            "date": "2025-01-06",
            "segments": {"channel": "app", "region": "Tehran"},
        },
        {
            "id": "s-2",
            "text": EN,
            "lang": "en",
            "score": 9,
            "date": "2025-01-08",
            "segments": {"channel": "web", "region": "Tehran"},
            "sentiment": "mixed",
            "drivers": ["quality", "price"],
            "driver_sentiment": {"quality": "negative", "price": "positive"},
        },
        {
            "id": "s-3",
            "text": PHONE_TEXT,
            "score": 2,
            "score_scale": "1-5",
            "date": "2025-01-15",
            "segments": {"channel": "app", "region": "Shiraz"},
            "churn": True,
        },
        {"id": "s-4", "text": "کارمند شعبه خیلی مودب بود و کارم سریع انجام شد.", "date": "2025-01-20"},
    ]


def ingest(client, auth, payload: list[dict]):
    return client.post("/v1/feedback", json={"items": payload}, headers=auth("ingest"))


def listing(client, auth, **params) -> dict:
    response = client.get("/v1/feedback", params=params, headers=auth("read"))
    assert response.status_code == 200, response.text
    return response.json()


def test_ingest_stores_redacted_text_predictions_and_labels(client, auth) -> None:
    response = ingest(client, auth, items())
    assert response.status_code == 200, response.text
    body = response.json()
    version = client.app.state.holder.loaded.version
    assert body["model_version"] == version
    assert body["counts"] == {"created": 4, "updated": 0, "unchanged": 0}
    stored = {item["id"]: item for item in listing(client, auth)["items"]}
    assert set(stored) == {"s-1", "s-2", "s-3", "s-4"}
    phone = stored["s-3"]
    assert phone["text_redacted"] and "0912" not in phone["text"] and "ali@example.com" not in phone["text"]
    assert "<phone>" in phone["text"] and "<email>" in phone["text"]
    # the NPS category its score gives is no label (the score keeps it): only the given churn is
    assert phone["score_scale"] == "1-5" and phone["labels"] == {"churn": True}
    assert stored["s-1"]["score_scale"] == "0-10" and stored["s-1"]["segments"] == {
        "channel": "app",
        "region": "Tehran",
    }
    assert stored["s-2"]["labels"]["drivers"] == ["quality", "price"]
    assert stored["s-4"]["labels"] is None and stored["s-4"]["lang"] == "fa"
    for item in stored.values():
        assert item["model_version"] == version
        assert item["prediction"]["language"] in ("fa", "en", "fa-Latn")
        assert "sentiment" in item["prediction"] and "churn" in item["prediction"]
    model = client.app.state.holder.loaded.model
    assert (
        stored["s-3"]["prediction"]["sentiment"]
        == model.classify([phone["text"]], [None], [2], ["1-5"], explain=False)[0]["sentiment"]
    )


def test_ingest_is_idempotent_by_id_and_updates_changed_items(client, auth) -> None:
    assert ingest(client, auth, items()).json()["counts"]["created"] == 4
    again = ingest(client, auth, items()).json()
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 4}
    changed = items()
    changed[1]["score"] = 3
    response = ingest(client, auth, [*changed, {"id": "s-5", "text": EN}]).json()
    assert response["counts"] == {"created": 1, "updated": 1, "unchanged": 3}
    assert [i["status"] for i in response["items"]] == [
        "unchanged",
        "updated",
        "unchanged",
        "unchanged",
        "created",
    ]
    page = listing(client, auth)
    assert page["total"] == 5
    assert next(i for i in page["items"] if i["id"] == "s-2")["score"] == 3


def test_raw_text_is_kept_only_when_configured(api_settings, auth) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app

    with TestClient(create_app(api_settings.model_copy(update={"store_raw_text": True}))) as raw_client:
        assert ingest(raw_client, auth, items()[2:3]).status_code == 200
        [item] = listing(raw_client, auth)["items"]
    assert item["text"] == PHONE_TEXT and not item["text_redacted"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": ""}, "items[3].id"),
        ({"id": None}, "items[3].id"),
        ({"text": ""}, "items[3].text"),
        ({"text": "y" * 1001}, "items[3].text"),
        ({"lang": "ar"}, "items[3].lang"),
        ({"score": 12}, "items[3].score"),
        ({"score": 3, "score_scale": "3-9"}, "items[3].score_scale"),
        ({"date": "2025-02-30"}, "items[3].date"),
        ({"date": "1403/02/15"}, "items[3].date"),
        ({"date": 20250101}, "items[3].date"),
        ({"drivers": ["parking"]}, "items[3].drivers"),
        ({"driver_sentiment": {"price": "angry"}}, "items[3].driver_sentiment.price"),
        ({"score": 10, "nps_category": "detractor"}, "items[3].nps_category"),
        ({"segments": {"source": "x"}}, "items[3].segments"),
        ({"segments": {"channel": 5}}, "items[3].segments.channel"),
        ({"colour": "red"}, "items[3].colour"),
    ],
)
def test_a_bad_item_rejects_the_whole_batch(client, auth, change: dict, field: str) -> None:
    batch = items()
    batch[3] = {**batch[3], **change}
    assert_problem(ingest(client, auth, batch), 422, field)
    assert listing(client, auth)["total"] == 0  # nothing half-written


def test_ingest_limits_and_duplicates(client, auth) -> None:
    assert_problem(ingest(client, auth, [{"id": f"x{i}", "text": EN} for i in range(51)]), 422, "items")
    assert_problem(ingest(client, auth, []), 422, "items")
    assert_problem(
        ingest(client, auth, [{"id": "d", "text": EN}, {"id": "d", "text": FA}]), 422, "items[1].id"
    )
    assert_problem(
        client.post("/v1/feedback", json={"items": [{"id": "a", "text": EN}]}, headers=auth("read")), 403
    )
    assert_problem(client.post("/v1/feedback", json={"items": []}), 401)


def test_list_filters_and_paginates(client, auth) -> None:
    ingest(client, auth, items())
    assert {
        i["id"] for i in listing(client, auth, **{"from": "2025-01-07", "to": "2025-01-15"})["items"]
    } == {"s-2", "s-3"}
    assert {i["id"] for i in listing(client, auth, segment="channel:app")["items"]} == {"s-1", "s-3"}
    assert {i["id"] for i in listing(client, auth, segment=["channel:app", "region:Tehran"])["items"]} == {
        "s-1"
    }
    assert {i["id"] for i in listing(client, auth, lang="en")["items"]} == {"s-2", "s-3"}
    # s-1 has a score and nothing else: no label, so it waits in the review queue
    assert {i["id"] for i in listing(client, auth, labelled="true")["items"]} == {"s-2", "s-3"}
    assert {i["id"] for i in listing(client, auth, labelled="false")["items"]} == {"s-1", "s-4"}
    sentiment = listing(client, auth)["items"][0]["prediction"]["sentiment"]["label"]
    assert "s-1" in {i["id"] for i in listing(client, auth, sentiment=sentiment)["items"]}
    seen, cursor = [], None
    while True:
        page = listing(client, auth, limit=3, **({"cursor": cursor} if cursor else {}))
        assert page["total"] == 4
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["s-1", "s-2", "s-3", "s-4"]


def test_a_range_that_ends_before_it_starts_matches_nothing(client, auth) -> None:
    """Not an error: JSON Schema cannot compare two parameters, and an empty range is a fine question."""
    ingest(client, auth, items())
    assert listing(client, auth, **{"from": "2025-02-01", "to": "2025-01-01"})["total"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2025-13-01"}, "to"),
        ({"lang": "de"}, "lang"),
        ({"segment": "channel"}, "segment[0]"),
        ({"from": "0"}, "from"),  # not read as a Unix time
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"cursor": "abc"}, "cursor"),
        ({"sentiment": "angry"}, "sentiment"),
        ({"labelled": "sometimes"}, "labelled"),
        ({"form": "2025-01-01"}, "form"),
    ],
)
def test_bad_list_parameters_are_problems_naming_them(client, auth, params: dict, field: str) -> None:
    body = assert_problem(client.get("/v1/feedback", params=params, headers=auth("read")), 422, field)
    assert body["errors"][0]["location"] == "query"


def test_listing_needs_the_read_scope(client, auth) -> None:
    assert_problem(client.get("/v1/feedback", headers=auth("ingest")), 403)
    assert_problem(client.get("/v1/feedback"), 401)


def test_driver_summary_over_stored_feedback(client, auth) -> None:
    ingest(client, auth, items())
    response = client.get("/v1/drivers/summary", params={"min_n": 1}, headers=auth("read"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["n"] == 4 and body["model_versions"] == {client.app.state.holder.loaded.version: 4}
    analysis = body["analysis"]
    assert analysis["nps"]["n"] == 3 and analysis["nps"]["source"] == "score"
    assert set(analysis["drivers"]) == {"quality", "price", "access", "staff"}
    assert set(analysis["segments"]) == {"channel", "region"}
    assert "trends" not in analysis
    quotes = [q for d in analysis["drivers"].values() for kind in d["quotes"].values() for q in kind]
    assert all("0912" not in q["text"] for q in quotes)

    filtered = client.get(
        "/v1/drivers/summary",
        params={"segment": "channel:app", "from": "2025-01-01", "by": "region"},
        headers=auth("read"),
    ).json()
    assert filtered["n"] == 2 and list(filtered["analysis"]["segments"]) == ["region"]
    assert client.get("/v1/drivers/summary", params={"lang": "en"}, headers=auth("read")).json()["n"] == 2


def test_driver_trend_per_week_includes_empty_periods(client, auth) -> None:
    ingest(client, auth, items())
    response = client.get("/v1/drivers/trend", params={"period": "week", "min_n": 1}, headers=auth("read"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["n"] == 4 and body["period"] == "week"
    assert [p["label"] for p in body["trends"]["periods"]] == ["2025-W02", "2025-W03", "2025-W04"]
    monthly = client.get("/v1/drivers/trend", params={"period": "month"}, headers=auth("read")).json()
    assert [p["label"] for p in monthly["trends"]["periods"]] == ["2025-01"]


def test_driver_analysis_of_an_empty_selection(client, auth) -> None:
    response = client.get("/v1/drivers/summary", params={"from": "2030-01-01"}, headers=auth("read"))
    assert response.status_code == 200 and response.json()["n"] == 0


@pytest.mark.parametrize(
    ("route", "params", "field"),
    [
        ("summary", {"from": "2025-1-1x"}, "from"),
        ("summary", {"min_n": 0}, "min_n"),
        ("summary", {"nps_source": "guess"}, "nps_source"),
        ("trend", {"period": "year"}, "period"),
        ("trend", {"segment": ":app"}, "segment[0]"),
        ("trend", {"confidence": 2}, "confidence"),
        ("trend", {"periode": "week"}, "periode"),
    ],
)
def test_bad_driver_parameters(client, auth, route: str, params: dict, field: str) -> None:
    assert_problem(client.get(f"/v1/drivers/{route}", params=params, headers=auth("read")), 422, field)


def test_driver_routes_need_the_read_scope(client, auth) -> None:
    assert_problem(client.get("/v1/drivers/summary", headers=auth("classify")), 403)
    assert_problem(client.get("/v1/drivers/trend"), 401)


def wait_for_job(client, auth, job_id: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=auth("read")).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout}s")


def test_rescoring_after_a_promotion_is_an_explicit_job(client, auth) -> None:
    ingest(client, auth, items())
    old = client.app.state.holder.loaded.version
    other = next(
        m["version"]
        for m in client.get("/v1/models", headers=auth("read")).json()["models"]
        if not m["active"]
    )
    assert client.post(f"/v1/models/{other}/activate", headers=auth("admin")).status_code == 200
    summary = client.get("/v1/drivers/summary", headers=auth("read")).json()
    assert summary["model_versions"] == {old: 4}  # promotion alone re-scores nothing

    response = client.post("/v1/feedback/rescore", json={"batch_size": 3}, headers=auth("train"))
    assert response.status_code == 202, response.text
    job = wait_for_job(client, auth, response.json()["job_id"])
    assert job["status"] == "succeeded", job
    assert job["kind"] == "rescore" and job["result"] == {"model_version": other, "rescored": 4}
    assert job["progress"]["fraction"] == 1.0
    assert [entry["message"] for entry in job["progress"]["log"]][1:3] == [
        "3 of 4 items re-scored",
        "4 of 4 items re-scored",
    ]
    stored = listing(client, auth)["items"]
    assert {i["model_version"] for i in stored} == {other}
    model = client.app.state.holder.loaded.model
    first = next(i for i in stored if i["id"] == "s-1")
    assert first["prediction"] == model.classify([first["text"]], [None], [4], ["0-10"], explain=False)[0]
    again = wait_for_job(
        client, auth, client.post("/v1/feedback/rescore", headers=auth("train")).json()["job_id"]
    )
    assert again["result"]["rescored"] == 0


def test_rescore_needs_the_train_scope_and_a_valid_body(client, auth) -> None:
    assert_problem(client.post("/v1/feedback/rescore", headers=auth("read")), 403)
    assert_problem(
        client.post("/v1/feedback/rescore", json={"batch_size": 0}, headers=auth("train")), 422, "batch_size"
    )


def test_rescoring_runs_on_a_dask_cluster_when_one_is_configured(client, auth) -> None:
    """The same job on a 2-worker LocalCluster stores exactly what the in-process job stores."""
    from distributed import LocalCluster

    ingest(client, auth, items())
    other = next(
        m["version"]
        for m in client.get("/v1/models", headers=auth("read")).json()["models"]
        if not m["active"]
    )
    assert client.post(f"/v1/models/{other}/activate", headers=auth("admin")).status_code == 200
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        client.app.state.runner.scheduler = cluster.scheduler_address
        response = client.post("/v1/feedback/rescore", json={"batch_size": 2}, headers=auth("train"))
        job = wait_for_job(client, auth, response.json()["job_id"])
    assert job["status"] == "succeeded", job
    assert job["result"] == {"model_version": other, "rescored": 4}
    stored = listing(client, auth)["items"]
    model = client.app.state.holder.loaded.model
    for item in stored:
        assert item["model_version"] == other
        expected = model.classify([item["text"]], [None], [item["score"]], ["0-10"], explain=False)[0]
        assert item["prediction"] == expected

    client.app.state.runner.scheduler = "tcp://127.0.0.1:9"  # nothing listens there
    response = client.post("/v1/feedback/rescore", headers=auth("train"))
    job = wait_for_job(client, auth, response.json()["job_id"])
    assert job["status"] == "failed" and "cannot reach the Dask scheduler" in job["error"]
