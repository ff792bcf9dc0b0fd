"""Web-interface page loads with many stored comments, in the system Chromium, beside the JSON route.

    .venv/bin/python bench/ui_pages.py [--rows 100000] [--db PATH] [--model DIR] [--repeat 5]

Stores `--rows` comments through `POST /v1/feedback` (real texts: every dev/test split in ../shared/data,
replicated with random 0–10 scores, dates over one year, channel and region segments; the database file
is kept and reused by `--db` when it already holds the rows), serves the app in a thread (SQLite, one
worker) and times, in Chromium driven by Playwright, from navigation start to the page's content drawn:
the dashboard in Persian and English (all stored comments, and one segment), the review queue and the
models page. The alternative beside it is what a dashboard tool would call instead: `GET
/v1/drivers/summary` with the same query, timed over HTTP (and the dashboard's HTML fragment alone). The
service builds the store's analysis snapshot and the default dashboard in the background at start-up
(`api/warmup.py`): `/readyz` is asked at once (it answers 503 at once while warming), then polled until
ready (`ready_after_start_s`), then the first analysis is timed; the first page loads come after. A load
after 1,000 new comments shows what reading only the new ones costs. Each figure carries the wall time, this
process's CPU time (the server's threads) and the load average when it was taken: on a shared
machine the wall time grows with the load. Results: bench/results/ui_pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.background import serving  # noqa: E402
from api.main import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402
from cxtext.io.records import load_records  # noqa: E402
from cxtext.paths import shared_data_dir  # noqa: E402

KEY = "bench-key"
CHROMIUM = "/usr/bin/chromium"
READY = {
    "dashboard": "#drivers-table, #empty",
    "review": "#review-form:not([hidden]), #queue-empty:not([hidden])",
    "models": "#models-table",
}


def texts() -> list[str]:
    files = sorted(p for p in shared_data_dir().glob("*/*.csv") if p.stem.endswith(("_dev", "_test")))
    seen: dict[str, None] = {}
    for record in load_records(files, strict=False).records:
        seen.setdefault(record.text[:2000], None)
    return list(seen)


def fill(client: httpx.Client, rows: int, seed: int = 7) -> None:
    """Store `rows` comments, 1,000 a request (the service's default batch limit)."""
    pool = texts()
    rng = np.random.default_rng(seed)
    start = np.datetime64("2025-01-01")
    channels, regions = ("app", "web", "call_center", "store"), ("tehran", "isfahan", "shiraz", "tabriz")
    began = time.perf_counter()
    for first in range(0, rows, 1000):
        items = [
            {
                "id": f"b{i}",
                "text": pool[int(rng.integers(len(pool)))],
                "score": int(rng.integers(0, 11)),
                "date": str(start + np.timedelta64(int(rng.integers(0, 365)), "D")),
                "segments": {"channel": channels[i % 4], "region": regions[(i // 4) % 4]},
            }
            for i in range(first, min(rows, first + 1000))
        ]
        response = client.post("/v1/feedback", json={"items": items}, timeout=600)
        response.raise_for_status()
        done = first + len(items)
        print(f"stored {done:,} / {rows:,} ({time.perf_counter() - began:.0f} s)", file=sys.stderr)


def stored(client: httpx.Client) -> int:
    """How many comments the database holds (the summary's n, without dates or filters)."""
    return client.get("/v1/drivers/summary", params={"bootstrap": 100, "quotes": 0}, timeout=600).json()["n"]


def timed(action) -> tuple[float, float]:
    """Wall time and this process's CPU time (the server's threads; Chromium runs apart): on a shared
    machine the wall time grows with the load, the CPU time much less."""
    began, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - began, time.process_time() - cpu


def summary_row(samples: list[tuple[float, float]]) -> dict:
    wall = [w for w, _ in samples]
    return {
        "median_s": round(statistics.median(wall), 3),
        "max_s": round(max(wall), 3),
        "first_s": round(wall[0], 3),
        "median_cpu_s": round(statistics.median(c for _, c in samples), 3),
        "runs": len(samples),
        "load_average": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "cxtext-ui-bench.sqlite3")
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    settings = Settings(database_url=f"sqlite:///{args.db}", models_dir=args.models, api_keys=f"{KEY}=admin")
    headers = {"Authorization": f"Bearer {KEY}"}
    results: dict = {"rows": args.rows, "load_average": os.getloadavg()[0], "machine": platform.machine()}
    began = time.perf_counter()
    app = create_app(settings)  # migrates the database (a no-op unless it was made by an older version)
    results["create_app_s"] = round(time.perf_counter() - began, 3)
    with serving(app) as url, httpx.Client(base_url=url, headers=headers) as client:
        began, cpu = time.perf_counter(), time.process_time()
        first = client.get("/readyz", timeout=600)  # answered at once, 503 while the warm-up runs
        results["readyz_first_answer_s"] = round(time.perf_counter() - began, 3)
        results["readyz_first_status"] = first.status_code
        while client.get("/readyz", timeout=600).status_code != 200:
            time.sleep(0.05)
        results["ready_after_start_s"] = round(time.perf_counter() - began, 3)
        results["warmup_cpu_s"] = round(time.process_time() - cpu, 3)
        began = time.perf_counter()
        have = stored(client)  # the first analysis once ready
        results["first_summary_when_ready_s"] = round(time.perf_counter() - began, 3)
        if have < args.rows:
            fill(client, args.rows)
        results["stored"] = stored(client)
        pages = {
            "dashboard_fa": "/ui/?lang=fa",
            "dashboard_en": "/ui/?lang=en",
            "dashboard_en_segment": "/ui/?lang=en&segment=channel:app",
            "review": "/ui/review?lang=en",
            "models": "/ui/models?lang=en",
        }
        alternatives = {
            "summary_json_all": {},
            "summary_json_segment": {"segment": "channel:app"},
            "fragment_dashboard_all": {},
        }
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page()
            page.goto(f"{url}/ui/models?lang=en")
            page.fill("#api-key", KEY)
            page.press("#api-key", "Enter")
            page.wait_for_selector(READY["models"])
            for name, path in pages.items():
                ready = READY[name.split("_")[0]]
                samples = [
                    timed(
                        lambda p=path, r=ready: (
                            page.goto(url + p),
                            page.wait_for_selector(r, timeout=120_000),
                        )
                    )
                    for _ in range(args.repeat)
                ]
                results[name] = summary_row(samples)
                print(name, results[name], file=sys.stderr)
            # a write since the last load: 1,000 new comments are appended to the snapshot on the next load
            batch = [
                {"id": f"append-{time.time_ns()}-{i}", "text": t, "score": 7}
                for i, t in enumerate(texts()[:1000])
            ]
            client.post("/v1/feedback", json={"items": batch}, timeout=600).raise_for_status()
            ready = READY["dashboard"]
            results["dashboard_en_after_1000_new"] = summary_row(
                [
                    timed(
                        lambda: (
                            page.goto(url + "/ui/?lang=en"),
                            page.wait_for_selector(ready, timeout=300_000),
                        )
                    )
                ]
            )
            print("after append", results["dashboard_en_after_1000_new"], file=sys.stderr)
            browser.close()
        for name, params in alternatives.items():
            samples = [
                timed(
                    lambda p=params: client.get(
                        "/v1/drivers/summary", params=p, timeout=600
                    ).raise_for_status()
                )
                for _ in range(args.repeat)
            ]
            results[name] = summary_row(samples)
            print(name, results[name], file=sys.stderr)
    out = ROOT / "bench" / "results" / "ui_pages.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
