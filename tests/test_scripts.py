"""`make test`'s PostgreSQL: stopped afterwards only if that run started it, and `make serve` says why its
first run takes a minute. The PostgreSQL tools are stand-ins on PATH that record their calls: the real
cluster on this machine is shared and must never be stopped by a test."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"


def recording_pg_ctlcluster(tmp_path: Path) -> tuple[dict[str, str], Path]:
    bin_dir, calls = tmp_path / "bin", tmp_path / "calls.txt"
    bin_dir.mkdir()
    stub = bin_dir / "pg_ctlcluster"
    stub.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n', encoding="utf-8")
    stub.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}, calls


def test_a_cluster_this_run_did_not_start_is_left_running(tmp_path: Path) -> None:
    env, calls = recording_pg_ctlcluster(tmp_path)
    marker = tmp_path / "marker"
    marker.write_text("", encoding="utf-8")  # start_postgres.sh found the cluster running
    subprocess.run(["bash", str(SCRIPTS / "stop_postgres.sh"), str(marker)], env=env, check=True)
    assert not calls.exists()


def test_a_cluster_this_run_started_is_stopped(tmp_path: Path) -> None:
    env, calls = recording_pg_ctlcluster(tmp_path)
    marker = tmp_path / "marker"
    marker.write_text("16 main\n", encoding="utf-8")
    subprocess.run(["bash", str(SCRIPTS / "stop_postgres.sh"), str(marker)], env=env, check=True)
    assert calls.read_text(encoding="utf-8") == "16 main stop\n"


def test_a_given_database_url_starts_and_stops_nothing(tmp_path: Path) -> None:
    env, calls = recording_pg_ctlcluster(tmp_path)
    env["CXTEXT_TEST_DATABASE_URL"] = "postgresql://elsewhere/db"
    result = subprocess.run(
        [
            "bash",
            str(SCRIPTS / "with_test_postgres.sh"),
            "sh",
            "-c",
            'echo "$CXTEXT_TEST_DATABASE_URL"; exit 3',
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 3 and result.stdout == "postgresql://elsewhere/db\n"  # status kept
    assert not calls.exists()


def test_start_postgres_names_only_a_cluster_it_started() -> None:
    script = (SCRIPTS / "start_postgres.sh").read_text(encoding="utf-8")
    start = script.index('pg_ctlcluster "$VERSION" "$CLUSTER" start')
    online_check = script.rindex("if ! pg_lsclusters", 0, start)
    marker = script.index("CXTEXT_PG_STARTED_FILE", start)
    assert online_check < start < marker < script.index("fi", marker)


def test_make_serve_says_why_its_first_run_takes_a_minute() -> None:
    dry = subprocess.run(["make", "-n", "model"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "building the default model from the starter corpus (first run only, about a minute" in dry
    assert "cxtext train --default" in dry
