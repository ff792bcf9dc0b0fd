"""Latency of the review queue and of labelling with a large store (default 100,000 stored comments).

Fills a fresh SQLite (or `--database-url` PostgreSQL) store with real texts from ../shared/data, each
with a real stored prediction of the test-size model, then times `GET /v1/feedback/review` (limit 10,
the review page's request) and `PUT /v1/feedback/{id}/labels` through the ASGI app, as p50/p95/max.

    .venv/bin/python bench/review_queue.py [--rows 100000] [--requests 30]

Writes bench/results/review_queue.json. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from api.main import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.storage import NewFeedback  # noqa: E402
from cxtext.io.records import load_records  # noqa: E402
from cxtext.paths import shared_data_dir  # noqa: E402
from training.train import corpus_files, train_records  # noqa: E402

FILES = ("fa/snappfood_train.csv", "en/semeval14_restaurants_train.csv", "en/airline_tweets_train.csv")


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "review_queue.json"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cxtext-review-bench-"))
    models = work / "models"
    train_records(
        load_records(corpus_files()).records[::12],
        models / "default",
        holdout_fraction=0.0,
        model_params={"min_df": 2, "char_ngram_range": (3, 4)},
    )
    url = args.database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    settings = Settings(database_url=url, models_dir=models, api_keys="bench=admin", max_batch=1000)
    app = create_app(settings)
    texts = [r.text for name in FILES for r in load_records([shared_data_dir() / name]).records]
    model = app.state.holder.current()
    started = time.perf_counter()
    filled = 0
    while filled < args.rows:
        batch = [texts[(filled + i) % len(texts)] for i in range(min(2000, args.rows - filled))]
        predictions = model.model.classify(batch, explain=False)
        app.state.store.upsert(
            [
                NewFeedback(
                    external_id=f"b-{filled + i}",
                    text=text,
                    text_redacted=True,
                    lang=prediction["language"],
                    lang_given=False,
                    score=None,
                    score_scale=None,
                    date=None,
                    segments={"channel": "app" if (filled + i) % 2 else "web"},
                    labels=None,
                    prediction=prediction,
                    model_version=model.version,
                    content_sha256=hashlib.sha256(f"{filled + i}".encode()).hexdigest(),
                )
                for i, (text, prediction) in enumerate(zip(batch, predictions, strict=True))
            ]
        )
        filled += len(batch)
    fill_seconds = time.perf_counter() - started
    headers = {"Authorization": "Bearer bench"}
    review, filtered, label = [], [], []
    with TestClient(app) as client:
        for n in range(args.requests):
            t0 = time.perf_counter()
            page = client.get("/v1/feedback/review", params={"limit": 10}, headers=headers).json()
            review.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            client.get(
                "/v1/feedback/review",
                params={"limit": 10, "lang": "fa", "segment": "channel:app"},
                headers=headers,
            )
            filtered.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            response = client.put(
                f"/v1/feedback/{page['items'][n % 10]['id']}/labels",
                json={"sentiment": "negative", "drivers": []},
                headers=headers,
            )
            label.append(time.perf_counter() - t0)
            assert response.status_code == 200, response.text
    result = {
        "rows": args.rows,
        "database": app.state.engine.dialect.name,
        "fill_seconds": round(fill_seconds, 1),
        "review_limit_10": percentiles(review),
        "review_limit_10_lang_and_segment": percentiles(filtered),
        "put_labels": percentiles(label),
        "requests": args.requests,
        "load": subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip(),
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
