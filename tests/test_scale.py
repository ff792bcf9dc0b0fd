"""`cxtext score` and `cxtext drivers` give the same output on one core, on two and on a Dask cluster;
Parquet round-trips with typed columns; bad inputs stop with one line and exit 2, and an interrupted run
leaves no output file behind."""

from __future__ import annotations

import csv
import json
import platform
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from distributed import LocalCluster

from cli import main
from cxtext.batch import score as batch_score
from cxtext.io.records import load_records
from tests import test_analysis_predict
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return test_analysis_predict.train_tiny_model(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c.scheduler_address


@pytest.fixture(scope="module")
def shared_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every 7th row of a Persian and an English shared file (scores, labels, drivers), with a date and a
    channel, plus one bad row; big enough to span several chunks."""
    records = [
        *load_records([shared_file("en/skytrax_airline_reviews_test.csv")]).records[::3],
        *load_records([shared_file("fa/digikala_comments_dev.csv")]).records[::7],
    ]
    path = tmp_path_factory.mktemp("slice") / "slice.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "text", "score", "score_scale", "sentiment", "date", "channel"])
        for i, r in enumerate(records):
            score = "" if r.score is None else f"{r.score:g}"
            writer.writerow([r.id, r.text, score, r.score_scale or "", r.sentiment or "",
                             f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "app" if i % 3 else "web"])  # fmt: skip
        writer.writerow(["bad-1", "fine text", "", "", "furious", "2024-01-01", "web"])
    assert len(records) > 300  # several chunks of CHUNK rows per worker
    return path


def to_parquet(source: Path, target: Path) -> Path:
    with open(source, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    table = pa.table({name: [r[name] or None for r in rows] for name in rows[0]})
    table = table.set_column(
        2, "score", pa.array([int(r["score"]) if r["score"] else None for r in rows], pa.int64())
    )
    pq.write_table(table, target, row_group_size=1500)
    return target


CHUNK = ["--chunk-rows", "64"]


def score(model: Path, source: Path, out: Path, *engine: str) -> int:
    args = ["score", "--model", str(model), "--in", str(source), "--out", str(out), "--batch-size", "16"]
    return main([*args, *CHUNK, "--no-progress", *engine])


def test_score_is_the_same_on_one_core_two_and_a_cluster(
    shared_slice: Path,
    tiny_model_dir: Path,
    cluster: str,
    tmp_path: Path,
) -> None:
    engines = {"one": ["--workers", "1"], "two": ["--workers", "2"], "dask": ["--scheduler", cluster]}
    parquet_in = to_parquet(shared_slice, tmp_path / "slice.parquet")
    csv_out, parquet_out = {}, {}
    for name, engine in engines.items():
        assert score(tiny_model_dir, shared_slice, tmp_path / f"{name}.csv", *engine) == 1  # the bad row
        assert score(tiny_model_dir, parquet_in, tmp_path / f"{name}.parquet", *engine) == 1
        csv_out[name] = (tmp_path / f"{name}.csv").read_bytes()
        parquet_out[name] = pq.read_table(tmp_path / f"{name}.parquet")
    assert csv_out["one"] == csv_out["two"] == csv_out["dask"]
    assert parquet_out["one"].equals(parquet_out["two"]) and parquet_out["one"].equals(parquet_out["dask"])

    with open(tmp_path / "one.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    table = parquet_out["one"]
    assert table.num_rows == len(rows) == len(load_records(shared_slice, strict=False).records)
    assert table.schema.field("score").type == pa.int64()  # an integer score stays an integer
    assert table.schema.field("churn_probability").type == pa.float64()
    assert table.column("id").to_pylist() == [r["id"] for r in rows]  # same rows, same order
    assert table.column("pred_sentiment").to_pylist() == [r["pred_sentiment"] for r in rows]
    assert table.column("churn_probability").to_pylist() == [float(r["churn_probability"]) for r in rows]
    assert not list(tmp_path.glob(".partial-*"))


def test_drivers_is_the_same_on_one_core_two_and_a_cluster(
    shared_slice: Path,
    tiny_model_dir: Path,
    cluster: str,
    tmp_path: Path,
) -> None:
    scored = tmp_path / "scored.parquet"
    assert score(tiny_model_dir, shared_slice, scored, "--workers", "2") == 1
    results = {}
    for name, engine in {
        "one": ["--workers", "1"],
        "two": ["--workers", "2"],
        "dask": ["--scheduler", cluster],
    }.items():
        out = tmp_path / f"{name}.json"
        args = ["drivers", "--in", str(scored), "--segment", "channel", "--period", "month",
                "--bootstrap", "200", "--json", str(out), "--no-progress", *CHUNK, *engine]  # fmt: skip
        assert main(args) == 0
        results[name] = json.loads(out.read_text(encoding="utf-8"))
    assert results["one"] == results["two"] == results["dask"]
    assert results["one"]["n"] == pq.ParquetFile(scored).metadata.num_rows
    assert results["one"]["nps"]["source"] == "score"
    assert {e["value"] for e in results["one"]["segments"]["channel"]} == {"app", "web"}


def test_bad_inputs_stop_with_one_line(
    tiny_model_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    no_text = tmp_path / "no_text.csv"
    no_text.write_text("id,comment\n1,hello\n", encoding="utf-8")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 this is not a parquet file")
    no_text_parquet = (
        pq.write_table(pa.table({"comment": ["hello"]}), tmp_path / "c.parquet") or tmp_path / "c.parquet"
    )
    cases = [
        (["score", "--model", str(tiny_model_dir), "--in", str(no_text), "--out", str(tmp_path / "o.csv")], "no 'text' column"),
        (["score", "--model", str(tiny_model_dir), "--in", str(broken), "--out", str(tmp_path / "o.csv")], "broken.parquet"),
        (["drivers", "--in", str(broken)], "not a readable Parquet file"),
        (["drivers", "--in", str(no_text_parquet)], "no 'text' column"),
        (["score", "--model", str(tiny_model_dir), "--in", str(no_text), "--out", str(tmp_path / "o.csv"),
          "--scheduler", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler at tcp://127.0.0.1:9"),
    ]  # fmt: skip
    for args, message in cases:
        assert main([*args, "--no-progress"]) == 2, args
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and message in err, err
    assert not (tmp_path / "o.csv").exists() and not list(tmp_path.glob(".partial-*"))


def test_an_interrupted_run_leaves_no_output(
    shared_slice: Path,
    tiny_model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    real = batch_score.score_chunk

    def interrupted(model, chunk, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(model, chunk, **kwargs)

    monkeypatch.setattr(batch_score, "score_chunk", interrupted)
    out = tmp_path / "scored.parquet"
    assert score(tiny_model_dir, shared_slice, out, "--workers", "1") == 130
    assert len(calls) == 2 and not out.exists() and not list(tmp_path.glob(".partial-*"))


def test_cluster_workers_keep_freed_memory_for_batch_work(
    shared_slice: Path, tiny_model_dir: Path, cluster: str, tmp_path: Path
) -> None:
    """The engine registers its allocator plugin on every worker (Dask's nanny pins glibc's thresholds at
    values that made scoring 10 % slower), and this process tunes its own allocator the same way."""
    from distributed import Client

    from cxtext.batch.allocator import keep_freed_memory
    from cxtext.batch.cluster import KeepFreedMemory

    assert score(tiny_model_dir, shared_slice, tmp_path / "out.csv", "--scheduler", cluster) == 1
    with Client(cluster, set_as_default=False) as client:
        plugins = client.run(lambda dask_worker: sorted(dask_worker.plugins))
    assert len(plugins) == 2 and all(KeepFreedMemory.name in names for names in plugins.values())
    assert keep_freed_memory() is (platform.libc_ver()[0] == "glibc")
