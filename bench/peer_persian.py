"""Side-by-side peer for the speed benchmark: PerSent (PyPI `persent`) on cxtext's Persian test texts.

PerSent's `CommentAnalyzer` is a word2vec + logistic-regression review classifier whose trained files ship inside
its wheel, so it runs offline. It answers recommended / not_recommended / no_idea, mapped here to positive /
negative / neutral. `accuracy_binary` is over rows whose gold label is positive or negative, with a `no_idea`
answer counted wrong (`coverage_binary` says how often the peer committed to a side); `accuracy_all` is over
every row (gold `mixed` can never be matched). Its pins clash with the project's, so this script runs in its
own venv (`bench/peer_setup.sh`) and must not import cxtext. Only the prediction loop is timed, best of
`--repeats` single-process passes; model loading is reported separately.

    bash bench/peer_setup.sh && bench/.peer-venv/bin/python bench/peer_persian.py --json OUT.json
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from importlib.metadata import version
from pathlib import Path

TEST_FILES = ("parsinlu_food_test.csv", "parsinlu_movie_test.csv")
TO_GOLD = {"recommended": "positive", "not_recommended": "negative", "no_idea": "neutral"}


def data_dir() -> Path:
    """Same rule as `cxtext.paths.shared_data_dir`, restated because this venv has no cxtext."""
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    return Path(os.environ.get("CXTEXT_DATA_DIR", default))


def load_rows(folder: Path) -> list[dict[str, str]]:
    """The Persian test rows (text, sentiment, source) of both ParsiNLU test splits."""
    rows: list[dict[str, str]] = []
    for name in TEST_FILES:
        with (folder / "fa" / name).open(encoding="utf-8", newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def scores(gold: list[str], predicted: list[str]) -> dict[str, float | int]:
    """Binary accuracy and coverage on positive/negative gold rows, and accuracy on all rows."""
    binary = [(g, p) for g, p in zip(gold, predicted, strict=True) if g in ("positive", "negative")]
    return {
        "n": len(gold),
        "n_binary": len(binary),
        "accuracy_binary": round(sum(g == p for g, p in binary) / len(binary), 4),
        "coverage_binary": round(sum(p != "neutral" for _, p in binary) / len(binary), 4),
        "accuracy_all": round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold), 4),
    }


def run(repeats: int) -> dict[str, object]:
    """Load PerSent from its packaged files, predict every test text, score and time it."""
    start = time.perf_counter()
    import PerSent  # the peer's venv only: deferred so that load time is measured

    analyzer = PerSent.CommentAnalyzer(model_dir=str(PerSent.MODEL_DIR))
    analyzer.loadModel()
    load_s = time.perf_counter() - start

    rows = load_rows(data_dir())
    texts = [row["text"] for row in rows]
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        answers = [analyzer.analyzeText(text) for text in texts]
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)

    predicted = [TO_GOLD[answer] for answer in answers]
    by_source = {
        source: scores(
            [r["sentiment"] for r in rows if r["source"] == source],
            [p for r, p in zip(rows, predicted, strict=True) if r["source"] == source],
        )
        for source in sorted({row["source"] for row in rows})
    }
    return {
        "package": "persent",
        "version": version("persent"),
        **scores([row["sentiment"] for row in rows], predicted),
        "texts_per_s": round(len(texts) / best_wall, 1),
        "texts_per_cpu_s": round(len(texts) / best_cpu, 1),
        "load_s": round(load_s, 3),
        "by_source": by_source,
        "notes": (
            "PerSent CommentAnalyzer (word2vec+LogisticRegression, model inside the wheel); "
            "recommended->positive, not_recommended->negative, no_idea->neutral (wrong on binary rows); "
            f"single process, best of {repeats} passes; load_s = import + model load"
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the result to this file")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes; the fastest counts")
    args = parser.parse_args()
    result = run(args.repeats)
    text = json.dumps(result, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
