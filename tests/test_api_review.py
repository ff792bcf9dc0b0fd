"""The analyst's loop over the API: review queue, labelling (and its refusals), export back into training."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from api.auth import digest
from cxtext.io.records import load_records
from cxtext.schema import Record
from cxtext.uncertainty import informativeness, jaccard, shingles
from tests.conftest import shared_file
from tests.test_api_classify import assert_problem


@pytest.fixture(scope="module")
def gold() -> list[Record]:
    """Real SemEval restaurant sentences with gold labels, and real Persian food comments."""
    english = load_records([shared_file("en/semeval14_restaurants_train.csv")]).records[::60][:24]
    persian = load_records([shared_file("fa/parsinlu_food_train.csv")]).records[::40][:12]
    return english + persian


def key_name(scope: str) -> str:
    return digest(f"key-{scope}").hex()[:8]


def store(client, auth, records: list[Record], **extra) -> None:
    items = [
        {"id": r.id, "text": r.text, "lang": r.lang, "segments": {"channel": "app" if i % 2 else "web"}}
        | extra
        for i, r in enumerate(records)
    ]
    for start in range(0, len(items), 50):
        response = client.post(
            "/v1/feedback", json={"items": items[start : start + 50]}, headers=auth("ingest")
        )
        assert response.status_code == 200, response.text


def queue(client, auth, **params) -> dict:
    response = client.get("/v1/feedback/review", params=params, headers=auth("read"))
    assert response.status_code == 200, response.text
    return response.json()


def stored(client, auth) -> dict[str, dict]:
    response = client.get("/v1/feedback", params={"limit": 500}, headers=auth("read"))
    return {item["id"]: item for item in response.json()["items"]}


def gold_labels(record: Record) -> dict:
    return {
        "sentiment": record.sentiment,
        "drivers": list(record.drivers or ()),
        "driver_sentiment": dict(record.driver_sentiment or {}),
    }


def put(client, headers, feedback_id: str, body: dict, **params):
    return client.put(f"/v1/feedback/{feedback_id}/labels", json=body, params=params, headers=headers)


def test_queue_ranks_by_uncertainty_spreads_content_and_explains(client, auth, gold) -> None:
    store(client, auth, gold)
    rows = stored(client, auth)
    ranked = sorted(rows.values(), key=lambda item: -informativeness(item["prediction"]))
    top = ranked[0]
    # five near-copies of the most uncertain comment must not crowd the page
    copies = [
        Record(text=top["text"] + suffix, id=f"copy-{i}", lang=top["lang"])
        for i, suffix in enumerate(("!", "!!", ".", " ...", "?"))
    ]
    store(client, auth, copies)
    page = queue(client, auth, limit=8)
    assert page["remaining"] == len(gold) + len(copies)
    assert page["model_version"] == client.app.state.holder.loaded.version
    items = page["items"]
    assert len(items) == 8
    assert items[0]["uncertainty"] == pytest.approx(
        informativeness(stored(client, auth)[items[0]["id"]]["prediction"])
    )
    assert items[0]["uncertainty"] == max(
        informativeness(item["prediction"]) for item in stored(client, auth).values()
    )
    grams = [shingles(item["text"]) for item in items]
    for i in range(len(items)):
        for j in range(i):
            assert jaccard(grams[i], grams[j]) <= 0.5, (items[i]["text"], items[j]["text"])
    model = client.app.state.holder.loaded.model
    for item in items:
        expected = model.classify([item["text"]], [item["lang"]], explain=True)[0]
        assert item["prediction"] == expected
        assert "evidence" in item["prediction"]["sentiment"]
        assert set(item) >= {"id", "text", "lang", "segments", "created_at", "uncertainty", "prediction"}


def test_queue_filters_by_language_and_segment(client, auth, gold) -> None:
    store(client, auth, gold)
    persian = queue(client, auth, lang="fa", limit=50)
    assert persian["remaining"] == sum(r.lang == "fa" for r in gold) == len(persian["items"])
    assert {item["lang"] for item in persian["items"]} == {"fa"}
    web = queue(client, auth, segment="channel:web", limit=50)
    assert web["remaining"] == len(gold[::2]) and all(i["segments"]["channel"] == "web" for i in web["items"])
    assert_problem(
        client.get("/v1/feedback/review", params={"limit": 51}, headers=auth("read")), 422, "limit"
    )
    assert_problem(client.get("/v1/feedback/review", headers=auth("label")), 403)


def test_labels_are_stored_with_who_and_when_and_leave_the_queue(client, auth, gold) -> None:
    store(client, auth, gold)
    first = queue(client, auth, limit=1)["items"][0]
    record = next(r for r in gold if r.id == first["id"])
    response = put(client, auth("label"), first["id"], {**gold_labels(record), "nps_category": "passive"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["labelled_by"] == key_name("label") and body["labelled_at"]
    assert body["labels"]["sentiment"] == record.sentiment and body["labels"]["nps_category"] == "passive"
    assert sorted(body["labels"]["drivers"]) == sorted(record.drivers or ())
    after = queue(client, auth, limit=50)
    assert after["remaining"] == len(gold) - 1 and first["id"] not in {i["id"] for i in after["items"]}
    assert stored(client, auth)[first["id"]]["labels"] == body["labels"]
    # the same analyst may correct their own label; an admin key may label too
    again = put(client, auth("label"), first["id"], {"drivers": [], "sentiment": "neutral"})
    assert again.status_code == 200 and again.json()["labels"] == {"sentiment": "neutral", "drivers": []}
    assert put(client, auth("admin"), gold[1].id, gold_labels(gold[1])).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sentiment": "angry", "drivers": []}, "sentiment"),
        ({"sentiment": "negative"}, "drivers"),
        ({"drivers": ["parking"]}, "drivers"),
        ({"drivers": ["price"], "driver_sentiment": {"staff": "negative"}}, "driver_sentiment"),
        ({"drivers": ["price"], "driver_sentiment": {"price": "furious"}}, "driver_sentiment.price"),
        ({"drivers": [], "nps_category": "fan"}, "nps_category"),
        ({"drivers": [], "churn": "maybe"}, "churn"),
        ({"drivers": [], "colour": "red"}, "colour"),
    ],
)
def test_a_wrong_label_is_a_422_naming_it_and_changes_nothing(client, auth, gold, body, field) -> None:
    store(client, auth, gold[:3])
    assert_problem(put(client, auth("label"), gold[0].id, body), 422, field)
    assert stored(client, auth)[gold[0].id]["labels"] is None
    assert queue(client, auth)["remaining"] == 3


def test_unknown_id_missing_scope_and_second_analyst(client, auth, gold) -> None:
    store(client, auth, gold[:3])
    labels = gold_labels(gold[0])
    assert_problem(put(client, auth("label"), "no-such-id", labels), 404, "feedback_id")
    assert_problem(put(client, auth("read"), gold[0].id, labels), 403)
    assert put(client, auth("label"), gold[0].id, labels).status_code == 200
    other = {"sentiment": "positive", "drivers": ["price"], "driver_sentiment": {"price": "positive"}}
    refused = assert_problem(put(client, auth("admin"), gold[0].id, other), 409)
    assert refused["labelled_by"] == key_name("label") and refused["labelled_at"]
    assert refused["labels"]["sentiment"] == gold[0].sentiment
    assert stored(client, auth)[gold[0].id]["labels"]["sentiment"] == gold[0].sentiment  # nothing lost
    replaced = put(client, auth("admin"), gold[0].id, other, overwrite="true")
    assert replaced.status_code == 200 and replaced.json()["labelled_by"] == key_name("admin")
    assert stored(client, auth)[gold[0].id]["labels"]["drivers"] == ["price"]


def test_a_scored_answer_waits_in_the_queue_and_its_label_must_agree_with_the_score(
    client, auth, gold
) -> None:
    """A survey answer with only a score has no label (the score gives its NPS category): it is in the
    queue, labelled without `overwrite`, and an NPS category its score contradicts is refused."""
    store(client, auth, gold[:2], score=9)
    assert queue(client, auth)["remaining"] == 2
    contradicting = gold_labels(gold[0]) | {"nps_category": "detractor"}
    assert_problem(put(client, auth("label"), gold[0].id, contradicting), 422, "nps_category")
    assert stored(client, auth)[gold[0].id]["labels"] is None  # nothing written
    assert put(client, auth("label"), gold[0].id, gold_labels(gold[0])).status_code == 200
    assert stored(client, auth)[gold[0].id]["labels"] == gold_labels(gold[0])
    assert queue(client, auth)["remaining"] == 1


def test_labels_given_at_ingest_are_not_silently_replaced(client, auth, gold) -> None:
    store(client, auth, gold[:2], sentiment="negative")
    refused = assert_problem(
        put(client, auth("label"), gold[0].id, {"drivers": [], "sentiment": "positive"}), 409
    )
    assert refused["labelled_by"] is None and refused["labels"] == {"sentiment": "negative"}


def test_resending_an_item_keeps_the_analysts_labels(client, auth, gold) -> None:
    store(client, auth, gold[:2])
    assert put(client, auth("label"), gold[0].id, gold_labels(gold[0])).status_code == 200
    store(client, auth, gold[:2], date="2025-03-01")  # same text, a new date: an update
    assert stored(client, auth)[gold[0].id]["labels"]["sentiment"] == gold[0].sentiment
    assert queue(client, auth)["remaining"] == 1


def export(client, auth, fmt: str) -> str:
    response = client.get("/v1/feedback/labels", params={"format": fmt}, headers=auth("read"))
    assert response.status_code == 200, response.text
    return response.text


def test_export_round_trips_into_training(client, auth, gold, tmp_path: Path, api_training_records) -> None:
    from models.artifact import load_artifact
    from tests.conftest import FAST_MODEL
    from training.train import train_files

    store(client, auth, gold)
    for record in gold:
        assert put(client, auth("label"), record.id, gold_labels(record)).status_code == 200
    as_csv, as_jsonl = export(client, auth, "csv"), export(client, auth, "jsonl")
    rows = list(csv.DictReader(io.StringIO(as_csv)))
    assert len(rows) == len(gold) == len(as_jsonl.splitlines())
    assert {row["labelled_by"] for row in rows} == {key_name("label")}
    assert json.loads(as_jsonl.splitlines()[0])["source"] == "analyst_review"
    (tmp_path / "labels.csv").write_text(as_csv, encoding="utf-8")
    (tmp_path / "labels.jsonl").write_text(as_jsonl, encoding="utf-8")
    for name in ("labels.csv", "labels.jsonl"):
        loaded = {r.id: r for r in load_records([tmp_path / name]).records}
        for record in gold:
            back = loaded[record.id]
            assert back.text == stored(client, auth)[record.id]["text"]
            assert back.sentiment == record.sentiment
            assert set(back.drivers or ()) == set(record.drivers or ())
            assert dict(back.driver_sentiment or {}) == dict(record.driver_sentiment or {})
            assert back.source == "analyst_review"
    # the export trains as it is: empty drivers of analysts' rows read as "none mentioned"
    from cxtext.io.records import write_records

    base = tmp_path / "base.csv"
    write_records(base, api_training_records)
    out = tmp_path / "model"
    train_files([base, tmp_path / "labels.csv"], out, holdout_fraction=0.0, model_params=FAST_MODEL)
    card = load_artifact(out).card
    assert card["counts"]["train"]["source"]["analyst_review"] == len(gold)
    none_mentioned = sum(not r.drivers for r in gold)
    assert none_mentioned > 0
    assert card["counts"]["train"]["drivers_labelled"]["texts"] >= len(gold)


def test_labelled_in_the_queue_trained_with_base_and_gated(
    client, auth, api_training_records, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop end to end: label from the queue, train on stored feedback on top of the default, and the
    models listing shows the base, the weights and the gate's verdict on rows neither model trained on."""
    from cxtext.io.records import write_records
    from tests.test_api_models import versions, wait_for_job
    from training.base import BASE_CORPUS_ENV
    from training.gate import split

    folder = tmp_path / "base"
    folder.mkdir()
    write_records(folder / "corpus.csv", api_training_records)  # what the registry's default learned from
    monkeypatch.setenv(BASE_CORPUS_ENV, str(folder))
    rows = load_records([shared_file("en/semeval14_restaurants_train.csv")]).records[::15]
    store(client, auth, rows)
    for item in queue(client, auth, limit=50)["items"]:  # the analyst starts with the queue's page
        record = next(r for r in rows if r.id == item["id"])
        assert put(client, auth("label"), record.id, gold_labels(record)).status_code == 200
    for record in rows:
        put(client, auth("label"), record.id, gold_labels(record))
    assert queue(client, auth)["remaining"] == 0
    default = versions(client, auth)["active"]
    response = client.post(
        "/v1/models/train", data={"source": "feedback", "base": "default"}, headers=auth("train")
    )
    assert response.status_code == 202, response.text
    job = wait_for_job(client, auth, response.json()["job_id"])
    assert job["status"] == "succeeded", job
    result = job["result"]
    report = result["gate"]
    _, evaluation = split([r for r in rows], 0.2)
    assert report["active_version"] == default and report["evaluation_rows"] == len(evaluation) > 0
    assert "fewer than 50" in report["warnings"][0]
    assert report["verdict"] in ("pass", "blocked") and "sentiment" in report["heads"]
    assert result["activated"] == (report["verdict"] == "pass")
    assert ("not worse" in result["reason"]) == (report["verdict"] == "pass")
    listed = {m["version"]: m for m in versions(client, auth)["models"]}[result["version"]]
    assert listed["base"]["name"] == "default" and listed["base"]["rows"] == len(api_training_records)
    assert listed["base"]["weights"]["user"] > 1
    assert listed["gate"]["verdict"] == report["verdict"]
    assert listed["gate"]["heads"]["sentiment"]["interval"] == report["heads"]["sentiment"]["interval"]
    card = client.get(f"/v1/models/{result['version']}", headers=auth("read")).json()["card"]
    assert card["counts"]["train"]["source"]["analyst_review"] == len(rows) - len(evaluation)
