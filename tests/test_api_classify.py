"""`POST /v1/classify`: success for Persian and English, single and batch; every kind of bad input."""

from __future__ import annotations

import pytest

FA = "پیک خیلی دیر رسید و غذا سرد بود، ولی قیمتش مناسب بود."
EN = "The delivery was late and the food was cold, but the price was fair."
PROBLEM = "application/problem+json"


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["instance"] == f"urn:request:{response.headers['x-request-id']}"
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
        assert body["detail"].startswith(f"{field}: ")
    return body


def test_one_persian_text(client, auth) -> None:
    response = client.post("/v1/classify", json={"text": FA}, headers=auth("classify"))
    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == client.app.state.holder.loaded.version
    [result] = body["results"]
    assert result["language"] == "fa"
    assert result["sentiment"]["label"] in ("negative", "neutral", "positive", "mixed")
    assert abs(sum(result["sentiment"]["probabilities"].values()) - 1) < 0.01
    for evidence in result["sentiment"]["evidence"]:
        assert FA[evidence["start"] : evidence["end"]] == evidence["phrase"]
    assert result["nps"]["source"] == "predicted"
    assert 0 <= result["churn"]["probability"] <= 1 and result["churn"]["band"] in ("low", "medium", "high")
    assert {d["name"] for d in result["drivers"]} <= {"quality", "price", "access", "staff"}


def test_same_answer_as_the_model_itself(client, auth) -> None:
    response = client.post("/v1/classify", json={"text": EN, "lang": "en"}, headers=auth("classify"))
    expected = client.app.state.holder.loaded.model.classify([EN], ["en"])
    assert response.json()["results"] == expected


def test_a_batch_keeps_order_and_ids_and_uses_scores(client, auth) -> None:
    items = [
        {"id": "a", "text": FA, "score": 10},
        {"id": "b", "text": EN, "lang": "en", "score": 3, "score_scale": "1-5"},
        {"text": "kheili bad bood, dige az in app kharid nemikonam"},
    ]
    response = client.post("/v1/classify", json={"items": items, "explain": False}, headers=auth("classify"))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r.get("id") for r in results] == ["a", "b", None]
    assert results[0]["nps"] == {"category": "promoter", "source": "score"}
    assert results[1]["nps"] == {"category": "detractor", "source": "score"}
    assert results[1]["language"] == "en"
    assert all(r["sentiment"]["evidence"] == [] for r in results)


def test_a_key_with_several_scopes_and_admin_keys_may_classify(client, auth) -> None:
    for headers in (auth("reader-classifier"), auth("admin")):
        assert client.post("/v1/classify", json={"text": EN}, headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"text": ""}, 422, "text"),
        ({"text": "   \n "}, 422, "text"),
        ({"text": "x" * 1001}, 422, "text"),
        ({"text": 42}, 422, "text"),
        ({"text": EN, "lang": "de"}, 422, "lang"),
        ({"text": EN, "score": 11}, 422, "score"),
        ({"text": EN, "score": "high"}, 422, "score"),
        ({"text": EN, "score": 4.5, "score_scale": "1-5"}, 422, "score"),
        ({"text": EN, "score": 4, "score_scale": "1-100"}, 422, "score_scale"),
        ({"text": EN, "explain": "maybe"}, 422, "explain"),
        ({"txt": EN}, 422, "txt"),
        ({}, 422, "text"),
        ({"text": EN, "items": [{"text": EN}]}, 422, "text"),
        ({"items": []}, 422, "items"),
        ({"items": [{"text": EN}] * 51}, 422, "items"),
        ({"items": [{"text": EN}], "lang": "en"}, 422, "lang"),
        ({"items": [{"text": EN}, {"text": ""}]}, 422, "items[1].text"),
        ({"items": [{"text": EN, "lang": "xx"}]}, 422, "items[0].lang"),
        ({"items": [{"text": EN, "score": -1}]}, 422, "items[0].score"),
        ({"items": [{"id": "same", "text": EN}, {"id": "same", "text": FA}]}, 422, "items[1].id"),
        ({"items": "not a list"}, 422, "items"),
        ([EN], 422, "body"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(client, auth, body, status: int, field: str) -> None:
    assert_problem(client.post("/v1/classify", json=body, headers=auth("classify")), status, field)


def test_malformed_json_is_a_400(client, auth) -> None:
    headers = {**auth("classify"), "Content-Type": "application/json"}
    body = assert_problem(
        client.post("/v1/classify", content=b'{"text": "unterminated', headers=headers), 400, "body"
    )
    assert "malformed JSON" in body["detail"]


def test_a_body_over_the_size_limit_is_refused_before_reading(client, auth) -> None:
    limit = client.app.state.settings.max_body_bytes
    headers = {**auth("classify"), "Content-Type": "application/json", "Content-Length": str(limit + 1)}
    assert_problem(client.post("/v1/classify", content=b"{}", headers=headers), 413)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-key"},
        {"Authorization": "Basic a2V5LWFkbWluOg=="},
        {"Authorization": "Bearer "},
    ],
)
def test_without_a_valid_key_it_is_401(client, headers: dict[str, str]) -> None:
    response = client.post("/v1/classify", json={"text": EN}, headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("scope", ["ingest", "read", "train"])
def test_a_key_without_the_scope_is_403(client, auth, scope: str) -> None:
    body = assert_problem(client.post("/v1/classify", json={"text": EN}, headers=auth(scope)), 403)
    assert "'classify' scope" in body["detail"]


def test_a_long_batch_runs_off_the_event_loop_with_the_same_results(client, auth) -> None:
    texts = [f"{EN} ({i})" for i in range(40)]
    response = client.post(
        "/v1/classify",
        json={"items": [{"text": t} for t in texts], "explain": False},
        headers=auth("classify"),
    )
    assert response.status_code == 200
    expected = client.app.state.holder.loaded.model.classify(texts, explain=False)
    assert response.json()["results"] == expected
