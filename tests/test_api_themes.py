"""`GET /v1/themes` over stored feedback: themes with the response schema, emerging against the previous
period, and a clear 422 when the store holds too few comments."""

from __future__ import annotations

from api.theme_schemas import ThemesResponse
from tests.test_api_classify import assert_problem
from tests.test_themes import _series


def store(client, auth, records) -> None:
    items = [
        {"id": r.id, "text": r.text, "lang": r.lang, "score": r.score, "date": r.extra["date"]}
        for r in records
    ]
    for start in range(0, len(items), 50):
        response = client.post(
            "/v1/feedback", json={"items": items[start : start + 50]}, headers=auth("ingest")
        )
        assert response.status_code == 200, response.text


def test_themes_of_stored_feedback_flag_the_jump(client, auth) -> None:
    records = _series(jump=True, per_week=60)
    store(client, auth, records)
    response = client.get(
        "/v1/themes",
        params={"from": "2025-02-03", "to": "2025-03-02", "bootstrap": 200},
        headers=auth("read"),
    )
    assert response.status_code == 200, response.text
    body = ThemesResponse.model_validate(response.json()).model_dump(by_alias=True)
    assert body["n"] == len(records)  # the previous four weeks are loaded too, for the comparison
    assert str(body["emerging"]["previous"]["from"]) == "2025-01-06"
    crash = next(theme for theme in body["themes"] if "app" in theme["name"])
    assert crash["emerging"]["emerging"] and crash["emerging"]["p_adjusted"] < 0.01
    assert crash["lang"] == "en" and crash["quotes"][0]["highlights"]
    assert sum(body["model_versions"].values()) == len(records)


def test_an_open_period_ends_at_the_last_stored_date(client, auth) -> None:
    store(client, auth, _series(jump=True, per_week=60))
    response = client.get("/v1/themes", params={"from": "2025-02-03", "bootstrap": 100}, headers=auth("read"))
    assert response.status_code == 200, response.text
    assert response.json()["emerging"]["to"] == "2025-03-02"


def test_too_few_stored_comments_is_a_problem_not_an_empty_list(client, auth) -> None:
    store(client, auth, _series(jump=False, per_week=60)[:10])
    response = client.get("/v1/themes", headers=auth("read"))
    assert_problem(response, 422)
    assert "too few comments" in response.json()["detail"]


def test_themes_need_the_read_scope_and_are_documented(client, auth) -> None:
    assert client.get("/v1/themes", headers=auth("ingest")).status_code == 403
    spec = client.get("/openapi.json", headers=auth("read")).json()
    route = spec["paths"]["/v1/themes"]["get"]
    assert route["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "ThemesResponse"
    )
    assert {"from", "to", "lang", "segment", "themes", "seed"} <= {p["name"] for p in route["parameters"]}
