"""The model this process serves, swapped atomically on activation.

Why one reference: a request reads `holder.current()` once and uses only that object, so a response
never mixes two versions; activation loads and verifies the new artifact completely before the single
assignment that swaps it in, so an in-flight request never sees a half-loaded model. Every worker
process runs a watcher thread that stats the registry's pointer every `check_seconds` and loads a
model activated elsewhere, serving the old one until the new one is ready. The watcher does not wait
for traffic: a worker that received no request since the activation has still switched when the next
one arrives (with a shared socket the kernel may hand every connection to one busy worker for a while).
"""

from __future__ import annotations

import gc
import logging
import threading
from pathlib import Path

from api import metrics
from models.artifact import ArtifactError, LoadedModel, load_artifact
from models.registry import Registry, RegistryError, without_paths

log = logging.getLogger("cxtext.api.model")
# Classified once before a model starts serving: the first call pays lazy set-up (tokenisers, lexicons,
# compiled patterns) that would otherwise stall the first requests for seconds.
WARM_UP = (
    "پیک خیلی دیر رسید ولی غذا خوب بود",
    "The delivery was late but the food was good",
    "kheili khoob bood",
)


class ModelUnavailableError(RuntimeError):
    """No model could be loaded; the message says why (the service answers 503)."""


class ModelHolder:
    def __init__(self, registry: Registry, pinned: Path | None = None, check_seconds: float = 1.0) -> None:
        self.registry = registry
        self.pinned = pinned
        self.check_seconds = check_seconds
        self.error: str | None = None
        self._current: LoadedModel | None = None
        self._lock = threading.Lock()
        self._signature = registry.pointer_signature()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    def load(self) -> None:
        """Load the pinned model (`--model DIR`) or the registry's active one; failures go to `error`."""
        try:
            if self.pinned is not None:
                self._swap(load_artifact(self.pinned))
                return
            entry = self.registry.active()
            if entry is None:
                self.error = "no model: the registry has no active.json and no default/ folder"
                log.error(self.error, extra={"fields": {"models_dir": str(self.registry.root)}})
                return
            self._swap(load_artifact(entry.path))
        except (ArtifactError, RegistryError) as exc:
            self.error = without_paths(str(exc), self.pinned or self.registry.root)
            log.error("model not loaded", extra={"fields": {"reason": str(exc)}})

    def current(self) -> LoadedModel:
        """The model to use for one whole request."""
        model = self._current
        if model is None:
            raise ModelUnavailableError(self.error or "no model loaded")
        return model

    @property
    def loaded(self) -> LoadedModel | None:
        return self._current

    def activate(self, version: str) -> LoadedModel:
        """Verify, point the registry at `version` and swap; raises RegistryError if it cannot load."""
        with self._lock:
            loaded = self.registry.activate(version)
            self._signature = self.registry.pointer_signature()
            self._swap(loaded)
        log.info("model activated", extra={"fields": {"version": loaded.version}})
        return loaded

    def sync(self) -> bool:
        """Follow the registry pointer if another process moved it; True if the model changed."""
        with self._lock:
            signature = self.registry.pointer_signature()
            if signature == self._signature:
                return False
            self._signature = signature
            entry = self.registry.active()
            if entry is None or (self._current is not None and entry.version == self._current.version):
                return False
            self._swap(load_artifact(entry.path))
        log.info("model reloaded after activation elsewhere", extra={"fields": {"version": entry.version}})
        return True

    def start_watching(self) -> None:
        """Follow activations by other processes from a daemon thread until `stop_watching`."""
        if self._watcher is not None:
            return
        self._stop.clear()
        self._watcher = threading.Thread(target=self._watch, name="cxtext-model-watch", daemon=True)
        self._watcher.start()

    def stop_watching(self) -> None:
        if self._watcher is None:
            return
        self._stop.set()
        self._watcher.join()
        self._watcher = None

    def _watch(self) -> None:
        while not self._stop.wait(self.check_seconds):
            try:
                self.sync()
            except (ArtifactError, RegistryError) as exc:
                log.error("model reload failed", extra={"fields": {"reason": str(exc)}})
            except Exception:  # a dead watcher would pin this worker to the old model without a word
                log.exception("model watcher: unexpected error, still watching")

    def _swap(self, loaded: LoadedModel) -> None:
        loaded.model.classify(list(WARM_UP))
        previous = self._current.version if self._current is not None else None
        self._current = loaded  # the one assignment every request observes: old model or new, never both
        self.error = None
        if (
            gc.get_freeze_count()
        ):  # the server froze its start-up heap (api.main): keep this model out of GC too
            gc.freeze()
        metrics.set_model_version(loaded.version, previous)
