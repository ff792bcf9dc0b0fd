"""The model registry: versions as folders, the atomic active pointer, activation and rollback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from models.artifact import read_card
from models.registry import (
    ACTIVE_FILE,
    Registry,
    RegistryError,
    UnknownVersionError,
    headline_metrics,
)


def version_of(folder: Path) -> str:
    return str(read_card(folder)["version"])


def test_default_is_active_until_something_is_activated(models_root: Path) -> None:
    registry = Registry(models_root)
    assert registry.active().path.name == "default"
    assert registry.pointer_signature() is None
    versions = [entry.path.name for entry in registry.list_versions()]
    assert sorted(versions) == sorted(
        ["default", *(p.name for p in models_root.iterdir() if p.name != "default")]
    )


def test_activate_writes_the_pointer_and_rollback_is_activating_the_previous(models_root: Path) -> None:
    registry = Registry(models_root)
    default = registry.active()
    other = next(e for e in registry.list_versions() if e.path.name != "default")
    loaded = registry.activate(other.version)
    assert loaded.version == other.version
    pointer = json.loads((models_root / ACTIVE_FILE).read_text())
    assert pointer["version"] == other.version and pointer["folder"] == other.path.name
    assert registry.active().version == other.version
    registry.activate(default.version)
    assert registry.active().path.name == "default"
    assert not [p for p in models_root.iterdir() if p.name.startswith(".active.json")]  # no temp files left


def test_activate_by_folder_name_and_unknown_versions(models_root: Path) -> None:
    registry = Registry(models_root)
    assert registry.activate("default").version == version_of(models_root / "default")
    with pytest.raises(UnknownVersionError):
        registry.activate("no-such-version")
    with pytest.raises(UnknownVersionError):
        registry.get("../default")


def test_a_corrupted_model_is_never_activated(models_root: Path) -> None:
    registry = Registry(models_root)
    broken = models_root / "broken"
    shutil.copytree(models_root / "default", broken)
    card = json.loads((broken / "card.json").read_text())
    card["version"] = "broken-version"
    (broken / "card.json").write_text(json.dumps(card))
    with open(broken / "model.joblib", "r+b") as fh:
        fh.seek(100)
        flipped = bytes(b ^ 0xFF for b in fh.read(4))  # changed whatever they were (zeros are common)
        fh.seek(100)
        fh.write(flipped)
    with pytest.raises(RegistryError, match="checksum"):
        registry.activate("broken-version")
    assert registry.pointer_signature() is None
    assert registry.active().path.name == "default"


def test_folders_that_are_not_models_are_not_listed(models_root: Path) -> None:
    (models_root / "notes").mkdir()
    (models_root / ".train-123").mkdir()
    shutil.copytree(models_root / "default", models_root / ".staging-copy")
    names = {entry.path.name for entry in Registry(models_root).list_versions()}
    assert "notes" not in names and ".train-123" not in names and ".staging-copy" not in names


def test_add_moves_a_staged_artifact_under_its_version(models_root: Path) -> None:
    registry = Registry(models_root)
    staging = registry.staging_dir("test")
    shutil.copytree(models_root / "default", staging / "model")
    card = json.loads((staging / "model" / "card.json").read_text())
    card["version"] = "v-added"
    (staging / "model" / "card.json").write_text(json.dumps(card))
    entry = registry.add(staging / "model")
    assert entry.path == models_root / "v-added" and registry.get("v-added").path == entry.path
    shutil.copytree(models_root / "v-added", staging / "again")
    with pytest.raises(RegistryError, match="already exists"):
        registry.add(staging / "again")


def test_a_pointer_to_a_deleted_folder_is_an_error_not_a_silent_fallback(models_root: Path) -> None:
    registry = Registry(models_root)
    other = next(e for e in registry.list_versions() if e.path.name != "default")
    registry.activate(other.version)
    shutil.rmtree(other.path)
    with pytest.raises(RegistryError, match="folder is gone"):
        registry.active()


def test_empty_registry_has_no_active_model(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "nothing-here")
    assert registry.list_versions() == [] and registry.active() is None


def test_headline_metrics_reads_the_overall_section() -> None:
    report = {
        "overall": {
            "sentiment": {"accuracy": 0.8, "macro_f1": 0.7},
            "drivers": {"micro_f1": 0.6, "macro_f1": 0.5},
            "driver_sentiment": {"macro_f1": None},
            "nps_category": {"macro_f1": 0.4},
            "churn": {"f1": 0.9},
        }
    }
    assert headline_metrics(report) == {
        "sentiment_macro_f1": 0.7,
        "drivers_micro_f1": 0.6,
        "nps_macro_f1": 0.4,
        "churn_f1": 0.9,
    }
    assert headline_metrics(None) == {}
