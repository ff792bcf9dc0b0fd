"""Driver-analysis speed and memory at a million responses, and flat-memory scoring of large CSV files.

    .venv/bin/python bench/analysis_bench.py [--rows 1000000] [--model DIR] [--score-rows 100000 1000000]
                                             [--phases memory csv score]

Data: every test-split file in ../shared/data (real texts with their real labels), replicated to
`--rows` with random 0–10 scores, dates over one year and three segment columns (channel, region,
product). Each measurement runs in a fresh Python process so its peak RSS is its own:

- `analysis_in_memory`: `analyze` on a Frame already in memory (columns built, records replicated);
- `analysis_from_csv`: end to end from a CSV of those rows: stream-read, build the Frame, analyse;
- `score_<n>`: `cxtext score` on a CSV of n rows (ids, texts, dates, segments; no labels), with a model.

Results are merged into bench/results/analysis_bench.json (and printed), each with the machine's load
average when it started: on a shared machine, times grow with the load.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cxtext.analysis import analyze  # noqa: E402
from cxtext.analysis.frame import (  # noqa: E402
    DETRACTOR,
    PASSIVE,
    PROMOTER,
    SCORE,
    Categorical,
    Frame,
    FrameBuilder,
    frame_from_records,
)
from cxtext.io.records import iter_records, load_records  # noqa: E402
from cxtext.paths import shared_data_dir  # noqa: E402
from cxtext.schema import Record, record_to_row  # noqa: E402

SEGMENTS = {
    "channel": ("app", "web", "call_center", "email", "store"),
    "region": ("tehran", "isfahan", "mashhad", "shiraz", "tabriz", "karaj", "ahvaz", "qom"),
    "product": tuple(f"product_{i:02d}" for i in range(12)),
}
START = np.datetime64("2024-01-01")
DAYS = 366
SEED = 7


def test_records() -> list[Record]:
    files = sorted(shared_data_dir().glob("*/*_test.csv"))
    return load_records(files).records


def synthetic_columns(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Random scores, dates and segment codes for n rows."""
    return {
        "score": rng.integers(0, 11, n).astype(np.float64),
        "date": START + rng.integers(0, DAYS, n).astype("timedelta64[D]"),
        **{name: rng.integers(0, len(values), n).astype(np.int32) for name, values in SEGMENTS.items()},
    }


def replicated_frame(n: int) -> Frame:
    """The test records replicated to n rows with random scores, dates and segments (columns only)."""
    rng = np.random.default_rng(SEED)
    base = frame_from_records(test_records())
    frame = base.take(rng.integers(0, len(base), n))
    columns = synthetic_columns(n, rng)
    score = columns["score"]
    category = np.where(score >= 9, PROMOTER, np.where(score >= 7, PASSIVE, DETRACTOR)).astype(np.int8)
    return dataclasses.replace(
        frame,
        score=score,
        scale=Categorical(np.zeros(n, dtype=np.int32), ("0-10",)),
        category=category,
        category_source=np.full(n, SCORE, dtype=np.int8),
        date=columns["date"],
        segments={name: Categorical(columns[name], SEGMENTS[name]) for name in SEGMENTS},
    )


def write_csv(path: Path, n: int, *, labels: bool) -> None:
    """n rows replicated from the test records: with their labels and a score, or text-only for scoring."""
    rng = np.random.default_rng(SEED)
    records = test_records()
    pick = rng.integers(0, len(records), n)
    columns = synthetic_columns(n, rng)
    rows = [record_to_row(r) for r in records]
    header = ["id", "text", "date", *SEGMENTS]
    if labels:
        header[2:2] = ["lang", "sentiment", "drivers", "driver_sentiment", "churn", "score", "score_scale"]
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for i in range(n):
            row = rows[pick[i]]
            cells = {
                **row,
                "id": f"r{i}",
                "score": str(int(columns["score"][i])),
                "score_scale": "0-10",
                "date": str(columns["date"][i]),
                **{name: SEGMENTS[name][columns[name][i]] for name in SEGMENTS},
            }
            writer.writerow([cells[column] for column in header])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def child_analysis_in_memory(rows: int) -> dict:
    started = time.perf_counter()
    frame = replicated_frame(rows)
    built = time.perf_counter() - started
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    result = analyze(frame, segments=list(SEGMENTS), period="week")
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "frame_build_seconds": round(built, 2),
        "peak_rss_mb_before_analysis": round(rss_before),
        "peak_rss_mb": round(peak_rss_mb()),
        "nps": result["nps"],
        "periods": len(result["trends"]["periods"]),
    }


def child_analysis_from_csv(path: str) -> dict:
    started = time.perf_counter()
    builder = FrameBuilder(segments=list(SEGMENTS))
    errors = 0
    for batch in iter_records(path, strict=False, batch_size=10_000):
        builder.add(batch.records)
        errors += len(batch.errors)
    frame = builder.build()
    read = time.perf_counter() - started
    result = analyze(frame, segments=list(SEGMENTS), period="week")
    seconds = time.perf_counter() - started
    return {
        "rows": len(frame),
        "bad_rows": errors,
        "seconds": round(seconds, 2),
        "read_seconds": round(read, 2),
        "analysis_seconds": round(seconds - read, 2),
        "peak_rss_mb": round(peak_rss_mb()),
        "nps": result["nps"]["value"],
    }


def run_child(*args: str) -> dict:
    """Run this script's `--child` mode in a fresh interpreter and return its JSON."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout)


def score_run(path: Path, model: str, rows: int) -> dict:
    """`cxtext score` in its own process; its peak RSS from the kernel's accounting of that child."""
    with tempfile.TemporaryDirectory() as tmp:
        out_path, log = Path(tmp) / "scored.csv", Path(tmp) / "stderr.txt"
        command = [sys.executable, "-m", "cli", "score", "--model", model, "--in", str(path)]
        started = time.perf_counter()
        with open(log, "w", encoding="utf-8") as stderr:
            process = subprocess.Popen(
                [*command, "--out", str(out_path), "--no-progress"], cwd=ROOT, stderr=stderr
            )
            _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            raise RuntimeError(f"cxtext score failed: {log.read_text(encoding='utf-8')[-2000:]}")
        with open(out_path, encoding="utf-8", newline="") as scored:
            written = sum(1 for _ in csv.reader(scored)) - 1
    return {
        "rows": rows,
        "written": written,
        "seconds": round(seconds, 1),
        "rows_per_second": round(rows / seconds),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--model", help="model folder for the score phase")
    parser.add_argument(
        "--phases",
        nargs="+",
        choices=("memory", "csv", "score"),
        default=["memory", "csv", "score"],
        help="what to measure (results are merged into --out)",
    )
    parser.add_argument("--score-rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "analysis_bench.json"))
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, value = args.child
        result = child_analysis_in_memory(int(value)) if mode == "memory" else child_analysis_from_csv(value)
        print(json.dumps(result))
        return 0

    out = Path(args.out)
    results: dict = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    results.update(
        machine={
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        data=f"{len(test_records())} real test-split records from shared/data, replicated",
    )

    def record(name: str, result: dict, load: float) -> None:
        """Keep a measurement with the load it started under (other work on the machine skews times)."""
        results[name] = {**result, "load_average_1m_at_start": round(load, 2)}
        print(json.dumps({name: results[name]}), flush=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    with tempfile.TemporaryDirectory() as tmp:
        if "memory" in args.phases:
            load = os.getloadavg()[0]
            record("analysis_in_memory", run_child("memory", str(args.rows)), load)
        if "csv" in args.phases:
            path = Path(tmp) / "scored.csv"
            started = time.perf_counter()
            write_csv(path, args.rows, labels=True)
            written = time.perf_counter() - started
            load = os.getloadavg()[0]
            measured = run_child("csv", str(path))
            record(
                "analysis_from_csv",
                {
                    **measured,
                    "csv_mb": round(path.stat().st_size / 2**20),
                    "write_seconds": round(written, 1),
                },
                load,
            )
            path.unlink()
        if "score" in args.phases:
            if not args.model:
                parser.error("the score phase needs --model DIR")
            for rows in args.score_rows:
                texts = Path(tmp) / f"texts_{rows}.csv"
                write_csv(texts, rows, labels=False)
                load = os.getloadavg()[0]
                record(f"score_{rows}", {**score_run(texts, args.model, rows), "model": args.model}, load)
                texts.unlink()
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
