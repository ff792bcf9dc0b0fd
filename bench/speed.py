"""Speed benchmark: full classification (every head plus explanations) in process, one core.

Reports per language: batched texts/s, one-text-at-a-time texts/s with p50/p99 latency; model load time,
artifact size and peak RSS; and a Persian sentiment package from PyPI on the same texts as a peer
(run in its own venv by bench/peer_setup.sh, since its pins differ from ours).
Writes bench/results/speed.json. Run: .venv/bin/python bench/speed.py [--model DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from cxtext.io.records import load_records
from cxtext.paths import models_dir, shared_data_dir
from models.artifact import load_artifact

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results" / "speed.json"
PEER_PYTHON = BENCH / ".peer-venv" / "bin" / "python"


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def batched(model, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    for i in range(0, len(texts), batch_size):
        model.classify(texts[i : i + batch_size])
    return len(texts) / (time.perf_counter() - started)


def one_at_a_time(model, texts: list[str]) -> dict:
    latencies = []
    for text in texts:
        started = time.perf_counter()
        model.classify([text])
        latencies.append(time.perf_counter() - started)
    ms = np.array(latencies) * 1000
    return {
        "texts_per_s": round(len(texts) / ms.sum() * 1000, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p99_ms": round(float(np.percentile(ms, 99)), 3),
        "max_ms": round(float(ms.max()), 3),
    }


def peer(data_dir: Path) -> dict | None:
    if not PEER_PYTHON.exists():
        print("peer: bench/.peer-venv missing — run bench/peer_setup.sh first", file=sys.stderr)
        return None
    out = BENCH / "results" / "peer_persian.json"
    subprocess.run(
        [str(PEER_PYTHON), str(BENCH / "peer_persian.py"), "--json", str(out)],
        check=True,
        env={"CXTEXT_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
    )
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=models_dir() / "default")
    parser.add_argument("--data", type=Path, default=shared_data_dir())
    parser.add_argument("--single", type=int, default=1000, help="texts timed one at a time, per language")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    started = time.perf_counter()
    loaded = load_artifact(args.model)
    load_seconds = time.perf_counter() - started
    test = load_records(sorted(args.data.glob("*/*_test.csv"))).records
    results: dict = {
        "model": loaded.version,
        "model_path": str(args.model),
        "load_seconds": round(load_seconds, 2),
        "artifact_mb": round(folder_size(args.model) / 2**20, 2),
        "by_language": {},
    }
    fa_texts = [r.text for r in test if r.lang == "fa"]
    en_texts = [r.text for r in test if r.lang == "en"]
    tweets = [r.text for r in test if r.source == "airline_tweets"]
    with threadpool_limits(1):  # "per core": BLAS may not borrow the second core
        loaded.model.classify(en_texts[:50] + fa_texts[:50])  # warm caches as a serving process would be
        for lang, texts in (("fa", fa_texts), ("en", en_texts), ("en tweets", tweets)):
            # repeat short corpora so every measurement runs long enough to be stable
            pool = (texts * (1 + 3000 // len(texts)))[: max(3000, len(texts))]
            batched(loaded.model, pool, args.batch_size)  # first pass fills the per-word caches
            rate = batched(loaded.model, pool, args.batch_size)
            row = {
                "texts": len(texts),
                "mean_chars": round(float(np.mean([len(t) for t in texts])), 1),
                "batched_texts_per_s": round(rate, 1),
                "batched_chars_per_s": round(rate * float(np.mean([len(t) for t in pool]))),
                "single": one_at_a_time(
                    loaded.model, pool[:: max(1, len(pool) // args.single)][: args.single]
                ),
            }
            results["by_language"][lang] = row
            print(
                f"{lang}: {row['texts']} texts (mean {row['mean_chars']} chars): batched "
                f"{row['batched_texts_per_s']:.0f} texts/s ({row['batched_chars_per_s']:,} chars/s); one at a time {row['single']['texts_per_s']:.0f}/s, "
                f"p50 {row['single']['p50_ms']:.2f} ms, p99 {row['single']['p99_ms']:.2f} ms"
            )
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(
        f"model load {results['load_seconds']} s, artifact {results['artifact_mb']} MB, "
        f"peak RSS {results['peak_rss_mb']} MB"
    )
    if not args.no_peer:
        results["peer"] = peer(args.data)
        if results["peer"]:
            print(f"peer: {json.dumps(results['peer'], ensure_ascii=False)}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
