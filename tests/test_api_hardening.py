"""What a hostile or careless client tries: bodies too large or sent before a key, compressed bombs, NUL
characters, made-up methods and paths, unbounded jobs, and answers that would leak server paths."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
from pathlib import Path
from typing import NamedTuple

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError

from api.db import Feedback, make_engine, migrate
from api.main import create_app
from tests.test_api_classify import EN, assert_problem
from tests.test_api_feedback import wait_for_job

CHUNK = 256 * 1024


class Sent(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes
    pulled: int  # body chunks the application asked for


def send_chunked(app, path: str, headers: dict[str, str], chunks: int, first: bytes = b"") -> Sent:
    """POST a body of `chunks` pieces straight into the ASGI app, as a server streams a chunked upload
    (no Content-Length), and count how many pieces the app pulled before answering."""
    pulled = 0
    sent: list[dict] = []

    async def receive() -> dict:
        nonlocal pulled
        if pulled >= chunks:
            await asyncio.sleep(3600)  # the client has sent everything; wait like a server would
        pulled += 1
        body = first if pulled == 1 and first else b" " * CHUNK
        return {"type": "http.request", "body": body, "more_body": pulled < chunks}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (k.lower().encode(), v.encode()) for k, v in {**headers, "Transfer-Encoding": "chunked"}.items()
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Sent(start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body, pulled)


def problem_of(sent: Sent, status: int) -> dict:
    assert sent.status == status, sent.body
    assert sent.headers["content-type"] == "application/problem+json"
    return json.loads(sent.body)


@pytest.fixture
def small_body_client(api_settings):
    with TestClient(create_app(api_settings.model_copy(update={"max_body_mb": 1}))) as client:
        yield client


# -- 1. body size and authentication before the body ---------------------------------------------------
def test_a_chunked_body_is_cut_off_at_the_limit(small_body_client, auth) -> None:
    headers = {**auth("classify"), "Content-Type": "application/json"}
    json_start = b'{"text": "' + b"a" * (CHUNK - 10)
    sent = send_chunked(small_body_client.app, "/v1/classify", headers, 32, first=json_start)  # 8 MiB
    assert problem_of(sent, 413)["status"] == 413
    assert sent.pulled <= 5  # 1 MiB is four chunks: the rest was never read
    upload = {**auth("train"), "Content-Type": "multipart/form-data; boundary=xyz"}
    first = b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="a.csv"\r\n\r\ntext\n'
    sent = send_chunked(small_body_client.app, "/v1/models/train", upload, 32, first=first)
    assert problem_of(sent, 413)["status"] == 413 and sent.pulled <= 5


def test_an_announced_body_over_the_limit_is_refused_unread(small_body_client, auth) -> None:
    response = small_body_client.post(
        "/v1/classify", content=b"x" * (2 * 1024 * 1024), headers=auth("classify")
    )
    assert_problem(response, 413)


@pytest.mark.parametrize("path", ["/v1/classify", "/v1/models/train", "/v1/feedback", "/no/such/route"])
def test_without_a_key_no_body_is_read(client, path: str) -> None:
    multipart = {"Content-Type": "multipart/form-data; boundary=x"}
    for headers in (multipart, {**multipart, "Authorization": "Bearer not-a-key"}):
        sent = send_chunked(client.app, path, headers, 16)
        problem_of(sent, 401)
        assert sent.headers["www-authenticate"].startswith("Bearer")
        assert sent.pulled == 0


def test_health_probes_stay_open(client) -> None:
    assert client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200


# -- 2. compressed uploads --------------------------------------------------------------------------------
def labelled_rows(n: int) -> str:
    lines = ["text,sentiment"]
    lines += [
        f"order {i} arrived {('late and cold', 'fast and warm')[i % 2]},{('negative', 'positive')[i % 2]}"
        for i in range(n)
    ]
    return "\n".join(lines) + "\n"


def upload(client, auth, name: str, content: bytes, scope: str = "train", **form):
    return client.post(
        "/v1/models/train",
        files=[("files", (name, content, "application/gzip"))],
        data=form,
        headers=auth(scope),
    )


def test_a_gzip_bomb_stops_at_the_decompressed_limit(api_settings, auth) -> None:
    bomb = gzip.compress(labelled_rows(5).encode() + b"z" * (3 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 20_000  # a few KB on the wire, 3 MB once unpacked
    settings = api_settings.model_copy(update={"max_upload_mb": 1})
    with TestClient(create_app(settings)) as client:
        body = assert_problem(upload(client, auth, "bomb.csv.gz", bomb), 413, "files[0]")
        assert "decompressed" in body["detail"] and "CXTEXT_MAX_UPLOAD_MB" in body["detail"]
        assert client.get("/v1/jobs", headers=auth("read")).json() == []
        # under the limit the same format trains
        ok = upload(client, auth, "ok.csv.gz", gzip.compress(labelled_rows(40).encode()), activate="false")
        assert ok.status_code == 202, ok.text
        assert wait_for_job(client, auth, ok.json()["job_id"])["status"] == "succeeded"


def test_too_many_rows_are_refused_before_training(api_settings, auth) -> None:
    settings = api_settings.model_copy(update={"max_train_rows": 30})
    with TestClient(create_app(settings)) as client:
        body = assert_problem(
            upload(client, auth, "big.csv.gz", gzip.compress(labelled_rows(31).encode())), 413, "files"
        )
        assert "31 rows" in body["detail"] and "CXTEXT_MAX_TRAIN_ROWS" in body["detail"]


def test_a_corrupt_gzip_is_a_422(client, auth) -> None:
    assert_problem(upload(client, auth, "broken.csv.gz", b"\x1f\x8b\x08\x00garbage"), 422, "files[0]")


def test_the_upload_limits_have_settings(monkeypatch) -> None:
    from api.settings import Settings

    settings = Settings.from_env({"CXTEXT_MAX_UPLOAD_MB": "7", "CXTEXT_MAX_TRAIN_ROWS": "9"})
    assert settings.max_upload_bytes == 7 * 1024 * 1024 and settings.max_train_rows == 9
    defaults = Settings()
    assert defaults.max_upload_mb == 128 and defaults.max_train_rows == 250_000


# -- 3. activation is admin's; too few labels are refused up front ---------------------------------------
def test_too_few_labelled_rows_are_refused_up_front(client, auth, tmp_path: Path) -> None:
    response = upload(client, auth, "tiny.csv", labelled_rows(4).encode())
    body = assert_problem(response, 422, "files")
    assert "sentiment has 4" in body["detail"] and "at least 10" in body["detail"]
    assert client.get("/v1/jobs", headers=auth("read")).json() == []


def test_force_needs_admin_on_uploads_too(client, auth) -> None:
    assert_problem(upload(client, auth, "ok.csv", labelled_rows(20).encode(), force="true"), 403, "force")
    assert client.get("/v1/jobs", headers=auth("read")).json() == []


# -- 4. NUL characters -------------------------------------------------------------------------------------
NUL = "\x00"


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"id": "n1", "text": f"bad{NUL}text"}, "items[0].text"),
        ({"id": f"n{NUL}1", "text": EN}, "items[0].id"),
        ({"id": "n1", "text": EN, "segments": {"channel": f"a{NUL}pp"}}, "items[0].segments.channel"),
        ({"id": "n1", "text": EN, "drivers": [f"price{NUL}"]}, "items[0].drivers[0]"),
    ],
)
def test_nul_in_stored_fields_is_a_422_naming_the_field(client, auth, item: dict, field: str, caplog) -> None:
    with caplog.at_level(logging.INFO):
        response = client.post("/v1/feedback", json={"items": [item]}, headers=auth("ingest"))
    body = assert_problem(response, 422, field)
    assert "NUL" in body["detail"]
    assert client.get("/v1/feedback", headers=auth("read")).json()["total"] == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/feedback", {"segment": f"channel:a{NUL}"}, "segment[0]"),
        ("/v1/feedback", {"model_version": f"v{NUL}"}, "model_version"),
        ("/v1/feedback", {"cursor": f"1{NUL}"}, "cursor"),
        ("/v1/drivers/summary", {"segment": f"channel{NUL}:app"}, "segment[0]"),
        ("/v1/jobs/ab%00cd", {}, "job_id"),
    ],
)
def test_nul_in_filters_and_paths_is_a_422(client, auth, path: str, params: dict, field: str) -> None:
    body = assert_problem(client.get(path, params=params, headers=auth("read")), 422, field)
    # a segment's key:value pattern excludes NUL itself; other strings say so in words
    assert "NUL" in body["detail"] or "\\x00" in body["detail"]


def test_classify_refuses_nul_like_the_store(client, auth) -> None:
    assert_problem(
        client.post("/v1/classify", json={"text": f"a{NUL}b"}, headers=auth("classify")), 422, "text"
    )


def test_database_errors_never_carry_the_bound_values(database_url: str) -> None:
    """The message of a failed statement (what an error log prints) names the statement, not the
    customer's words bound to it."""
    import datetime as dt

    engine = make_engine(database_url)
    migrate(engine)
    secret = "my national id is 4311234562 and my phone is 09123456789"
    now = dt.datetime.now(dt.UTC)
    row = {
        "external_id": "dup",
        "text": secret,
        "text_redacted": False,
        "lang": "en",
        "lang_given": False,
        "prediction": {},
        "model_version": "v",
        "content_sha256": "0" * 64,
        "created_at": now,
        "updated_at": now,
    }
    with engine.begin() as connection:
        connection.execute(Feedback.__table__.insert(), row)
    with pytest.raises(IntegrityError) as caught, engine.begin() as connection:
        connection.execute(Feedback.__table__.insert(), row)
    assert secret not in str(caught.value) and "4311234562" not in str(caught.value)
    assert "hidden" in str(caught.value)
    engine.dispose()


# -- 6. bounded metric labels and per-key job limits -------------------------------------------------------
def test_metrics_label_only_route_templates_and_known_methods(client, auth) -> None:
    for method in ("FOO", "BREW", "PROPFIND"):
        client.request(method, "/v1/classify")
    for i in range(5):
        client.get(f"/made/up/{i}")
        client.post(f"/v1/models/made-up-{i}/activate")  # a template with a parameter: one series
    text = client.get("/metrics", headers=auth("read")).text
    lines = [line for line in text.splitlines() if line.startswith("cxtext_http_requests_total{")]
    methods = {line.split('method="')[1].split('"')[0] for line in lines}
    routes = {line.split('route="')[1].split('"')[0] for line in lines}
    assert (
        methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
        and "other" in methods
    )
    # every route template the app serves (the pages too, which the OpenAPI document leaves out): the
    # registry is process-wide, so series from earlier tests' requests are in it as well
    templates = {entry.template for entry in client.app.state.routes.entries} | {"(unmatched)"}
    assert not any("made" in route for route in routes)
    assert routes <= templates, routes - templates
    assert "/v1/models/{version}/activate" in routes and "(unmatched)" in routes


def test_jobs_per_key_are_limited_with_429_and_retry_after(client, auth, tmp_path: Path) -> None:
    # one running and one queued job per key (the defaults); the third is refused
    started = upload(client, auth, "ok.csv", labelled_rows(40).encode(), activate="false")
    assert started.status_code == 202, started.text
    queued = client.post("/v1/feedback/rescore", headers=auth("train"))
    assert queued.status_code == 202, queued.text
    queued_id = queued.json()["job_id"]
    assert client.get(f"/v1/jobs/{queued_id}", headers=auth("read")).json()["status"] == "queued"
    refused = client.post("/v1/feedback/rescore", headers=auth("train"))
    body = assert_problem(refused, 429)
    assert int(refused.headers["retry-after"]) > 0 and "1 running and 1 queued" in body["detail"]
    assert_problem(upload(client, auth, "ok.csv", labelled_rows(40).encode()), 429)
    first = wait_for_job(client, auth, started.json()["job_id"])
    second = wait_for_job(client, auth, queued_id)
    assert first["status"] == second["status"] == "succeeded", (first, second)
    assert second["started_at"] >= first["finished_at"]  # it waited its turn
    assert "key_id" in second["params"]


# -- 8. no server paths in answers -------------------------------------------------------------------------
def test_not_found_and_model_cards_show_no_server_paths(client, auth, models_root: Path) -> None:
    for response in (
        client.get("/v1/models/no-such-version", headers=auth("read")),
        client.post("/v1/models/no-such-version/activate", headers=auth("admin")),
    ):
        body = assert_problem(response, 404, "version")
        assert str(models_root) not in response.text and "/" not in body["detail"]
    job = wait_for_job(
        client,
        auth,
        upload(client, auth, "mine.csv", labelled_rows(40).encode(), activate="false").json()["job_id"],
    )
    card = client.get(f"/v1/models/{job['result']['version']}", headers=auth("read")).json()["card"]
    assert [entry["file"] for entry in card["data"]] == ["000-mine.csv"]
    serialized = json.dumps(card)
    assert (
        "cxtext-upload-" not in serialized and str(models_root) not in serialized and "/tmp" not in serialized
    )


def test_a_broken_model_folder_is_reported_without_its_path(api_settings, auth, models_root: Path) -> None:
    (models_root / "default" / "model.joblib").write_bytes(b"corrupted")
    with TestClient(create_app(api_settings)) as client:
        body = client.get("/readyz").json()
        assert body["status"] == 503 and "checksum" in body["detail"]
        assert str(models_root) not in body["detail"] and "model: default/model.joblib" in body["detail"]
