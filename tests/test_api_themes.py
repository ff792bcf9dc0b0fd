"""`GET /v1/themes` over stored feedback: themes with the response schema, emerging against the previous
period, and a clear 422 when the store holds too few comments; `POST /v1/themes/{id}/promote`: the
theme's stored comments as training rows that validate, and 4xx problems for what cannot be promoted."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from api.theme_schemas import PromotionResponse, ThemesResponse
from cli import main
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


def test_a_promoted_theme_becomes_training_rows_that_validate(client, auth, tmp_path: Path, capsys) -> None:
    records = _series(jump=True, per_week=60)
    store(client, auth, records)
    query = {"bootstrap": 100}
    listed = client.get("/v1/themes", params=query, headers=auth("read"))
    assert listed.status_code == 200, listed.text
    listed = listed.json()
    crash = next(theme for theme in listed["themes"] if "app" in theme["name"])

    def labelled() -> list[tuple]:
        params = {"labelled": True, "limit": 500}
        items = client.get("/v1/feedback", params=params, headers=auth("read")).json()["items"]
        return [(item["id"], item["labels"]) for item in items]

    labelled_before = labelled()
    response = client.post(
        f"/v1/themes/{crash['id']}/promote",
        params=query,
        json={"topic": "app_crash", "name": crash["name"]},
        headers=auth("label"),
    )
    assert response.status_code == 200, response.text
    body = PromotionResponse.model_validate(response.json()).model_dump()
    members = [row for row in body["rows"] if row["theme_member"] == "1"]
    others = [row for row in body["rows"] if row["theme_member"] == "0"]
    assert body["members"] == len(members) == crash["size"] and body["counter_examples"] == len(others) > 0
    assert all("app_crash" in row["drivers"].split(";") for row in members)
    assert not any("app_crash" in row["drivers"].split(";") for row in others)
    topic = {r.id: r.extra["topic"] for r in records}
    assert sum(topic[row["id"]] == "app" for row in members) >= 0.9 * len(members)  # the stored comments
    assert sum(topic[row["id"]] == "app" for row in others) <= 0.1 * len(others)
    assert (
        body["taxonomy"] == {"topics": [{"name": "app_crash"}]} and body["empty_drivers"] == "none-mentioned"
    )

    examples, config = tmp_path / "app_crash.csv", tmp_path / "app_crash.taxonomy.json"
    with examples.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(body["rows"][0]))
        writer.writeheader()
        writer.writerows(body["rows"])
    config.write_text(json.dumps(body["taxonomy"]), encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(examples), "--taxonomy", str(config)]) == 0, capsys.readouterr().err
    assert labelled() == labelled_before  # nothing is stored: the rows are for review first


def test_what_cannot_be_promoted_is_a_problem(client, auth) -> None:
    def promote(theme_id: str, payload: dict, scope: str = "label"):
        return client.post(
            f"/v1/themes/{theme_id}/promote", params={"bootstrap": 100}, json=payload, headers=auth(scope)
        )

    assert_problem(promote("en-1", {"topic": "app_crash"}), 404, "theme_id")  # nothing stored: no themes
    store(client, auth, _series(jump=True, per_week=60))
    assert promote("en-1", {"topic": "app_crash"}, scope="read").status_code == 403
    unknown = promote("en-99", {"topic": "app_crash"})
    assert_problem(unknown, 404, "theme_id")
    assert "en-1" in unknown.json()["detail"]  # the themes there are
    assert_problem(promote("en-1", {"topic": "price"}), 409, "topic")  # a driver already
    assert_problem(promote("en-1", {"topic": "App Crash"}), 422)
    changed = promote("en-1", {"topic": "app_crash", "name": "not its name"})
    assert_problem(changed, 409)
    assert changed.json()["name"] != "not its name"
