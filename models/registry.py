"""The model registry: each version is a folder under `models_dir()`, and `active.json` says which one serves.

Why a pointer file: activating or rolling back must be one atomic step that every server process sees,
so the pointer is written to a temporary file and moved into place with `os.replace`; a reader sees the
old pointer or the new one, never half of either. `models/default` (the out-of-the-box model) is active
while no pointer exists. Folders whose name starts with "." are work in progress and never listed.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cxtext.paths import models_dir
from models.artifact import ArtifactError, LoadedModel, load_artifact, read_card

ACTIVE_FILE = "active.json"
DEFAULT_FOLDER = "default"
_LOCK_FILE = ".registry.lock"


class RegistryError(Exception):
    """The registry cannot do what was asked (unknown version, broken pointer, name taken)."""


class UnknownVersionError(RegistryError):
    """No model folder has this version or folder name."""


@dataclass(frozen=True)
class ModelEntry:
    """One model in the registry: its version (from the card), its folder and its card."""

    version: str
    path: Path
    card: dict

    @property
    def created_at(self) -> str:
        return str(self.card.get("created_at", ""))


class Registry:
    """Versions under `root` (default `models_dir()`), the active pointer, activation and rollback."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else models_dir()

    @property
    def pointer_path(self) -> Path:
        return self.root / ACTIVE_FILE

    def list_versions(self) -> list[ModelEntry]:
        """Every readable model folder, oldest first; folders without a valid card are not models."""
        if not self.root.is_dir():
            return []
        entries = []
        for folder in self.root.iterdir():
            if folder.name.startswith(".") or not folder.is_dir():
                continue
            try:
                card = read_card(folder)
            except ArtifactError:
                continue
            entries.append(ModelEntry(str(card.get("version", folder.name)), folder, card))
        return sorted(entries, key=lambda e: (e.created_at, e.version))

    def get(self, version: str) -> ModelEntry:
        """The model whose card version is `version`, else whose folder is named `version`."""
        entries = self.list_versions()
        for entry in entries:
            if entry.version == version:
                return entry
        for entry in entries:
            if entry.path.name == version:
                return entry
        raise UnknownVersionError(f"no model version {version!r}")  # never the server's directories

    def active(self) -> ModelEntry | None:
        """The model the pointer names; without a pointer `default`; None when there is neither."""
        pointer = self._read_pointer()
        if pointer is None:
            default = self.root / DEFAULT_FOLDER
            if not (default / "card.json").is_file():
                return None
            return self.get(DEFAULT_FOLDER)
        try:
            return self.get(pointer["folder"])
        except UnknownVersionError:
            raise RegistryError(f"{ACTIVE_FILE} names {pointer['version']!r}, whose folder is gone") from None

    def pointer_signature(self) -> tuple[int, int] | None:
        """(inode, mtime) of the pointer: a cheap stat that changes whenever any process activates."""
        try:
            st = os.stat(self.pointer_path)
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns

    def activate(self, version: str) -> LoadedModel:
        """Load and verify `version`, then point at it; a model that fails to load is never activated.

        Rolling back is activating an earlier version. Returns the loaded model so that a server can
        swap to exactly what was verified.
        """
        entry = self.get(version)
        try:
            loaded = load_artifact(entry.path)
        except ArtifactError as exc:
            reason = without_paths(str(exc), self.root)
            raise RegistryError(f"model {version!r} cannot be activated: {reason}") from exc
        pointer = {
            "version": loaded.version,
            "folder": entry.path.name,
            "activated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        with self._locked():
            _write_atomically(self.pointer_path, json.dumps(pointer, indent=2) + "\n")
        return loaded

    def add(self, staged: str | os.PathLike[str]) -> ModelEntry:
        """Move a finished artifact folder (written next to the registry) into place under its version."""
        staged = Path(staged)
        card = read_card(staged)
        target = self.root / str(card["version"])
        with self._locked():
            if target.exists():
                raise RegistryError(f"model version {card['version']!r} already exists")
            staged.rename(target)
        return ModelEntry(str(card["version"]), target, card)

    def staging_dir(self, prefix: str) -> Path:
        """A fresh hidden folder on the registry's file system, so `add` is a rename, not a copy."""
        self.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{prefix}-", dir=self.root))

    def _read_pointer(self) -> dict | None:
        try:
            pointer = json.loads(self.pointer_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, json.JSONDecodeError) as exc:
            raise RegistryError(f"{ACTIVE_FILE}: unreadable ({type(exc).__name__})") from exc
        if not isinstance(pointer, dict) or not {"version", "folder"} <= pointer.keys():
            raise RegistryError(f"{ACTIVE_FILE}: lacks 'version' or 'folder'")
        return pointer

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise writers across processes (two workers activating at once)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / _LOCK_FILE, "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def without_paths(message: str, root: str | os.PathLike[str]) -> str:
    """`message` with the server's directories cut down to the names under `root` (clients see
    version and file names, never where the service keeps its models)."""
    root = Path(root)
    for prefix in (f"{root}{os.sep}", f"{root.parent}{os.sep}", str(root)):
        message = message.replace(prefix, "")
    return message


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


HEADLINE_METRICS: dict[str, tuple[str, str]] = {
    "sentiment_macro_f1": ("sentiment", "macro_f1"),
    "drivers_micro_f1": ("drivers", "micro_f1"),
    "driver_sentiment_macro_f1": ("driver_sentiment", "macro_f1"),
    "nps_macro_f1": ("nps_category", "macro_f1"),
    "churn_f1": ("churn", "f1"),
}


def headline_metrics(report: dict | None) -> dict[str, float]:
    """The few numbers that rank models, from an evaluation report's `overall` section (None = not measured)."""
    overall = (report or {}).get("overall") or {}
    found = {}
    for name, (section, key) in HEADLINE_METRICS.items():
        value = (overall.get(section) or {}).get(key)
        if value is not None:
            found[name] = float(value)
    return found
