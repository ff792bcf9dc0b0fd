"""Quality benchmark: train on the shared data's train/dev splits, report on its test splits.

Compares, per dataset, side by side with the published figures in ../shared/data/ANCHORS.md:
- `shared`:   one joint model trained on every shared train/dev split (what an analyst would train);
- `shared+corpus`: the same plus the project's own starter corpus;
- `default`:  the out-of-the-box model, trained on the starter corpus only (never on shared data);
- `specialist`: per target dataset, a model trained on that dataset's own train/dev split only (what an
  analyst with one labelled source gets; the joint model mixes label conventions, see the data README);
- Persian ablation: which Persian source helps how much.
Writes bench/results/quality.json and the same tables as quality.md. Run: .venv/bin/python bench/quality.py
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

from cxtext.model import FeedbackModel
from cxtext.paths import shared_data_dir
from cxtext.schema import Record
from training.data import load_records
from training.evaluate import evaluate
from training.sources import with_label_coverage
from training.train import corpus_files

RESULTS = Path(__file__).resolve().parent / "results" / "quality.json"
REPORT: list[str] = []  # the Markdown lines, printed as they come and written beside the JSON

# Published figures (ANCHORS.md); "same task" says whether the label set/split matches ours.
PUBLISHED = {
    "parsinlu_food": {
        "note": "no published figure on this 4-driver mapping; targets: sentiment acc ≥ 0.85, drivers micro-F1 ≥ 0.85"
    },
    "semeval14_restaurants": {
        "drivers.micro_f1": "BERT-pair-NLI-B 92.18, 2014 best SVM ≈ 88.6 (official 5 categories — context, not the same task)",
        "driver_sentiment.accuracy": "BERT-pair-QA-B 85.9 (4-way, official categories)",
    },
    "airline_tweets": {
        "sentiment.accuracy": "MultinomialNB 77.18, linear SVM 78.79, RoBERTa 86.2 (each on its own random split)"
    },
    "mams_acsa": {"note": "CapsNet-BERT 83.39 accuracy (variant not stated)"},
}

TARGETS = {
    ("parsinlu_food", "sentiment.accuracy"): 0.85,
    ("parsinlu_food", "drivers.micro_f1"): 0.85,
    ("semeval14_restaurants", "drivers.micro_f1"): 0.90,
    ("semeval14_restaurants", "driver_sentiment.accuracy"): 0.86,
    ("airline_tweets", "sentiment.accuracy"): 0.83,
}
DEFAULT_TARGETS = {"sentiment.accuracy fa": 0.75, "sentiment.accuracy en": 0.75, "drivers.micro_f1": 0.65}

KEYS = (
    "sentiment.accuracy",
    "sentiment.macro_f1",
    "drivers.micro_f1",
    "drivers.macro_f1",
    "driver_sentiment.accuracy",
    "nps_category.macro_f1",
    "churn.f1",
)


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def shared_splits(data_dir: Path) -> tuple[list[Record], list[Record]]:
    """Train+dev and test records; training texts that also occur in any test split are dropped
    (66 sentences are shared by MAMS and SemEval-14, see the data README)."""
    train = load_records(sorted(p for p in data_dir.glob("*/*.csv") if not p.stem.endswith("_test"))).records
    test = load_records(sorted(data_dir.glob("*/*_test.csv"))).records
    test_texts = {_key(r.text) for r in test}
    return [r for r in train if _key(r.text) not in test_texts], test


def say(line: str = "") -> None:
    print(line, flush=True)
    REPORT.append(line)


def pick(section: dict, dotted: str) -> float | None:
    head, metric = dotted.split(".")
    return (section.get(head) or {}).get(metric)


def run_config(name: str, train: Sequence[Record], test: Sequence[Record]) -> dict:
    started = time.perf_counter()
    model = FeedbackModel().fit(with_label_coverage(train))
    seconds = time.perf_counter() - started
    report = evaluate(model, test, max_errors=5)
    table = {
        ds: {k: pick(section, k) for k in KEYS} | {"n": section["n"]}
        for ds, section in report["by_dataset"].items()
    }
    by_lang = {lang: {k: pick(section, k) for k in KEYS} for lang, section in report["by_language"].items()}
    say(f"\n## {name}: {len(train)} training texts, fit {seconds:.0f} s")
    say("| dataset | n | " + " | ".join(KEYS) + " |")
    say("|---|---|" + "---|" * len(KEYS))
    for ds, row in table.items():
        cells = " | ".join("–" if row[k] is None else f"{row[k]:.3f}" for k in KEYS)
        say(f"| {ds} | {row['n']} | {cells} |")
    return {
        "train_texts": len(train),
        "fit_seconds": round(seconds, 1),
        "by_dataset": table,
        "by_language": by_lang,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=shared_data_dir(), help="shared data folder")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    train, test = shared_splits(args.data)
    corpus = load_records(corpus_files()).records
    persian_test = [r for r in test if r.lang == "fa"]
    food_train = [r for r in train if r.source == "parsinlu_food"]
    movie_train = [r for r in train if r.source == "parsinlu_movie"]
    corpus_fa = [r for r in corpus if r.lang in ("fa", "fa-Latn")]

    results = {
        "shared": run_config("shared (all shared train/dev)", train, test),
        "shared+corpus": run_config("shared + starter corpus", [*train, *corpus], test),
        "default": run_config("default (starter corpus only — out of the box)", corpus, test),
        "specialist": {
            ds: run_config(
                f"specialist: {ds} only",
                [r for r in train if r.source == ds],
                [r for r in test if r.source == ds],
            )
            for ds in ("semeval14_restaurants", "airline_tweets", "mams_acsa")
        },
        "persian_ablation": {
            "parsinlu_food": run_config("fa: parsinlu_food only", food_train, persian_test),
            "parsinlu_food+movie": run_config("fa: food + movie", [*food_train, *movie_train], persian_test),
            "parsinlu_food+corpus_fa": run_config(
                "fa: food + Persian corpus", [*food_train, *corpus_fa], persian_test
            ),
            "corpus_fa": run_config("fa: Persian corpus only", corpus_fa, persian_test),
        },
    }
    checks = []
    for config in ("shared", "shared+corpus", "specialist"):
        for (ds, key), target in TARGETS.items():
            section = results[config].get(ds) if config == "specialist" else results[config]
            if section is None:
                continue
            value = section["by_dataset"].get(ds, {}).get(key)
            checks.append(
                {
                    "config": config,
                    "dataset": ds,
                    "metric": key,
                    "value": value,
                    "target": target,
                    "met": value is not None and value >= target,
                }
            )
    default = results["default"]
    for lang in ("fa", "en"):
        value = (default["by_language"].get(lang) or {}).get("sentiment.accuracy")
        checks.append(
            {
                "config": "default",
                "dataset": f"all {lang} test",
                "metric": "sentiment.accuracy",
                "value": value,
                "target": 0.75,
                "met": value is not None and value >= 0.75,
            }
        )
    for ds, row in default["by_dataset"].items():
        if row["drivers.micro_f1"] is not None:
            checks.append(
                {
                    "config": "default",
                    "dataset": ds,
                    "metric": "drivers.micro_f1",
                    "value": row["drivers.micro_f1"],
                    "target": 0.65,
                    "met": row["drivers.micro_f1"] >= 0.65,
                }
            )
    say("\n## targets")
    for c in checks:
        value = "–" if c["value"] is None else f"{c['value']:.3f}"
        say(
            f"- [{'x' if c['met'] else ' '}] {c['config']}: {c['dataset']} {c['metric']} = {value} (target {c['target']})"
        )
    results["targets"] = checks
    results["published"] = PUBLISHED
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    args.out.with_suffix(".md").write_text("\n".join(REPORT).lstrip() + "\n", encoding="utf-8")
    print(f"\nwrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
