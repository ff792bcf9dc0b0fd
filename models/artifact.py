"""Versioned model artifacts: a folder with the model (joblib), its card and a checksum verified on load.

A folder is written under a temporary name and renamed into place, so a crash never leaves a
half-written artifact that looks complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from cxtext.lexicon import adopt_lexicons, built_lexicons
from cxtext.model import FeedbackModel
from cxtext.text.hazm_lexicon import adopt_hazm_lexicon, stored_hazm_lexicon

# Bump whenever FeedbackModel's fitted attributes change: older folders are then refused, not half-used.
# Format 3 stores each head's scikit-learn estimators as bytes unpickled on first use (`cxtext.heads`);
# format 2 folders hold them plainly and load the same.
FORMAT_VERSION = 3
READABLE_FORMATS = (2, 3)
MODEL_FILE = "model.joblib"
LEXICONS_FILE = "lexicons.pickle"  # the lexicons ready-built (optional: rebuilt when missing or stale)
CARD_FILE = "card.json"


class ArtifactError(Exception):
    """A model folder that cannot be used: missing, corrupted or made by an incompatible version."""


@dataclass(frozen=True)
class LoadedModel:
    model: FeedbackModel
    card: dict
    path: Path

    @property
    def version(self) -> str:
        return str(self.card["version"])


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_artifact(model: FeedbackModel, card: dict, out_dir: str | os.PathLike[str]) -> Path:
    """Write `model` and `card` to `out_dir` atomically; the card gains checksum, format and version."""
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        # a plain uncompressed pickle: the C unpickler reads it several times faster than joblib's Python
        # one inflates a compressed file (the name stays, so registries keep working)
        _dump(model, staging / MODEL_FILE)
        _dump({"lexicons": built_lexicons(), "hazm": stored_hazm_lexicon()}, staging / LEXICONS_FILE)
        checksum = sha256_file(staging / MODEL_FILE)
        full_card = {
            **card,
            "lexicons_sha256": sha256_file(staging / LEXICONS_FILE),
            "format_version": FORMAT_VERSION,
            "sklearn_version": _sklearn_version(),
            "model_sha256": checksum,
            "version": card.get("version") or f"{card['created_at'][:19].replace(':', '')}-{checksum[:8]}",
        }
        card_text = json.dumps(full_card, indent=2, ensure_ascii=False)
        (staging / CARD_FILE).write_text(card_text, encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _sklearn_version() -> str:
    """The installed scikit-learn's version, read from its metadata: importing it to ask would cost the
    second a cold `cxtext classify` saves by not unpickling the estimators (see `cxtext.heads`)."""
    return version("scikit-learn")


def read_card(path: str | os.PathLike[str]) -> dict:
    folder = Path(path)
    card_path = folder / CARD_FILE
    if not folder.is_dir():
        raise ArtifactError(f"{folder}: no such model folder")
    if not card_path.is_file():
        raise ArtifactError(f"{folder}: not a cxtext model (no {CARD_FILE})")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{card_path}: unreadable model card ({exc})") from exc
    if not isinstance(card, dict) or "model_sha256" not in card:
        raise ArtifactError(f"{card_path}: model card lacks its checksum")
    return card


def _dump(value: object, path: Path) -> None:
    with open(path, "wb") as out:
        pickle.dump(value, out, protocol=5)


def _load(path: Path) -> object:
    """A plain pickle (this version's format) with the C unpickler; a joblib file (what earlier versions
    wrote: compressed, or with arrays stored after their wrappers) through joblib."""
    with open(path, "rb") as source:
        try:
            return pickle.load(source)
        except pickle.UnpicklingError:
            import joblib  # only for folders written by earlier versions

            return joblib.load(path)


def _adopt_lexicons(path: Path, checksum: str | None) -> None:
    """Ready-built lexicons saved with the model, when their checksum is the card's; a missing, changed or
    unreadable file only costs the rebuild."""
    if checksum is None or not path.is_file() or sha256_file(path) != checksum:
        return
    try:
        stored = _load(path)
        adopt_lexicons(stored["lexicons"])  # type: ignore[index]
        adopt_hazm_lexicon(stored["hazm"])  # type: ignore[index]
    except Exception:
        return


def load_artifact(path: str | os.PathLike[str]) -> LoadedModel:
    """Load and verify a model folder; every failure is an `ArtifactError` with a readable reason."""
    folder = Path(path)
    card = read_card(folder)
    if card.get("format_version") not in READABLE_FORMATS:
        raise ArtifactError(
            f"{folder}: artifact format {card.get('format_version')} is not supported "
            f"(this cxtext reads formats {', '.join(map(str, READABLE_FORMATS))}); retrain the model"
        )
    trained_with = str(card.get("sklearn_version", ""))
    installed = _sklearn_version()
    if trained_with.split(".")[:2] != installed.split(".")[:2]:
        raise ArtifactError(
            f"{folder}: trained with scikit-learn {trained_with}, this install has {installed}; "
            "retrain the model"
        )
    model_path = folder / MODEL_FILE
    if not model_path.is_file():
        raise ArtifactError(f"{folder}: {MODEL_FILE} is missing")
    if sha256_file(model_path) != card["model_sha256"]:
        raise ArtifactError(f"{model_path}: checksum mismatch, the file is corrupted or was modified")
    try:
        model = _load(model_path)
    except Exception as exc:  # a file that passed the checksum but does not unpickle: wrong writer
        raise ArtifactError(f"{model_path}: cannot be loaded ({type(exc).__name__})") from exc
    if not isinstance(model, FeedbackModel):
        raise ArtifactError(f"{model_path}: holds a {type(model).__name__}, not a FeedbackModel")
    _adopt_lexicons(folder / LEXICONS_FILE, card.get("lexicons_sha256"))
    # A pickle from other model code can load yet fail on first use: find out now, not mid-request. Any
    # text exercises every head; an English one sets up the cheaper tokenizer (≈0.06 s, Persian's ≈0.15 s).
    try:
        model.classify(["ok good"], ["en"])
    except Exception as exc:
        raise ArtifactError(
            f"{model_path}: made by incompatible model code ({type(exc).__name__}); retrain"
        ) from exc
    return LoadedModel(model, card, folder)
