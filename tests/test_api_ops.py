"""Operations: health, readiness, metrics, request ids and JSON logs, CORS, OpenAPI docs, 5xx hygiene,
the schema migration on both databases, and `cxtext serve` with one and two workers."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.logging import JsonFormatter, request_id
from api.main import create_app
from tests.test_api_classify import EN, FA, assert_problem


def test_healthz_needs_no_key(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_model_and_database(client) -> None:
    body = client.get("/readyz").json()
    assert body == {
        "status": "ready",
        "model_version": client.app.state.holder.loaded.version,
        "database": "ok",
    }


def test_without_a_model_readyz_and_classify_are_503(api_settings, auth, tmp_path: Path) -> None:
    settings = api_settings.model_copy(update={"models_dir": tmp_path / "empty"})
    with TestClient(create_app(settings)) as client:
        body = assert_problem(client.get("/readyz"), 503)
        assert "no model" in body["detail"]
        assert_problem(client.post("/v1/classify", json={"text": EN}, headers=auth("classify")), 503)
        assert client.get("/v1/models", headers=auth("read")).json() == {"active": None, "models": []}


def test_readyz_reports_an_unreachable_database(client) -> None:
    from api.db import make_engine
    from api.storage import FeedbackStore

    unreachable = {
        "sqlite": "sqlite:////nonexistent/dir/cxtext.sqlite3",
        "postgresql": "postgresql+psycopg://cxtext:x@127.0.0.1:1/cxtext",
    }[client.app.state.engine.dialect.name]
    client.app.state.store = FeedbackStore(make_engine(unreachable))
    body = assert_problem(client.get("/readyz"), 503)
    assert body["detail"] == "database: not reachable"


def test_metrics_count_requests_and_show_the_model_version(client, auth) -> None:
    client.post("/v1/classify", json={"text": FA}, headers=auth("classify"))
    assert_problem(client.get("/metrics"), 401)
    assert_problem(client.get("/metrics", headers=auth("classify")), 403)
    response = client.get("/metrics", headers=auth("read"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    version = client.app.state.holder.loaded.version
    assert 'cxtext_http_requests_total{method="POST",route="/v1/classify",status="200"}' in text
    assert 'cxtext_http_request_duration_seconds_bucket{le="0.05",method="POST",route="/v1/classify"}' in text
    assert f'cxtext_model_info{{version="{version}"}} 1.0' in text
    assert 'cxtext_texts_classified_total{route="/v1/classify"}' in text


def test_request_ids_are_echoed_or_made(client) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers["x-request-id"]
    assert made != "bad id with spaces" and len(made) == 32


def test_access_log_has_the_request_id_and_never_the_text_or_key(client, auth, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="cxtext.api.access"):
        client.post("/v1/classify", json={"text": FA}, headers={**auth("classify"), "X-Request-ID": "req-42"})
    [record] = [r for r in caplog.records if r.name == "cxtext.api.access"]
    request_id.set("req-42")
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-42" and line["route"] == "/v1/classify" and line["status"] == 200
    assert line["texts"] == 1 and line["key_id"] and line["ms"] > 0
    raw = JsonFormatter().format(record)
    assert FA not in raw and "key-classify" not in raw


def test_cors_is_off_unless_configured(api_settings) -> None:
    preflight = {"Origin": "https://dash.example", "Access-Control-Request-Method": "POST"}
    with TestClient(create_app(api_settings)) as client:
        assert "access-control-allow-origin" not in client.options("/v1/classify", headers=preflight).headers
    settings = api_settings.model_copy(update={"cors_origins": ("https://dash.example",)})
    with TestClient(create_app(settings)) as client:
        response = client.options("/v1/classify", headers=preflight)
        assert response.headers["access-control-allow-origin"] == "https://dash.example"


def test_openapi_needs_a_key_and_has_persian_and_english_examples(client, auth) -> None:
    assert_problem(client.get("/openapi.json"), 401)
    assert_problem(client.get("/docs"), 401)  # without a key every path but the probes is a 401
    assert client.get("/docs", headers=auth("read")).status_code == 404
    spec = client.get("/openapi.json", headers=auth("classify")).json()
    examples = spec["paths"]["/v1/classify"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert {"persian", "english", "batch"} <= set(examples)
    assert (
        "غذا" in examples["persian"]["value"]["text"] and "delivery" in examples["english"]["value"]["text"]
    )
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    assert "application/problem+json" in spec["paths"]["/v1/classify"]["post"]["responses"]["422"]["content"]


def test_public_docs_when_configured(api_settings) -> None:
    with TestClient(create_app(api_settings.model_copy(update={"public_docs": True}))) as client:
        assert client.get("/docs").status_code == 200 and client.get("/openapi.json").status_code == 200


def test_a_server_error_never_leaks_internals(api_settings, auth) -> None:
    app = create_app(api_settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("password=hunter2 at /srv/secret/path.py")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={**auth("read"), "X-Request-ID": "boom-1"})
    body = assert_problem(response, 500)
    assert (
        "hunter2" not in response.text and "secret" not in response.text and "Traceback" not in response.text
    )
    assert body["instance"] == "urn:request:boom-1"


def test_unknown_routes_and_methods_are_problems(client, auth) -> None:
    assert_problem(client.get("/v1/nothing-here", headers=auth("read")), 404)
    assert_problem(client.get("/v1/classify", headers=auth("classify")), 405)
    # Allow lists every method served at the path, not only the first route's
    response = client.put("/v1/feedback", headers=auth("read"))
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, POST"


def test_migrations_match_the_models(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from api.db import Base, make_engine, migrate

    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)  # a second start-up is a no-op
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_parallel_sqlite_migrations_lock_beside_the_database(tmp_path: Path) -> None:
    """Workers starting together migrate one at a time; the lock lives with the database file, so a
    temporary directory does not collect one lock file per database ever opened."""
    from concurrent.futures import ThreadPoolExecutor

    from api.db import make_engine, migrate

    before = set(Path(tempfile.gettempdir()).glob("cxtext-migrate-*"))
    engines = [make_engine(f"sqlite:///{tmp_path / 'feedback.sqlite3'}") for _ in range(3)]
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(migrate, engines))
    assert (tmp_path / "feedback.sqlite3.migrate-lock").exists()
    assert set(Path(tempfile.gettempdir()).glob("cxtext-migrate-*")) == before
    with engines[0].connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
    for engine in engines:
        engine.dispose()


# -- cxtext serve ---------------------------------------------------------------------------------------
CXTEXT = str(Path(sys.executable).parent / "cxtext")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(tmp_path: Path, models_root: Path, database_url: str, *args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CXTEXT_MODELS_DIR": str(models_root),
        "CXTEXT_API_KEYS": "k-admin=admin",
    }
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 - closed with the process by the test
    process = subprocess.Popen(
        [CXTEXT, "serve", "--port", str(port), *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    # a wait, not a timing target: two workers each loading a model took over 60 s at load 12
    deadline = time.monotonic() + 180
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        assert process.poll() is None, (tmp_path / "serve.log").read_text()
        if time.monotonic() >= deadline:
            stop(process)  # a server that never got ready must not outlive the test
            raise AssertionError("server did not become ready")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def test_serve_with_a_model_folder(tmp_path: Path, models_root: Path, database_url: str) -> None:
    second = next(p for p in models_root.iterdir() if p.name != "default")
    process, base = serve(tmp_path, models_root, database_url, "--model", str(second))
    try:
        headers = {"Authorization": "Bearer k-admin"}
        response = httpx.post(f"{base}/v1/classify", json={"text": FA}, headers=headers, timeout=10)
        assert response.status_code == 200 and response.json()["model_version"] == second.name
    finally:
        stop(process)
    lines = [
        json.loads(line) for line in (tmp_path / "serve.log").read_text().splitlines() if line.startswith("{")
    ]
    assert any(line.get("route") == "/v1/classify" and line.get("status") == 200 for line in lines)


def test_two_workers_follow_an_activation(tmp_path: Path, models_root: Path, database_url: str) -> None:
    process, base = serve(tmp_path, models_root, database_url, "--workers", "2")
    headers = {"Authorization": "Bearer k-admin"}
    second = next(p.name for p in models_root.iterdir() if p.name != "default")
    first = json.loads((models_root / "default" / "card.json").read_text())["version"]
    no_keep_alive = httpx.Limits(max_keepalive_connections=0)  # new connections land on either worker
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=10, limits=no_keep_alive) as http:
            assert http.post(f"/v1/models/{second}/activate").status_code == 200
            # every worker's watcher checks the pointer once a second, with or without traffic, then
            # loads in the background; the metrics page sums both workers' files
            deadline = time.monotonic() + 30
            while True:
                served = {
                    http.post("/v1/classify", json={"text": EN}).json()["model_version"] for _ in range(40)
                }
                metrics = http.get("/metrics").text
                if served == {second} and f'cxtext_model_info{{version="{first}"}} 0.0' in metrics:
                    break  # no worker serves the old model any more
                assert time.monotonic() < deadline, f"a worker kept serving the old model: {served}"
                time.sleep(0.5)
            assert f'cxtext_model_info{{version="{second}"}} 1.0' in metrics
    finally:
        stop(process)


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"CXTEXT_MAX_BATCH": "lots"}, [], "CXTEXT_MAX_BATCH"),
        ({"CXTEXT_API_KEYS": "k1=write"}, [], "unknown or missing scope"),
        ({}, ["--model", "/nonexistent/model"], "no such model folder"),
        ({}, ["--workers", "0"], "--workers"),
    ],
)
def test_serve_refuses_bad_settings(env: dict[str, str], args: list[str], message: str) -> None:
    result = subprocess.run(
        [CXTEXT, "serve", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and message in result.stderr
