"""Scale: `cxtext score` and `cxtext drivers` on every core and on a Dask cluster, and CLI start times.

    .venv/bin/python bench/scale.py [--rows 1000000] [--driver-rows 10000000] [--driver-csv-rows 1000000]
                                    [--model DIR]
                                    [--phases start score cluster drivers] [--cache DIR]

Data: the texts of every shared/data file (Persian and English mixed), drawn at random to `--rows` rows
with ids, 0–10 scores, dates over a year and a channel — written as CSV and as Parquet (not timed).

- `score_<fmt>_w<N>`: `cxtext score` CSV → CSV and Parquet → Parquet with `--workers 1` and `--workers 2`,
  at `--rows` and at a tenth of it (how time grows), rows/s end to end and peak RSS of the main process and
  of each worker (sampled from /proc every 0.2 s);
- `score_parquet_cluster`: the same Parquet run through a 2-worker `LocalCluster` (processes);
- `drivers_parquet_w2_<n>` and `drivers_parquet_cluster_<n>`: `cxtext drivers` on the scored Parquet
  replicated to `--driver-rows` rows (scored once, copied, ids renumbered) with 2 workers and through a
  2-worker `LocalCluster` (whose workers send back partial statistics, never rows: the client's peak RSS
  is the figure), and `drivers_csv_w<N>_<n>` on it replicated to `--driver-csv-rows` rows as CSV;
- `start`: `cxtext --help`, `cxtext classify "…"` (cold process), imports and the model load alone, best
  of 3, for the model as saved now and as earlier versions saved it (compressed joblib), alternately.

Each run's outputs are checked equal across engines (same bytes for CSV, same table for Parquet). Results
go to bench/results/scale.json with the load average at the start of each measurement and the CPU time
of the run's processes (`cpu_seconds`, user + system, with `rows_per_cpu_second`): on a shared machine
wall time grows with the load, CPU time much less.

`--cache DIR` (outside the repository) keeps the generated inputs and the replicated scored file between
runs, so a second run spends its time on the measurements only. `--phases drivers` alone scores its
`--rows` input once, untimed, and updates only the drivers figures of bench/results/scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cxtext.io.records import load_records  # noqa: E402
from cxtext.paths import shared_data_dir  # noqa: E402

CXTEXT = str(Path(sys.executable).with_name("cxtext"))
RESULTS = ROOT / "bench" / "results" / "scale.json"
PHASES = ("start", "score", "cluster", "drivers")
ROW_GROUP_ROWS = 250_000  # of the replicated scored files
SEED = 11


def texts() -> tuple[list[str], list[str]]:
    records = load_records(sorted(shared_data_dir().glob("*/*.csv")), strict=False).records
    return [r.text for r in records], [r.lang or "" for r in records]


def make_inputs(n: int, folder: Path, pool: tuple[list[str], list[str]]) -> dict[str, Path]:
    paths = {"csv": folder / f"in_{n}.csv", "parquet": folder / f"in_{n}.parquet"}
    if all(path.exists() for path in paths.values()):
        return paths  # cached by an earlier run (--cache)
    rng = np.random.default_rng(SEED)
    pick = rng.integers(0, len(pool[0]), n)
    all_texts = np.array(pool[0], dtype=object)
    table = pa.table(
        {
            "id": [f"r{i}" for i in range(n)],
            "text": all_texts[pick].tolist(),
            "score": pa.array(rng.integers(0, 11, n), pa.int64()),
            "date": (np.datetime64("2025-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]"))
            .astype(str)
            .tolist(),
            "channel": np.array(["app", "web", "branch", "call"], dtype=object)[
                rng.integers(0, 4, n)
            ].tolist(),
        }
    )
    pacsv.write_csv(table, paths["csv"])
    pq.write_table(table, paths["parquet"], row_group_size=100_000)
    return paths


class RssSampler:
    """Peak RSS of every descendant process of this one (and of `extra` pids), sampled every 0.2 s."""

    def __init__(self) -> None:
        self.peak: dict[int, tuple[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid, (name, rss) in _descendants(os.getpid()).items():
                if rss > self.peak.get(pid, ("", 0))[1]:
                    self.peak[pid] = (name, rss)
            self._stop.wait(0.2)

    def summary(self, main_pid: int | None) -> dict:
        main = self.peak.get(main_pid, ("", 0))[1] if main_pid else 0
        workers = sorted((rss for pid, (_, rss) in self.peak.items() if pid != main_pid), reverse=True)
        return {
            "peak_rss_mb_main": round(main / 2**20),
            "peak_rss_mb_workers": [round(w / 2**20) for w in workers],
        }


def _descendants(root: int) -> dict[int, tuple[str, int]]:
    children: dict[int, list[int]] = {}
    info: dict[int, tuple[str, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/statm") as f:
                rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
        name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
        children.setdefault(int(rest[1]), []).append(int(entry))
        info[int(entry)] = (name, rss)
    out, stack = {}, list(children.get(root, []))
    while stack:
        pid = stack.pop()
        if pid in info:
            out[pid] = info[pid]
        stack += children.get(pid, [])
    return out


def load() -> float:
    return round(os.getloadavg()[0], 2)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: list[str], rows: int) -> dict:
    """One CLI run: wall time, rows/s, CPU time and peak RSS of its processes."""
    start_load = load()
    cpu = children_cpu()
    with RssSampler() as sampler:
        started = time.perf_counter()
        proc = subprocess.Popen([CXTEXT, *args, "--no-progress"], stderr=subprocess.PIPE, text=True)
        _, err = proc.communicate()
        seconds = time.perf_counter() - started
    cpu = children_cpu() - cpu  # the CLI and its worker processes (a LocalCluster's workers are not its)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{err}")
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "cpu_seconds": round(cpu, 2),
        "rows_per_cpu_second": round(rows / cpu) if cpu else None,
        **sampler.summary(proc.pid),
        "load_average_1m_at_start": start_load,
    }


def same_output(a: Path, b: Path) -> bool:
    if a.suffix == ".parquet":
        return pq.read_table(a).equals(pq.read_table(b))
    return a.read_bytes() == b.read_bytes()


def bench_score(
    model: str, inputs: dict[int, dict[str, Path]], folder: Path, results: dict
) -> dict[str, Path]:
    outputs: dict[str, Path] = {}
    for n, paths in sorted(inputs.items()):
        for fmt, source in paths.items():
            for workers in (1, 2):
                out = folder / f"out_{n}_w{workers}.{fmt}"
                name = f"score_{fmt}_w{workers}_{n}"
                args = [
                    "score",
                    "--model",
                    model,
                    "--in",
                    str(source),
                    "--out",
                    str(out),
                    "--workers",
                    str(workers),
                ]
                results[name] = run(args, n)
                print(name, results[name], flush=True)
            results[f"score_{fmt}_{n}_identical"] = same_output(folder / f"out_{n}_w1.{fmt}", out)
            outputs[f"{fmt}_{n}"] = out
        for fmt in paths:
            one, two = results[f"score_{fmt}_w1_{n}"], results[f"score_{fmt}_w2_{n}"]
            results[f"score_{fmt}_{n}_speedup_w2"] = round(two["rows_per_second"] / one["rows_per_second"], 2)
    return outputs


def bench_cluster(model: str, source: Path, reference: Path, n: int, folder: Path, results: dict) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = folder / f"out_{n}_cluster.parquet"
        args = [
            "score",
            "--model",
            model,
            "--in",
            str(source),
            "--out",
            str(out),
            "--scheduler",
            cluster.scheduler_address,
        ]
        results[f"score_parquet_cluster_{n}"] = run(args, n)
        # the cluster's workers are this process' children, not the command's: its CPU is the client's
        cluster_run = results[f"score_parquet_cluster_{n}"]
        cluster_run["cpu_seconds_client"] = cluster_run.pop("cpu_seconds")
        cluster_run.pop("rows_per_cpu_second")
        results[f"score_parquet_cluster_{n}_identical"] = same_output(reference, out)
        one = results[f"score_parquet_w1_{n}"]["rows_per_second"]
        results[f"score_parquet_cluster_{n}_speedup"] = round(
            results[f"score_parquet_cluster_{n}"]["rows_per_second"] / one, 2
        )
        print("cluster", results[f"score_parquet_cluster_{n}"], flush=True)


def scored_input(model: str, n: int, cache: Path) -> Path:
    """The `n`-row Parquet input scored (2 workers, not timed), kept in the cache."""
    out = cache / f"scored_{n}.parquet"
    if not out.exists():
        source = make_inputs(n, cache, texts())["parquet"]
        partial = out.with_name(f".partial-{out.name}")
        subprocess.run([CXTEXT, "score", "--model", model, "--in", str(source), "--out", str(partial),
                        "--workers", "2", "--no-progress"], check=True)  # fmt: skip
        partial.replace(out)
    return out


def bench_drivers(
    scored_parquet: Path, n: int, driver_rows: int, csv_rows: int, folder: Path, cache: Path, results: dict
) -> None:
    """`drivers` on the scored Parquet replicated to `driver_rows` rows (2 workers, and a 2-worker
    `LocalCluster`), and on it replicated to `csv_rows` rows as CSV (1 and 2 workers): the analysis does
    not care that rows repeat, and scoring 10 million rows first would take hours."""
    from distributed import LocalCluster

    big = cache / f"scored_{driver_rows}_from_{n}.parquet"
    big_csv = cache / f"scored_{csv_rows}_from_{n}.csv"
    if not big.exists() or not big_csv.exists():
        table = pq.read_table(scored_parquet)
        if not big.exists():
            replicate(table, big, driver_rows)
        if not big_csv.exists():
            middle = cache / f"scored_{csv_rows}_from_{n}.parquet"
            if not middle.exists():
                replicate(table, middle, csv_rows)
            partial = big_csv.with_name(f".partial-{big_csv.name}")
            pacsv.write_csv(pq.read_table(middle), partial)
            partial.replace(big_csv)
        del table
    # the big Parquet with 2 workers and the cluster only: with 1 worker as well the full run would not fit
    # in 20 minutes
    for name, source, rows, engines in (
        ("parquet", big, driver_rows, ("w2", "cluster")),
        ("csv", big_csv, csv_rows, ("w1", "w2")),
    ):
        outputs = []
        for engine in engines:
            key = f"drivers_{name}_{engine}_{rows}"
            outputs.append(folder / f"{key}.json")
            args = ["drivers", "--in", str(source), "--segment", "channel", "--period", "month",
                    "--json", str(outputs[-1])]  # fmt: skip
            if engine == "cluster":
                with LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster:
                    # the cluster's workers are this process' children: only the client is measured
                    results[key] = run([*args, "--scheduler", cluster.scheduler_address], rows)
            else:
                results[key] = run([*args, "--workers", engine[1:]], rows)
            print(key, results[key], flush=True)
        results[f"drivers_{name}_{rows}_identical"] = all(same_output(outputs[0], out) for out in outputs)


def replicate(table: pa.Table, big: Path, driver_rows: int) -> None:
    """`table` repeated to `driver_rows` rows with ids renumbered (unique), in row groups of
    `ROW_GROUP_ROWS` whatever the size of `table`, written under a temporary name first so an
    interrupted run leaves no short file in the cache."""
    partial = big.with_name(f".partial-{big.name}")
    copies = pa.concat_tables([table] * max(1, -(-ROW_GROUP_ROWS // len(table))))
    with pq.ParquetWriter(partial, table.schema, compression="zstd") as writer:
        written = 0
        while written < driver_rows:
            part = copies.slice(0, min(ROW_GROUP_ROWS, driver_rows - written))
            ids = pa.array(
                np.char.add("r", np.arange(written, written + len(part)).astype(str)).astype(object)
            )
            part = part.set_column(part.schema.get_field_index("id"), "id", ids)  # ids stay unique
            writer.write_table(part, row_group_size=ROW_GROUP_ROWS)
            written += len(part)
    partial.replace(big)


def best_of(command: list[str], times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def old_format_copy(model: str, folder: Path) -> str:
    """The model as earlier versions saved it (compressed joblib, no ready-built lexicons): the baseline."""
    import shutil

    import joblib

    from models.artifact import CARD_FILE, LEXICONS_FILE, MODEL_FILE, load_artifact, sha256_file

    target = folder / "old-format"
    shutil.copytree(model, target)
    joblib.dump(load_artifact(model).model, target / MODEL_FILE, compress=3)
    (target / LEXICONS_FILE).unlink(missing_ok=True)
    card = json.loads((target / CARD_FILE).read_text(encoding="utf-8"))
    card["model_sha256"] = sha256_file(target / MODEL_FILE)
    card.pop("lexicons_sha256", None)
    (target / CARD_FILE).write_text(json.dumps(card), encoding="utf-8")
    return str(target)


def bench_start(model: str, folder: Path, results: dict) -> None:
    """Best of 3 cold processes each, old and new model format measured alternately (same load)."""
    old = old_format_copy(model, folder)
    load_code = (
        "import sys, time; t = time.perf_counter(); from models.artifact import load_artifact; "
        "i = time.perf_counter(); load_artifact(sys.argv[1]); e = time.perf_counter(); print(i - t, e - i)"
    )
    text = "غذا سرد رسید ولی پیک مودب بود"
    times: dict[str, list[float]] = {}
    for _ in range(3):
        for name, path in (("old_format", old), ("new_format", model)):
            started = time.perf_counter()
            subprocess.run([CXTEXT, "classify", "--model", path, text], check=True, capture_output=True)
            times.setdefault(f"classify_{name}", []).append(time.perf_counter() - started)
            out = subprocess.run(
                [sys.executable, "-c", load_code, path], check=True, capture_output=True, text=True, cwd=ROOT
            ).stdout.split()
            times.setdefault(f"imports_{name}", []).append(float(out[0]))
            times.setdefault(f"model_load_{name}", []).append(float(out[1]))
    started = time.perf_counter()
    subprocess.run(
        [CXTEXT, "classify", "--model", model, "The food arrived cold"], check=True, capture_output=True
    )
    english = time.perf_counter() - started
    results["start"] = {
        "help_seconds": best_of([CXTEXT, "--help"]),
        **{f"{name}_seconds": round(min(values), 3) for name, values in times.items()},
        "classify_english_new_format_seconds": round(english, 3),
        "load_average_1m_at_start": load(),
    }
    print("start", results["start"], flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--driver-rows", type=int, default=10_000_000)
    parser.add_argument("--driver-csv-rows", type=int, default=1_000_000)
    parser.add_argument("--model", default=str(ROOT / "models" / "default"))
    parser.add_argument("--phases", nargs="+", choices=PHASES, default=list(PHASES))
    parser.add_argument("--cache", metavar="DIR", help="keep generated inputs here between runs")
    args = parser.parse_args()
    results: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "rows": args.rows,
        "load_average_1m_at_start": load(),
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cxtext-scale-") as tmp:
        folder = Path(tmp)
        cache = Path(args.cache) if args.cache else folder
        cache.mkdir(parents=True, exist_ok=True)
        if "start" in args.phases:
            bench_start(args.model, folder, results)
        scored = None  # the scored `--rows` Parquet, when the score phase made it
        if {"score", "cluster"} & set(args.phases):
            pool = texts()
            inputs = {n: make_inputs(n, cache, pool) for n in (args.rows // 10, args.rows)}
            outputs = bench_score(args.model, inputs, folder, results)
            scored = outputs[f"parquet_{args.rows}"]
            if "cluster" in args.phases:
                bench_cluster(
                    args.model,
                    inputs[args.rows]["parquet"],
                    outputs[f"parquet_{args.rows}"],
                    args.rows,
                    folder,
                    results,
                )
            small, big = args.rows // 10, args.rows
            results[f"growth_{small}_to_{big}_w2_time_ratio"] = {
                fmt: round(
                    results[f"score_{fmt}_w2_{big}"]["seconds"]
                    / results[f"score_{fmt}_w2_{small}"]["seconds"],
                    2,
                )
                for fmt in ("csv", "parquet")
            }
        if "drivers" in args.phases:
            bench_drivers(
                scored or scored_input(args.model, args.rows, cache),
                args.rows,
                args.driver_rows,
                args.driver_csv_rows,
                folder,
                cache,
                results,
            )
    results["total_seconds"] = round(time.perf_counter() - started)
    if set(args.phases) != set(PHASES):  # a partial run updates its own figures, keeps the others
        kept = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
        results = {
            **kept,
            **{key: value for key, value in results.items() if key not in ("rows", "total_seconds")},
        }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
