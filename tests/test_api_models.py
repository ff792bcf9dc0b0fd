"""Model management over HTTP: listing, activation and rollback, hot swap under load, training jobs."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from cxtext.io.records import write_records
from models.registry import Registry
from tests.test_api_classify import EN, FA, assert_problem
from tests.test_api_feedback import wait_for_job


def versions(client, auth) -> dict:
    response = client.get("/v1/models", headers=auth("read"))
    assert response.status_code == 200, response.text
    return response.json()


def other_version(client, auth) -> str:
    return next(m["version"] for m in versions(client, auth)["models"] if not m["active"])


def classify_version(client, auth) -> str:
    return client.post("/v1/classify", json={"text": EN}, headers=auth("classify")).json()["model_version"]


def test_list_shows_versions_metrics_and_the_active_one(client, auth, models_root: Path) -> None:
    body = versions(client, auth)
    assert len(body["models"]) == 2
    default = next(m for m in body["models"] if m["folder"] == "default")
    assert default["active"] and body["active"] == default["version"]
    for model in body["models"]:
        assert 0 <= model["metrics"]["sentiment_macro_f1"] <= 1
        assert "sentiment" in model["trained_heads"] and model["n_train"] > 0
    card = client.get(f"/v1/models/{default['version']}", headers=auth("read")).json()
    assert card["card"]["metrics"]["overall"]["n"] > 0 and card["active"]
    assert client.get("/v1/models/default", headers=auth("read")).json()["version"] == default["version"]


def test_activate_promotes_and_rollback_restores(client, auth) -> None:
    first = versions(client, auth)["active"]
    second = other_version(client, auth)
    response = client.post(f"/v1/models/{second}/activate", headers=auth("admin"))
    assert response.status_code == 200 and response.json() == {"active": second, "previous": first}
    assert classify_version(client, auth) == second and versions(client, auth)["active"] == second
    rollback = client.post(f"/v1/models/{first}/activate", headers=auth("admin"))
    assert rollback.json() == {"active": first, "previous": second}
    assert classify_version(client, auth) == first


def test_activation_failures(client, auth, models_root: Path) -> None:
    assert_problem(client.post("/v1/models/no-such-version/activate", headers=auth("admin")), 404, "version")
    assert_problem(client.get("/v1/models/no-such-version", headers=auth("read")), 404, "version")
    assert_problem(client.post(f"/v1/models/{'v' * 201}/activate", headers=auth("admin")), 422, "version")
    broken = models_root / "broken"
    shutil.copytree(models_root / "default", broken)
    card = json.loads((broken / "card.json").read_text())
    (broken / "card.json").write_text(json.dumps({**card, "version": "broken-1"}))
    (broken / "model.joblib").write_bytes(b"not a model")
    active = versions(client, auth)["active"]
    body = assert_problem(client.post("/v1/models/broken-1/activate", headers=auth("admin")), 409)
    assert "checksum" in body["detail"]
    assert versions(client, auth)["active"] == active and classify_version(client, auth) == active


@pytest.mark.parametrize("scope", ["classify", "ingest", "read", "train"])
def test_only_admin_keys_activate(client, auth, scope: str) -> None:
    assert_problem(
        client.post(f"/v1/models/{other_version(client, auth)}/activate", headers=auth(scope)), 403
    )


def test_reading_models_needs_a_key(client, auth) -> None:
    assert_problem(client.get("/v1/models"), 401)
    assert_problem(client.get("/v1/models", headers=auth("classify")), 403)


def test_swap_under_concurrent_requests_never_fails_or_mixes_versions(
    client, auth, models_root: Path
) -> None:
    """Batches large enough for the thread pool and micro-batched single texts, while another thread flips
    the active version: every answer must be exactly what its version computes."""
    texts = [f"{text} ({i})" for i in range(15) for text in (EN, FA)]
    registry = Registry(models_root)
    expected = {
        entry.version: registry.activate(entry.version).model.classify(texts, explain=False)
        for entry in registry.list_versions()
    }
    single = {
        version: registry.activate(version).model.classify([FA], explain=True)[0] for version in expected
    }
    first, second = list(expected)
    client.post(f"/v1/models/{first}/activate", headers=auth("admin"))
    stop = threading.Event()
    seen: list[str] = []
    errors: list[str] = []

    def flip() -> None:
        target = second
        while not stop.is_set():
            response = client.post(f"/v1/models/{target}/activate", headers=auth("admin"))
            if response.status_code != 200:
                errors.append(response.text)
            target = first if target == second else second

    def ask() -> None:
        body = {"items": [{"text": t} for t in texts], "explain": False}
        while not stop.is_set():
            response = client.post("/v1/classify", json=body, headers=auth("classify"))
            if response.status_code != 200:
                errors.append(response.text)
                continue
            answer = response.json()
            seen.append(answer["model_version"])
            if answer["results"] != expected[answer["model_version"]]:
                errors.append(f"results do not match version {answer['model_version']}")

    def ask_one() -> None:  # single texts go through the micro-batcher
        while not stop.is_set():
            response = client.post("/v1/classify", json={"text": FA}, headers=auth("classify"))
            if response.status_code != 200:
                errors.append(response.text)
                continue
            answer = response.json()
            seen.append(answer["model_version"])
            if answer["results"] != [single[answer["model_version"]]]:
                errors.append(f"single result does not match version {answer['model_version']}")

    threads = [
        threading.Thread(target=flip),
        *(threading.Thread(target=ask) for _ in range(2)),
        *(threading.Thread(target=ask_one) for _ in range(3)),
    ]
    for thread in threads:
        thread.start()
    time.sleep(4)
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    assert len(seen) >= 10 and set(seen) == {first, second}


def test_another_process_activating_is_followed(client, auth, models_root: Path) -> None:
    second = other_version(client, auth)
    Registry(models_root).activate(second)  # as another worker would: only the pointer file changes
    deadline = time.monotonic() + 10
    while classify_version(client, auth) != second:
        assert time.monotonic() < deadline, "the activation by another process was not picked up"
        time.sleep(0.05)
    assert versions(client, auth)["active"] == second


# -- training ---------------------------------------------------------------------------------------------
def labelled_csv(records, path: Path) -> Path:
    write_records(path, records)
    return path


def upload(client, auth, paths: list[Path], **form):
    files = [("files", (p.name, p.read_bytes(), "text/csv")) for p in paths]
    data = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in form.items()}
    return client.post("/v1/models/train", files=files, data=data, headers=auth("train"))


def test_train_evaluate_activate_rollback_cycle(
    client, auth, api_training_records, tmp_path: Path, models_root
) -> None:
    default = versions(client, auth)["active"]
    # A small slice of the data the active model learned from: the new model must not beat it.
    data = labelled_csv(api_training_records[::5], tmp_path / "labelled.csv")
    response = upload(client, auth, [data], holdout=0.3)
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert response.json()["status_url"] == f"/v1/jobs/{job_id}"
    job = wait_for_job(client, auth, job_id)
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["evaluation"]["overall"]["n"] == result["held_out"] > 0
    comparison = result["comparison"]
    assert comparison["active_version"] == default and comparison["metrics"]
    assert comparison["new_score"] < comparison["active_score"]
    assert not result["activated"] and "worse" in result["reason"]
    assert any("held-out" in entry["message"] for entry in job["progress"]["log"])
    assert job["params"]["files"] == ["labelled.csv"] and job["params"]["records"] == len(
        api_training_records[::5]
    )

    listed = {m["version"]: m for m in versions(client, auth)["models"]}
    new = result["version"]
    assert new in listed and not listed[new]["active"] and listed[default]["active"]
    assert classify_version(client, auth) == default
    assert not [p for p in models_root.iterdir() if p.name.startswith(".train")]  # staging cleaned

    assert client.post(f"/v1/models/{new}/activate", headers=auth("admin")).json()["active"] == new
    assert classify_version(client, auth) == new
    assert client.post(f"/v1/models/{default}/activate", headers=auth("admin")).json()["active"] == default
    assert classify_version(client, auth) == default


def test_training_on_stored_feedback_with_force_activates(client, auth, api_training_records) -> None:
    items = [
        {
            "id": f"r{i}",
            "text": r.text,
            "sentiment": r.sentiment,
            **({"drivers": list(r.drivers)} if r.drivers is not None else {}),
            **({"nps_category": r.nps_category} if r.nps_category else {}),
        }
        for i, r in enumerate(api_training_records[::4][:50])
    ]
    assert client.post("/v1/feedback", json={"items": items}, headers=auth("ingest")).status_code == 200
    default = versions(client, auth)["active"]
    # activation is admin's: a train-scoped key may train, never force its model into service
    refused = client.post(
        "/v1/models/train", data={"source": "feedback", "force": "true"}, headers=auth("train")
    )
    assert_problem(refused, 403, "force")
    assert client.get("/v1/jobs", headers=auth("read")).json() == []
    response = client.post(
        "/v1/models/train", data={"source": "feedback", "force": "true"}, headers=auth("admin")
    )
    assert response.status_code == 202, response.text
    job = wait_for_job(client, auth, response.json()["job_id"])
    assert job["status"] == "succeeded", job
    assert job["result"]["activated"] and job["result"]["reason"] == "forced"
    assert job["params"]["source"] == "feedback" and job["params"]["records"] == 50
    new = job["result"]["version"]
    assert (
        new != default and classify_version(client, auth) == new and versions(client, auth)["active"] == new
    )


def test_a_failed_training_job_leaves_the_registry_untouched(
    client, auth, tmp_path: Path, models_root: Path
) -> None:
    rows = "text,sentiment\n" + "".join(
        f"feedback number {i} was {('fine', 'bad')[i % 2]},{('positive', 'negative')[i % 2]}\n"
        for i in range(12)
    )
    path = tmp_path / "tiny.csv"
    path.write_text(rows, encoding="utf-8")
    before = sorted(p.name for p in models_root.iterdir())
    response = upload(client, auth, [path], holdout=0.99)  # every row held out: nothing to train on
    job = wait_for_job(client, auth, response.json()["job_id"])
    assert job["status"] == "failed" and job["error"] == "ValueError: cannot fit on zero records"
    assert job["result"] is None
    assert sorted(p.name for p in models_root.iterdir()) == before


@pytest.mark.parametrize(
    ("content", "name", "form", "status", "field"),
    [
        (None, None, {}, 422, "files"),
        ("text\nhello\n", "data.txt", {}, 422, "files[0]"),
        ("text,sentiment\nok,positive\nbad,furious\n", "bad.csv", {}, 422, "bad.csv:3"),
        ('{"text": "ok", "sentiment": "positive"}\n{"text": ""}\n', "bad.jsonl", {}, 422, "bad.jsonl:2"),
        ("id,comment\n1,hello\n", "nocolumn.csv", {}, 422, "nocolumn.csv"),
        ("text\nhello\nworld\n", "unlabelled.csv", {}, 422, "files"),
        ("text,sentiment\nok,positive\n", "ok.csv", {"holdout": "1.5"}, 422, "holdout"),
        ("text,sentiment\nok,positive\n", "ok.csv", {"source": "feedback"}, 422, "files"),
        ("text,sentiment\nok,positive\n", "ok.csv", {"source": "magic"}, 422, "source"),
        ("text,sentiment\nok,positive\n", "ok.csv", {"force": "perhaps"}, 422, "force"),
    ],
)
def test_bad_training_requests(
    client, auth, content, name, form, status: int, field: str, models_root: Path
) -> None:
    files = [("files", (name, content.encode(), "text/plain"))] if content is not None else None
    response = client.post("/v1/models/train", files=files, data=form, headers=auth("train"))
    assert_problem(response, status, field)
    assert client.get("/v1/jobs", headers=auth("read")).json() == []
    assert not [p for p in models_root.iterdir() if p.name.startswith(".") and p.is_dir()]


def test_training_on_feedback_needs_labelled_feedback(client, auth) -> None:
    client.post("/v1/feedback", json={"items": [{"id": "u", "text": EN}]}, headers=auth("ingest"))
    assert_problem(
        client.post("/v1/models/train", data={"source": "feedback"}, headers=auth("train")), 422, "source"
    )


def test_one_training_job_at_a_time(client, auth, tmp_path: Path) -> None:
    client.app.state.jobs.create("train", {"source": "upload"})  # queued by this (live) process
    path = tmp_path / "ok.csv"
    path.write_text("text,sentiment\nok,positive\nbad,negative\n", encoding="utf-8")
    assert_problem(upload(client, auth, [path]), 409)


def test_training_needs_the_train_scope(client, auth) -> None:
    assert_problem(client.post("/v1/models/train", data={"source": "feedback"}, headers=auth("read")), 403)
    assert_problem(client.post("/v1/models/train", data={"source": "feedback"}), 401)


def test_jobs_routes(client, auth) -> None:
    assert_problem(client.get("/v1/jobs/0123456789abcdef", headers=auth("read")), 404, "job_id")
    assert_problem(client.get(f"/v1/jobs/{'x' * 65}", headers=auth("read")), 422, "job_id")
    assert_problem(client.get("/v1/jobs", params={"limit": 0}, headers=auth("read")), 422, "limit")
    assert_problem(client.get("/v1/jobs/anything", headers=auth("classify")), 403)
    job = client.app.state.jobs.create("rescore", {"batch_size": 1})
    listed = client.get("/v1/jobs", headers=auth("read")).json()
    assert [j["id"] for j in listed] == [job.id] and listed[0]["status"] == "queued"


def test_jobs_of_a_dead_process_are_marked_failed_at_start_up(api_settings) -> None:
    from sqlalchemy import update

    from api.db import Job, make_engine, migrate
    from api.main import create_app
    from api.storage import JobStore

    engine = make_engine(api_settings.database_url)
    migrate(engine)
    jobs = JobStore(engine)
    job = jobs.create("train", {})
    dead_owner = f"{job.owner.rpartition(':')[0]}:999999999"
    with engine.begin() as connection:
        connection.execute(update(Job).where(Job.id == job.id).values(owner=dead_owner, status="running"))
    create_app(api_settings)
    after = jobs.get(job.id)
    assert after.status == "failed" and "interrupted" in after.error
    engine.dispose()


def test_training_data_declares_what_empty_drivers_mean(client, auth, tmp_path: Path) -> None:
    """Undeclared, an empty drivers cell is 'not annotated': a file whose labelled rows all name one driver
    fails with the reason and the fix; declared with empty_drivers=none-mentioned, it trains."""
    rows = ["id,text,sentiment,drivers,driver_sentiment"]
    for k in range(30):
        if k % 2:
            rows.append(f"p{k},the bill went up again and fee {k} is too high,negative,price,price:negative")
        else:
            rows.append(f"n{k},a lovely evening number {k} thank you,positive,,")
    path = tmp_path / "one_driver.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    failed = wait_for_job(client, auth, upload(client, auth, [path], holdout=0.2).json()["job_id"])
    assert failed["status"] == "failed"
    assert "mentions price" in failed["error"] and "none-mentioned" in failed["error"]
    declared = upload(client, auth, [path], holdout=0.2, activate=False, empty_drivers="none-mentioned")
    assert declared.status_code == 202
    job = wait_for_job(client, auth, declared.json()["job_id"])
    assert job["status"] == "succeeded", job
    assert upload(client, auth, [path], empty_drivers="sometimes").status_code == 422
