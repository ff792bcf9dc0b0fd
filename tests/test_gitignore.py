"""The registry's machine-local state is never committed: which version is active, and the writers' lock."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "path", ["models/active.json", "models/.registry.lock", "models/.active.json.x1y2z3"]
)
def test_registry_state_is_ignored(path: str) -> None:
    assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0


def test_model_code_is_not_ignored() -> None:
    for path in ("models/registry.py", "models/artifact.py", "models/__init__.py"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 1
