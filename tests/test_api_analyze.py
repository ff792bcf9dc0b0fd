"""`POST /v1/analyze`: predictions and the driver analysis of posted records; nothing is stored."""

from __future__ import annotations

import pytest

from tests.test_api_classify import EN, FA, assert_problem

RECORDS = [
    {"id": "r1", "text": FA, "score": 5, "date": "2025-01-06", "segments": {"channel": "app"}},
    {"id": "r2", "text": "کارمند شعبه خیلی مودب و کاربلد بود.", "score": 10, "date": "2025-01-07"},
    {"id": "r3", "text": EN, "score": 6, "date": "2025-01-14", "segments": {"channel": "web"}},
    {
        "id": "r4",
        "text": "Great app, but the fees went up again.",
        "score": 8,
        "date": "2025-01-15",
        "drivers": ["price"],
        "driver_sentiment": {"price": "negative"},
    },
]


def analyze(client, auth, body: dict):
    return client.post("/v1/analyze", json=body, headers=auth("classify"))


def test_predictions_and_analysis_of_persian_and_english_records(client, auth) -> None:
    response = analyze(client, auth, {"items": RECORDS, "min_n": 1})
    assert response.status_code == 200, response.text
    body = response.json()
    model = client.app.state.holder.loaded
    assert body["model_version"] == model.version
    assert [p["id"] for p in body["predictions"]] == ["r1", "r2", "r3", "r4"]
    texts = [r["text"] for r in RECORDS]
    expected = model.model.classify(texts, [None] * 4, [5, 10, 6, 8], ["0-10"] * 4, explain=False)
    assert [{k: v for k, v in p.items() if k != "id"} for p in body["predictions"]] == expected
    analysis = body["analysis"]
    assert analysis["n"] == 4
    assert analysis["nps"] == {**analysis["nps"], "n": 4, "promoters": 1, "passives": 1, "detractors": 2}
    assert analysis["nps"]["value"] == -25.0 and analysis["nps"]["source"] == "score"
    assert set(analysis["drivers"]) == {"quality", "price", "access", "staff"}
    assert list(analysis["segments"]) == ["channel"]
    assert [p["label"] for p in analysis["trends"]["periods"]] == ["2025-W02", "2025-W03"]
    assert analysis["coverage"]["driver_sources"]["label"] == 1  # the given drivers of r4 win


def test_analysis_options_are_applied(client, auth) -> None:
    body = analyze(client, auth, {"items": RECORDS, "period": "month", "by": [], "bootstrap": 200}).json()
    settings = body["analysis"]["settings"]
    assert settings["period"] == "month" and settings["bootstrap"] == 200 and settings["min_n"] == 30
    assert body["analysis"]["segments"] == {} and body["analysis"]["nps"]["small"]


def test_nothing_is_stored(client, auth) -> None:
    assert analyze(client, auth, {"items": RECORDS}).status_code == 200
    assert client.get("/v1/feedback", headers=auth("read")).json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"items": []}, 422, "items"),
        ({}, 422, "items"),
        ({"items": [{"text": EN}] * 51}, 422, "items"),
        ({"items": [{"text": " "}]}, 422, "items[0].text"),
        ({"items": [{"text": EN, "date": "2025-02-30"}]}, 422, "items[0].date"),
        ({"items": [{"text": EN, "score": 7, "score_scale": "1-5"}]}, 422, "items[0].score"),
        ({"items": [{"text": EN, "lang": "english"}]}, 422, "items[0].lang"),
        ({"items": [{"text": EN, "sentiment": "happy"}]}, 422, "items[0].sentiment"),
        ({"items": [{"id": "a", "text": EN}, {"id": "a", "text": FA}]}, 422, "items[1].id"),
        ({"items": [{"text": EN}], "period": "year"}, 422, "period"),
        ({"items": [{"text": EN}], "confidence": 1.5}, 422, "confidence"),
        ({"items": [{"text": EN}], "bootstrap": 100000}, 422, "bootstrap"),
    ],
)
def test_bad_input(client, auth, body: dict, status: int, field: str) -> None:
    assert_problem(analyze(client, auth, body), status, field)


def test_analyze_needs_the_classify_scope(client, auth) -> None:
    assert_problem(client.post("/v1/analyze", json={"items": RECORDS}, headers=auth("read")), 403)
    assert_problem(client.post("/v1/analyze", json={"items": RECORDS}), 401)
