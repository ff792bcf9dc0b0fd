"""Quality benchmark: cxtext beside a plain TF-IDF + logistic-regression baseline on every shared dataset.

Trains, in one run and on the same rows:
- `cxtext`: one joint model (both languages, `source_features=True`, as `cxtext train --per-source`
  trains it) on every shared `train` split, scored with each text's
  source declared (its dataset's learnt label conventions apply), and beside it as `undeclared` with
  no source (shared weights only, as a text of unknown origin);
- `plain pooled`: TF-IDF (word 1–2-grams + char 2–5-grams) + LogisticRegression per head, same rows;
- `plain per-dataset`: the same baseline trained on each dataset's own train split alone;
- `default`: the out-of-the-box model (starter corpus only, never shared data).
Each is scored on the dataset's `test` split, or `dev` where there is no shared test split. Polarity
accuracy (P(positive) vs P(negative) on positive/negative gold rows) is the figure comparable with binary
peers. Fit time and peak RSS of cxtext are measured at 10k / 20k / 40k / all training rows, each fit in
its own process. Writes bench/results/quality.json and quality.md.
Run: .venv/bin/python bench/quality.py   (about 15 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from cxtext.io.records import load_records
from cxtext.model import FeedbackModel
from cxtext.paths import shared_data_dir
from cxtext.schema import POLARITY_LABELS, Record
from training import metrics
from training.evaluate import evaluate
from training.sources import with_label_coverage
from training.train import corpus_files

RESULTS = Path(__file__).resolve().parent / "results" / "quality.json"
REPORT: list[str] = []
# Why cxtext does not beat the better plain baseline by a point where it does not (from the measured
# table; `--render` rewrites quality.md after an edit here without retraining).
WHY_NOT: dict[str, str] = {
    "airline_tweets": "within noise (s.e. ≈ 1 point at n = 1,412): sentiment +0.0, polarity −0.7; per-source "
    "features took sentiment from 0.807 to 0.815; polarity errors are sarcasm, which no tried lever fixes",
    "deepsentipers": "its neutral is partly editorial product description: per-source features learn that "
    "convention (0.704 → 0.730, level with the per-dataset baseline) but not more (now 0.734, +0.4); "
    "undeclared, the shared weights read it as the majority does",
    "digikala_recommend": "'recommended' is the buyer's verdict, not the text's tone: per-source features "
    "took sentiment 0.837 → 0.884 and polarity 0.879 → 0.893, down-weighting contradicted two-way rows "
    "to 0.890 / 0.899; still −0.7 to −2.6 behind the baseline trained on this set alone (n = 535, s.e. ≈ "
    "1.3 points); not tried: self-training",
    "snappfood": "noisy labels (complaints labelled HAPPY): down-weighting the two-way rows that out-of-fold "
    "polarity models contradict took polarity 0.858 → 0.862 (+0.7) and 4-class sentiment 0.848 → 0.853; "
    "sentiment_accuracy is 4-class against a 2-class baseline (compare polarity)",
}
# How far each missed target of issue 10 is, and what was tried (from the measured tables of sessions 2–12).
TARGET_GAPS: dict[tuple[str, str], str] = {
    ("snappfood", "polarity_accuracy"): (
        "ParsBERT's 0.88 is a pretrained transformer's; linear models on these labels top out near 0.86 "
        "(wider n-grams, C, NB weighting, FastText vectors, per-source features, the pole check); many "
        "two-way errors are complaints labelled HAPPY"
    ),
    ("digikala_recommend", "polarity_accuracy"): (
        "within noise (s.e. ≈ 1.3 points); the label is the buyer's verdict, learnt by per-source features "
        "and the pole check"
    ),
    ("digikala_comments", "sentiment_accuracy"): (
        "the label is the buyer's recommend answer mapped to four classes; both plain baselines stay at 0.81"
    ),
    ("deepsentipers", "sentiment_accuracy"): (
        "its neutral is partly editorial text; per-source features took it from 0.70 to 0.73, level with the "
        "baseline trained on it alone; leaving half the sentiment rows without a private copy cost 1.8 points"
    ),
    (
        "parsinlu_food",
        "sentiment_accuracy",
    ): "n = 192 (s.e. ≈ 2.8 points); 2.6 points ahead of both baselines",
    ("semeval14_restaurants", "drivers_micro_f1"): (
        "per-source driver features took F1 0.881 → 0.892; trained on SemEval alone, cxtext reaches 0.901; "
        "C_drivers = 16 added 0.2"
    ),
    ("semeval14_restaurants", "sentiment_accuracy"): (
        "4-class with 'conflict' as mixed; 4 points ahead of both baselines; C_sentiment = 2 gained 1.2 "
        "points here and lost on DeepSentiPers and Digikala"
    ),
    ("airline_tweets", "sentiment_accuracy"): (
        "the errors are sarcasm and implicit complaints; level with the per-dataset baseline"
    ),
}
DEFAULT_GAPS = (
    "the default model learns from the 15k-row starter corpus and the lexicons only (no third-party text): "
    "each hand-written batch of rows or idioms in the styles it misreads added 0.1–0.7 points; the rest is "
    "sarcasm, implicit complaints, the buyer's verdict on mixed reviews and SnappFood's label noise"
)
MIN_ROWS_FOR_CLAIM = 500  # datasets with at least this many evaluation rows must beat the baseline by 1 point

TARGETS = {  # issue 10, one model on all shared train splits
    ("snappfood", "polarity_accuracy"): 0.88,
    ("digikala_recommend", "polarity_accuracy"): 0.90,
    ("digikala_comments", "sentiment_accuracy"): 0.85,
    ("digikala_comments", "nps_macro_f1"): 0.60,
    ("deepsentipers", "sentiment_accuracy"): 0.77,
    ("parsinlu_food", "sentiment_accuracy"): 0.85,
    ("semeval14_restaurants", "drivers_micro_f1"): 0.90,
    ("semeval14_restaurants", "sentiment_accuracy"): 0.82,
    ("airline_tweets", "sentiment_accuracy"): 0.83,
}
DEFAULT_TARGETS = {
    ("snappfood", "polarity_accuracy"): 0.86,
    ("digikala_recommend", "polarity_accuracy"): 0.86,
    ("deepsentipers", "sentiment_accuracy"): 0.62,
    ("airline_tweets", "sentiment_accuracy"): 0.75,
    ("semeval14_restaurants", "sentiment_accuracy"): 0.75,
}
METRICS = ("sentiment_accuracy", "polarity_accuracy", "drivers_micro_f1", "nps_macro_f1")


def say(line: str = "") -> None:
    print(line, flush=True)
    REPORT.append(line)


def splits(data_dir: Path) -> tuple[list[Record], list[Record]]:
    """Every `train` split, and per dataset its `test` split (else `dev`); training texts that also occur
    in any evaluation split are dropped (MAMS and SemEval share sentences)."""
    train = load_records(sorted(data_dir.glob("*/*_train.csv"))).records
    evaluation: list[Path] = []
    for path in sorted(data_dir.glob("*/*.csv")):
        dataset, split = path.stem.rsplit("_", 1)
        has_test = (path.parent / f"{dataset}_test.csv").exists()
        if split == "test" or (split == "dev" and not has_test):
            evaluation.append(path)
    held = load_records(evaluation).records
    seen = {" ".join(r.text.lower().split()) for r in held}
    train = [r for r in train if " ".join(r.text.lower().split()) not in seen]
    return with_label_coverage(train), with_label_coverage(held)


def cxtext_scores(
    model: FeedbackModel, records: Sequence[Record], use_sources: bool = True
) -> dict[str, dict]:
    """Per dataset scores; `use_sources=False` scores every text as one of unknown origin (no declared
    source, so no per-source conventions): what a new customer's text gets."""
    report = evaluate(model, records, max_errors=0, use_sources=use_sources)
    out = {}
    for dataset, section in report["by_dataset"].items():
        out[dataset] = {
            "n": section["n"],
            "sentiment_accuracy": section["sentiment"]["accuracy"],
            "polarity_accuracy": section["sentiment"].get("polarity_accuracy"),
            "drivers_micro_f1": section["drivers"]["micro_f1"],
            "nps_macro_f1": section["nps_category"]["macro_f1"],
        }
    return out


def default_scores(held: Sequence[Record]) -> dict[str, dict]:
    """The out-of-the-box model (starter corpus only, as `cxtext train --default` builds it) on `held`."""
    return cxtext_scores(FeedbackModel().fit(with_label_coverage(load_records(corpus_files()).records)), held)


class PlainBaseline:
    """TF-IDF word 1–2-grams + char 2–5-grams, one LogisticRegression per head (drivers one-vs-rest)."""

    def fit(self, records: Sequence[Record]) -> PlainBaseline:
        self.words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
        texts = [r.text for r in records]
        X = sp.hstack([self.words.fit_transform(texts), self.chars.fit_transform(texts)]).tocsr()
        self.heads: dict[str, LogisticRegression] = {}
        for head in ("sentiment", "nps_category"):
            rows = [i for i, r in enumerate(records) if getattr(r, head)]
            labels = [getattr(records[i], head) for i in rows]
            if len(set(labels)) >= 2:
                self.heads[head] = LogisticRegression(max_iter=1000).fit(X[rows], labels)
        rows = [i for i, r in enumerate(records) if r.drivers is not None]
        for driver in sorted({d for i in rows for d in records[i].drivers or ()}):
            y = [driver in (records[i].drivers or ()) for i in rows]
            if 2 <= sum(y) < len(y):
                self.heads[f"driver:{driver}"] = LogisticRegression(max_iter=1000).fit(X[rows], y)
        return self

    def scores(self, records: Sequence[Record]) -> dict[str, dict]:
        texts = [r.text for r in records]
        X = sp.hstack([self.words.transform(texts), self.chars.transform(texts)]).tocsr()
        by_dataset: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(records):
            by_dataset[r.source or "(no source)"].append(i)
        predicted = {head: model.predict(X) for head, model in self.heads.items()}
        proba = {head: model.predict_proba(X) for head, model in self.heads.items()}
        return {
            dataset: self._section(records, rows, predicted, proba) for dataset, rows in by_dataset.items()
        }

    def _section(self, records, rows, predicted, proba) -> dict:
        out: dict = {"n": len(rows)}
        for head, key in (("sentiment", "sentiment_accuracy"), ("nps_category", "nps_macro_f1")):
            gold = [(i, getattr(records[i], head)) for i in rows if getattr(records[i], head)]
            if not gold or head not in self.heads:
                out[key] = None
                continue
            pairs = [(g, predicted[head][i]) for i, g in gold]
            score = metrics.accuracy if head == "sentiment" else metrics.macro_f1
            out[key] = score([g for g, _ in pairs], [p for _, p in pairs])
        out["polarity_accuracy"] = self._polarity(records, rows, proba)
        out["drivers_micro_f1"] = self._drivers(records, rows, predicted)
        return out

    def _polarity(self, records, rows, proba) -> float | None:
        model = self.heads.get("sentiment")
        if model is None or not set(POLARITY_LABELS) <= set(model.classes_):
            return None
        negative, positive = (list(model.classes_).index(label) for label in POLARITY_LABELS)
        gold = [(i, records[i].sentiment) for i in rows if records[i].sentiment in POLARITY_LABELS]
        if not gold:
            return None
        chosen = [
            "positive" if proba["sentiment"][i][positive] >= proba["sentiment"][i][negative] else "negative"
            for i, _ in gold
        ]
        return metrics.accuracy([g for _, g in gold], chosen)

    def _drivers(self, records, rows, predicted) -> float | None:
        labelled = [i for i in rows if records[i].drivers is not None]
        names = [h.split(":", 1)[1] for h in self.heads if h.startswith("driver:")]
        if not labelled or not names:
            return None
        gold = [set(records[i].drivers or ()) for i in labelled]
        pred = [{d for d in names if predicted[f"driver:{d}"][i]} for i in labelled]
        return metrics.multilabel_scores(gold, pred, names)["micro_f1"]


def fit_in_child(records_file: Path, n: int | None, out: Path) -> dict:
    """Fit cxtext on the first n training rows in a fresh process: its wall time, peak RSS and whether
    every head's solver converged."""
    subprocess.run(
        [sys.executable, __file__, "--fit-child", str(records_file), str(n or 0), str(out)], check=True
    )
    model, seconds, rows, unconverged = pickle.loads(out.read_bytes())
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # largest child so far
    return {
        "rows": rows,
        "fit_seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_mb),
        "unconverged": unconverged,
        "load_1min": round(os.getloadavg()[0], 1),  # others' work on the same cores slows the fit
        "model": model,
    }


def fit_child(records_file: Path, n: int, out: Path) -> None:
    """The child of `fit_in_child`: fit, time, and list the solvers that stopped before converging
    (scikit-learn's ConvergenceWarning, or a `PolaritySoftmax` at its iteration limit)."""
    rows = pickle.loads(records_file.read_bytes())[: n or None]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        started = time.perf_counter()
        model = FeedbackModel(source_features=True).fit(rows)
        seconds = time.perf_counter() - started
    unconverged = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    for name, head in model.heads_.items():
        for estimator in [getattr(head, "estimator_", None), *getattr(head, "estimators_", {}).values()]:
            if getattr(estimator, "converged_", True) is False:
                unconverged.append(f"{name}: stopped at {estimator.n_iter_} iterations")
    out.write_bytes(pickle.dumps((model, seconds, len(rows), unconverged)))


def fit_cxtext(train: list[Record], held: list[Record], sizes: Sequence[int]) -> dict:
    """cxtext fitted on the first `sizes` and then all (shuffled) training rows, each in its own process
    (fit time, peak RSS, load average), and the all-rows model's scores with and without sources."""
    with tempfile.TemporaryDirectory() as tmp:
        records_file = Path(tmp) / "train.pkl"
        mixed = list(train)
        random.Random(0).shuffle(mixed)  # every prefix has the same mix of datasets, languages and heads
        records_file.write_bytes(pickle.dumps(mixed))
        scaling = []
        for n in [*sorted(s for s in sizes if s < len(train)), None]:  # increasing: RSS is a running max
            fit = fit_in_child(records_file, n, Path(tmp) / "model.pkl")
            model = fit.pop("model")
            scaling.append(fit)
            say(
                f"- cxtext fit on {fit['rows']} rows: {fit['fit_seconds']} s, peak RSS {fit['peak_rss_mb']} MB, "
                f"load {fit['load_1min']}"
            )
    return {
        "scaling": scaling,
        "cxtext": cxtext_scores(model, held),
        "cxtext_undeclared": cxtext_scores(model, held, use_sources=False),
    }


def render(results: dict) -> list[dict]:
    """The Markdown tables (said, so kept in REPORT) and one claim per (dataset, metric)."""
    say(
        "\n| dataset | n | metric | cxtext | cxtext undeclared | plain pooled | plain per-dataset | Δ vs better plain (points) "
        "| default | target | why not ≥ +1 |"
    )
    say("|---|---|---|---|---|---|---|---|---|---|---|")
    claims = []
    for dataset, row in sorted(results["cxtext"].items()):
        for metric in METRICS:
            ours = row.get(metric)
            if ours is None:
                continue
            pooled = results["plain_pooled"].get(dataset, {}).get(metric)
            alone = results["plain_per_dataset"].get(dataset, {}).get(metric)
            better = max((v for v in (pooled, alone) if v is not None), default=None)
            delta = None if better is None else ours - better
            target = TARGETS.get((dataset, metric))
            default_target = DEFAULT_TARGETS.get((dataset, metric))
            default = results["default"].get(dataset, {}).get(metric)
            undeclared = results.get("cxtext_undeclared", {}).get(dataset, {}).get(metric)
            short = delta is not None and delta < 0.01 and row["n"] >= MIN_ROWS_FOR_CLAIM
            say(
                f"| {dataset} | {row['n']} | {metric} | {fmt(ours)} | {fmt(undeclared)} | {fmt(pooled)} | {fmt(alone)} | "
                f"{'–' if delta is None else f'{100 * delta:+.1f}'} | {fmt(default)}"
                f"{'' if default_target is None else f' (≥ {default_target})'} | "
                f"{'–' if target is None else f'≥ {target}'} | {WHY_NOT.get(dataset, '') if short else ''} |"
            )
            claims.append(
                {
                    "dataset": dataset,
                    "metric": metric,
                    "n": row["n"],
                    "cxtext": ours,
                    "cxtext_undeclared": undeclared,
                    "better_plain": better,
                    "beats_by_1_point": None if delta is None else delta >= 0.01,
                    "target": target,
                    "target_met": None if target is None else ours >= target,
                    "default": default,
                    "default_target": default_target,
                    "default_target_met": None
                    if default_target is None or default is None
                    else default >= default_target,
                }
            )
    render_targets(results)
    say("\n## scaling (cxtext fit, all heads, each in its own process)")
    say(
        "| rows | fit s | × time for × rows (vs the row above) | peak RSS MB | unconverged solvers | load (1 min, at the end) |"
    )
    say("|---|---|---|---|---|---|")
    previous = None
    for fit in results["scaling"]:
        growth = "–"
        if previous:
            growth = (
                f"{fit['fit_seconds'] / previous['fit_seconds']:.2f} for {fit['rows'] / previous['rows']:.2f}"
            )
        unconverged = fit.get("unconverged")
        say(
            f"| {fit['rows']} | {fit['fit_seconds']} | {growth} | {fit['peak_rss_mb']} | "
            f"{'–' if unconverged is None else len(unconverged)} | {fit.get('load_1min', '–')} |"
        )
        previous = fit
    return claims


def render_targets(results: dict) -> None:
    """Issue 10's targets: the trained model's and the default model's, met or how far, and why."""
    say("\n## targets (issue 10)")
    say("| model | dataset | metric | n | value | target | gap (points) | s.e. (points) | why not met |")
    say("|---|---|---|---|---|---|---|---|---|")
    for column, targets in (("cxtext", TARGETS), ("default", DEFAULT_TARGETS)):
        for (dataset, metric), target in targets.items():
            value = results[column].get(dataset, {}).get(metric)
            n = results["cxtext"].get(dataset, {}).get("n", 0)
            if value is None:
                continue
            gap = 100 * (value - target)
            se = 100 * (value * (1 - value) / n) ** 0.5 if n else float("nan")
            if gap >= 0:
                why = ""
            elif column == "cxtext":
                why = TARGET_GAPS.get((dataset, metric), "")
            else:
                why = DEFAULT_GAPS
            say(
                f"| {'trained' if column == 'cxtext' else 'default'} | {dataset} | {metric} | {n} | {fmt(value)} | "
                f"{target} | {'met' if gap >= 0 else f'{gap:+.1f}'} | {se:.1f} | {why} |"
            )


def fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=shared_data_dir(), help="shared data folder")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 20_000, 40_000])
    parser.add_argument("--render", action="store_true", help="only rewrite quality.md from quality.json")
    parser.add_argument(
        "--default-only",
        action="store_true",
        help="retrain only the out-of-the-box model (after a corpus change) and refresh its column",
    )
    parser.add_argument(
        "--cxtext-only",
        action="store_true",
        help="refit only cxtext (at --sizes, then all rows) and refresh its columns and the scaling table, "
        "keeping the baselines and default model of the existing quality.json (they do not change with it)",
    )
    parser.add_argument("--fit-child", nargs=3, metavar=("RECORDS", "N", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fit_child:
        records_file, n, out = args.fit_child
        fit_child(Path(records_file), int(n), Path(out))
        return 0
    if args.render or args.default_only or args.cxtext_only:
        results = json.loads(args.out.read_text(encoding="utf-8"))
        say(f"# Quality (tables rendered from {args.out.name})")
        if args.default_only:
            results["default"] = default_scores(splits(args.data)[1])
        if args.cxtext_only:
            results.update(fit_cxtext(*splits(args.data), args.sizes))
        results["claims"] = render(results)
        args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
        args.out.with_suffix(".md").write_text("\n".join(REPORT).lstrip() + "\n", encoding="utf-8")
        return 0

    train, held = splits(args.data)
    say(f"# Quality: {len(train)} training texts, {len(held)} evaluation texts\n")
    results = fit_cxtext(train, held, args.sizes)
    started = time.perf_counter()
    results["plain_pooled"] = PlainBaseline().fit(train).scores(held)
    say(f"- plain pooled baseline fit + score: {time.perf_counter() - started:.0f} s")
    per_dataset: dict[str, dict] = {}
    for dataset in sorted({r.source for r in held if r.source}):
        rows = [r for r in train if r.source == dataset]
        if rows:
            per_dataset[dataset] = (
                PlainBaseline().fit(rows).scores([r for r in held if r.source == dataset])[dataset]
            )
    results["plain_per_dataset"] = per_dataset
    results["default"] = default_scores(held)

    results["claims"] = render(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    args.out.with_suffix(".md").write_text("\n".join(REPORT).lstrip() + "\n", encoding="utf-8")
    print(f"\nwrote {args.out} and {args.out.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
