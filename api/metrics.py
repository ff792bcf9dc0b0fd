"""Prometheus metrics: requests, latency histograms, texts classified, and the model version served.

With several server workers each process counts on its own; when `PROMETHEUS_MULTIPROC_DIR` is set
(`cxtext serve --workers N` sets it) `/metrics` adds up every worker's files, so a scrape that lands on
any worker sees the whole service.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

REQUESTS = Counter(
    "cxtext_http_requests_total", "HTTP requests by route template and status", ["method", "route", "status"]
)
LATENCY = Histogram(
    "cxtext_http_request_duration_seconds",
    "Time from request start to response end, by route template",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TEXTS = Counter("cxtext_texts_classified_total", "Texts run through the model", ["route"])
MODEL = Gauge(
    "cxtext_model_info",
    "1 for the model version this service serves",
    ["version"],
    multiprocess_mode="livemax",
)


def set_model_version(version: str, previous: str | None) -> None:
    if previous is not None and previous != version:
        MODEL.labels(version=previous).set(0)
    MODEL.labels(version=version).set(1)


def exposition() -> tuple[bytes, str]:
    """The metrics page: this process's registry, or every worker's when running multi-process."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(DEFAULT_REGISTRY), CONTENT_TYPE_LATEST
