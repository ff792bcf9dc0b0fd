"""Start-up work that makes the first requests as fast as the later ones, and readiness that waits for it.

Why: after a restart the first dashboard used to wait for the analysis snapshot of the whole store (3 s
at 100,000 stored comments) and for the default dashboard's analysis. Both are built here, in a
background thread, while `/readyz` answers 503 "warming up" — so an orchestrator or load balancer sends
no traffic until pages are fast, and `/healthz` (liveness) stays open meanwhile. A failing step (no model
yet, database down) is logged and skipped: the request that needs it builds it, as before.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger("cxtext.api")

Step = tuple[str, Callable[[], object]]


class Warmup:
    """Runs `steps` (name, function) once, in order, in a daemon thread; `pending` names the step still
    running (None once all are done or failed)."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = tuple(steps)
        self._pending: str | None = self.steps[0][0] if self.steps else None
        self._done = threading.Event()
        if not self.steps:
            self._done.set()

    @property
    def pending(self) -> str | None:
        return self._pending

    def start(self) -> None:
        threading.Thread(target=self._run, name="warmup", daemon=True).start()

    def wait(self, timeout: float | None = None) -> bool:
        """True once every step has run (tests, and anything that must not race the warm-up)."""
        return self._done.wait(timeout)

    def _run(self) -> None:
        try:
            for name, step in self.steps:
                self._pending = name
                began = time.perf_counter()
                try:
                    step()
                except Exception:  # the request that needs it will build it (and report what is wrong)
                    log.warning("warm-up step failed", extra={"fields": {"step": name}}, exc_info=True)
                    continue
                log.info(
                    "warmed up",
                    extra={"fields": {"step": name, "seconds": round(time.perf_counter() - began, 3)}},
                )
        finally:
            self._pending = None
            self._done.set()
