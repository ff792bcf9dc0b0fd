"""Learning curve of the analyst's loop: rows chosen by the review queue vs at random, with and without base.

An analyst on a real dataset whose labels the model never sees until "labelled": start from the default
model, label 50 / 100 / 200 / 400 rows chosen by a strategy (the queue retrains between rounds, as an
analyst who labels, trains and reviews again), and measure dev accuracy after each round; with
`--base` the model is the starter corpus plus the labelled rows weighted by `training.base.user_weight`,
without it the labelled rows alone. Every (dataset, strategy, base) curve is run for several seeds
(each seed draws its own unlabelled pool from the training split), reported as mean and spread.

Strategies: `random`; `margin` (breaking ties: the smallest gap between the two likeliest labels, the
queue's measure); `entropy`; `margin+diversity` (the queue's near-duplicate step over the 5k most
uncertain); `margin+clusters` (diverse mini-batch, Zhdanov 2019: the 10k most uncertain clustered by
k-means in the pool's SVD space, the row nearest each centre); `density` (margin times the row's
similarity to the pool: uncertain and typical, Settles & Craven 2008).

Bounded time on a shared 2-core machine (simplifications, each stated in the results):
- one cached feature space per dataset: the featurizer fitted once on the base plus the training split's
  texts (unlabelled text the store holds anyway), instead of refitting it per run, with the test suite's
  fast settings (character 3-4-grams, min_df 3: 54k features on the corpus instead of several hundred
  thousand);
- the base is the starter corpus of the dataset's language (the other language's rows share almost no
  features with it, so they barely move its predictions, and they would double every fit);
- the sentiment head only (the head both datasets label; SnappFood labels nothing else), uncalibrated
  (temperature scaling changes no argmax); the queue's strategies are applied to that head's
  probabilities (the service averages the same measure over every head that answers);
- with base, the head is fitted by `PolaritySoftmax` warm-started from the previous round's fit (the
  same objective as the service's SAGA/L-BFGS fit; convex, so the same optimum, reached in fewer
  steps), to a looser tolerance (1e-4, at most 100 iterations).

    .venv/bin/python bench/learning_curve.py                       # full: 5 seeds, both datasets
    .venv/bin/python bench/learning_curve.py --seeds 3 --pool 1500 # reduced scale

The comparison of the further strategies (bench/results/learning_curve_strategies.md) ran with
`--seeds 3 --pool 1500 --sizes 50,100,200 --bases base --strategies random,margin,margin+clusters,density
--out bench/results/learning_curve_strategies`.

Writes bench/results/learning_curve.json and .md. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cxtext.features import TokenFeaturizer  # noqa: E402
from cxtext.heads import ClassifierHead  # noqa: E402
from cxtext.io.records import load_records  # noqa: E402
from cxtext.language import detect_language  # noqa: E402
from cxtext.model import FeedbackModel  # noqa: E402
from cxtext.paths import shared_data_dir  # noqa: E402
from cxtext.polarity_softmax import PolaritySoftmax  # noqa: E402
from cxtext.schema import POLARITY_LABELS, Record  # noqa: E402
from cxtext.tokens import tokenize  # noqa: E402
from cxtext.uncertainty import diverse_order, entropy, margin  # noqa: E402
from training.base import USER_WEIGHT_CAP, user_weight  # noqa: E402
from training.sources import with_label_coverage  # noqa: E402
from training.train import corpus_files  # noqa: E402

DATASETS = {
    "snappfood": ("fa/snappfood_train.csv", "fa/snappfood_dev.csv"),
    "semeval14": ("en/semeval14_restaurants_train.csv", "en/semeval14_restaurants_test.csv"),
}
STRATEGIES = ("random", "margin", "entropy", "margin+diversity", "margin+clusters", "density")
PREFILTER = 10  # margin+clusters: candidates per chosen row (the most uncertain), clustered into k groups
EMBED_DIMS = 50  # the pool's features reduced by truncated SVD, for k-means and density
RESULTS = ROOT / "bench" / "results"
CHAR_NGRAMS, MIN_DF = (3, 4), 3
SOLVER = {"max_iter": 100, "tol": 1e-4}


@dataclass
class Space:
    """One dataset in the cached feature space: corpus rows, the training split and the dev split."""

    X_base: sp.csr_matrix
    y_base: np.ndarray
    two_way_base: np.ndarray
    X_train: sp.csr_matrix
    y_train: np.ndarray
    two_way_train: np.ndarray
    texts_train: list[str]
    X_dev: sp.csr_matrix
    y_dev: np.ndarray
    polarity_dev: bool  # dev labels are two-way: accuracy is between the poles, as `evaluate` reports it


def labelled(records: Sequence[Record]) -> list[Record]:
    return [r for r in with_label_coverage(records) if r.sentiment]


def docs(records: Sequence[Record]) -> list:
    return [tokenize(r.text, r.lang or detect_language(r.text)) for r in records]


def build_space(name: str, corpus: list[Record], say: Callable[[str], None]) -> Space:
    train_file, dev_file = DATASETS[name]
    train = labelled(load_records([shared_data_dir() / train_file]).records)
    dev = labelled(load_records([shared_data_dir() / dev_file]).records)
    defaults = FeedbackModel()
    featurizer = TokenFeaturizer(
        CHAR_NGRAMS,
        MIN_DF,
        char_weight=defaults.char_weight,
        lexicon=defaults.lexicon,
        lexicon_weight=defaults.lexicon_weight,
    )
    language = "fa" if train_file.startswith("fa/") else "en"
    corpus = [r for r in corpus if (r.lang or detect_language(r.text)).startswith(language)]
    started = time.perf_counter()
    X_all = featurizer.fit_transform(docs(corpus) + docs(train))
    X_dev = featurizer.transform(docs(dev))
    say(
        f"{name}: {len(train)} train, {len(dev)} dev texts featurized in {time.perf_counter() - started:.0f} s"
    )
    n = len(corpus)
    return Space(
        X_base=X_all[:n],
        y_base=np.array([r.sentiment for r in corpus]),
        two_way_base=np.array([r.two_way for r in corpus]),
        X_train=X_all[n:],
        y_train=np.array([r.sentiment for r in train]),
        two_way_train=np.array([r.two_way for r in train]),
        texts_train=[r.text for r in train],
        X_dev=X_dev,
        y_dev=np.array([r.sentiment for r in dev]),
        polarity_dev=all(r.two_way for r in dev),
    )


class Fitted:
    """A sentiment head's probabilities over its classes (or one class, when only one was labelled)."""

    def __init__(self, classes: Sequence[str], proba: Callable[[sp.csr_matrix], np.ndarray]) -> None:
        self.classes = list(classes)
        self.proba = proba

    def accuracy(self, space: Space) -> float:
        p = self.proba(space.X_dev)
        if space.polarity_dev and set(POLARITY_LABELS) <= set(self.classes):
            negative, positive = (self.classes.index(label) for label in POLARITY_LABELS)
            predicted = np.where(p[:, positive] >= p[:, negative], "positive", "negative")
        else:
            predicted = np.array(self.classes)[p.argmax(axis=1)]
        return float(np.mean(predicted == space.y_dev))


def fit_base(space: Space, rows: np.ndarray, init: PolaritySoftmax | None, C: float) -> PolaritySoftmax:
    """Corpus plus the labelled rows (weighted), warm-started from the corpus-only fit."""
    weight = user_weight(space.X_base.shape[0], len(rows))
    X = sp.vstack([space.X_base, space.X_train[rows]]).tocsr()
    y = np.concatenate([space.y_base, space.y_train[rows]])
    two_way = np.concatenate([space.two_way_base, space.two_way_train[rows]])
    w = np.concatenate([np.ones(space.X_base.shape[0]), np.full(len(rows), weight)])
    same = init is not None and set(init.classes_) == set(y)
    return PolaritySoftmax(C, **SOLVER).fit(X, y, two_way, init=init if same else None, sample_weight=w)


def fit_alone(space: Space, rows: np.ndarray, C: float) -> Fitted:
    """The labelled rows alone, as the service trains without a base (`ClassifierHead`, uncalibrated)."""
    labels = space.y_train[rows]
    classes = sorted(set(labels))
    if len(classes) < 2:
        return Fitted(classes, lambda X: np.ones((X.shape[0], 1)))
    head = ClassifierHead(C, calibrate=False).fit(space.X_train[rows], labels, space.two_way_train[rows])
    return Fitted(head.classes_, head.predict_proba)


def as_fitted(model: PolaritySoftmax) -> Fitted:
    return Fitted([str(c) for c in model.classes_], model.predict_proba)


def embedding(space: Space, pool: np.ndarray, seed: int) -> dict[int, np.ndarray]:
    """Each pool row as a unit vector in the pool's first `EMBED_DIMS` SVD directions of the model's
    features: the space in which the cluster and density strategies measure "similar content"."""
    X = space.X_train[pool]
    dims = min(EMBED_DIMS, X.shape[0] - 1, X.shape[1] - 1)
    Z = TruncatedSVD(dims, random_state=seed).fit_transform(X)
    Z /= np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)
    return dict(zip(pool.tolist(), Z, strict=True))


def clustered(
    order: np.ndarray, scores: np.ndarray, vectors: dict[int, np.ndarray], k: int, seed: int
) -> list[int]:
    """Diverse mini-batch selection (Zhdanov 2019): the `PREFILTER`·k most uncertain rows, clustered into
    k groups by k-means weighted by uncertainty; from each group the row nearest its centre."""
    candidates = order[: k * PREFILTER]
    if len(candidates) <= k:
        return candidates.tolist()
    Z = np.stack([vectors[int(i)] for i in candidates])
    weights = np.sort(scores)[::-1][: len(candidates)] + 1e-6
    km = KMeans(k, n_init=1, random_state=seed).fit(Z, sample_weight=weights)
    distance = km.transform(Z)
    picked: list[int] = []
    for cluster in range(k):
        members = np.flatnonzero(km.labels_ == cluster)
        if len(members):
            picked.append(int(candidates[members[np.argmin(distance[members, cluster])]]))
    rest = [int(i) for i in candidates if int(i) not in set(picked)]
    return (picked + rest)[:k]


def choose(
    strategy: str,
    fitted: Fitted,
    space: Space,
    pool: np.ndarray,
    taken: set[int],
    k: int,
    rng,
    vectors: dict[int, np.ndarray],
    seed: int,
) -> list[int]:
    """k more pool rows by `strategy` (indices into the training split)."""
    left = np.array([i for i in pool if i not in taken])
    if strategy == "random":
        return rng.choice(left, size=min(k, len(left)), replace=False).tolist()
    measure = entropy if strategy == "entropy" else margin
    p = fitted.proba(space.X_train[left])
    scores = np.array([measure(row) for row in p])
    if strategy == "density":  # information density (Settles & Craven 2008): uncertain and typical
        Z = np.stack([vectors[int(i)] for i in left])
        scores = scores * np.clip(Z @ Z.mean(axis=0), 0.0, None)
    order = left[np.argsort(-scores, kind="stable")]
    if strategy == "margin+clusters":
        return clustered(order, scores, vectors, k, seed)
    if strategy.endswith("+diversity"):
        candidates = order[: k * 5]
        picked = diverse_order([space.texts_train[i] for i in candidates], k)
        return [int(candidates[j]) for j in picked]
    return order[:k].tolist()


def run_curve(
    space: Space, strategy: str, base: bool, sizes: Sequence[int], pool: np.ndarray, seed: int, corpus_fit, C
) -> list[float]:
    rng = np.random.default_rng(seed)
    vectors = embedding(space, pool, seed) if strategy in ("margin+clusters", "density") else {}
    taken: list[int] = []
    fitted = as_fitted(corpus_fit)  # round 0: the default model
    model = corpus_fit
    accuracies = []
    for size in sizes:
        new = choose(strategy, fitted, space, pool, set(taken), size - len(taken), rng, vectors, seed)
        taken += new
        rows = np.array(taken)
        if base:
            model = fit_base(space, rows, model, C)
            fitted = as_fitted(model)
        else:
            fitted = fit_alone(space, rows, C)
        accuracies.append(fitted.accuracy(space))
    return accuracies


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def summary(values: Sequence[float]) -> dict:
    return {
        "mean": round(float(np.mean(values)), 4),
        "sd": round(float(np.std(values, ddof=1)), 4) if len(values) > 1 else 0.0,
        "min": round(float(np.min(values)), 4),
        "max": round(float(np.max(values)), 4),
        "runs": [round(v, 4) for v in values],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--sizes", default="50,100,200,400")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--pool", type=int, default=2000, help="unlabelled rows drawn per seed")
    parser.add_argument("--bases", default="base,alone", help="with the base, without it, or both")
    parser.add_argument("--out", default=str(RESULTS / "learning_curve"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    strategies = args.strategies.split(",")
    C = FeedbackModel().C_sentiment
    say = lambda message: print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)  # noqa: E731
    started = time.perf_counter()
    loads = [load()]
    say(loads[0])
    corpus = labelled(load_records(corpus_files()).records)
    results: dict = {
        "config": {
            "sizes": sizes,
            "seeds": args.seeds,
            "pool": args.pool,
            "strategies": strategies,
            "bases": args.bases.split(","),
            "corpus_rows": len(corpus),
            "user_weight_cap": USER_WEIGHT_CAP,
            "features": {"char_ngrams": list(CHAR_NGRAMS), "min_df": MIN_DF},
            "solver": SOLVER,
            "cpus": os.cpu_count(),
        },
        "datasets": {},
    }
    for name in args.datasets.split(","):
        space = build_space(name, corpus, say)
        t0 = time.perf_counter()
        corpus_fit = PolaritySoftmax(C, **SOLVER).fit(space.X_base, space.y_base, space.two_way_base)
        say(f"{name}: corpus-only head (the default model's sentiment) in {time.perf_counter() - t0:.0f} s")
        default_accuracy = as_fitted(corpus_fit).accuracy(space)
        curves: dict = {}
        reference: list[float] = []
        for seed in range(args.seeds):
            pool = np.random.default_rng(1000 + seed).choice(
                len(space.y_train), size=min(args.pool, len(space.y_train)), replace=False
            )
            whole = as_fitted(fit_base(space, pool, corpus_fit, C)).accuracy(space)
            reference.append(whole)
            for strategy in strategies:
                for base in (mode == "base" for mode in args.bases.split(",")):
                    t0 = time.perf_counter()
                    accuracies = run_curve(space, strategy, base, sizes, pool, seed, corpus_fit, C)
                    key = f"{strategy}|{'base' if base else 'alone'}"
                    curves.setdefault(key, []).append(accuracies)
                    say(
                        f"{name} seed {seed} {key}: "
                        + " ".join(f"{a:.3f}" for a in accuracies)
                        + f" ({time.perf_counter() - t0:.0f} s)"
                    )
            loads.append(load())
            results["datasets"][name] = {
                "base_rows": len(space.y_base),
                "train_rows": len(space.y_train),
                "dev_rows": len(space.y_dev),
                "metric": "polarity accuracy (two-way dev labels)" if space.polarity_dev else "accuracy",
                "default_model": round(default_accuracy, 4),
                "seeds_done": seed + 1,
                "whole_pool_with_base": summary(reference),
                "curves": {
                    key: {str(size): summary([run[k] for run in runs]) for k, size in enumerate(sizes)}
                    for key, runs in curves.items()
                },
            }
            write(results, loads, started, Path(args.out))  # after every seed: a partial run still reports
    say(f"wrote {args.out}.json and .md in {time.perf_counter() - started:.0f} s")
    return 0


def write(results: dict, loads: list[str], started: float, out: Path) -> None:
    results["load"] = loads
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(results), encoding="utf-8")


def markdown(results: dict) -> str:
    config = results["config"]
    sizes = config["sizes"]
    lines = [
        "# Learning curve: review queue vs random, with and without base",
        "",
        f"{config['seeds']} seeds, pool of {config['pool']} unlabelled training rows per seed, sizes "
        f"{', '.join(map(str, sizes))}; mean ± sd of dev accuracy (sentiment head). User-row weight with "
        f"base: base rows / labelled rows, capped at {config['user_weight_cap']:g}. Wall time "
        f"{results['wall_seconds']:.0f} s.",
        "",
    ]
    for name, data in results["datasets"].items():
        lines += [
            f"## {name} ({data['train_rows']} train rows, {data['dev_rows']} dev rows, base {data['base_rows']} "
            f"corpus rows; {data['metric']}; {data['seeds_done']} seeds)",
            "",
            f"Default model (no labels): {data['default_model']:.3f}. Base + the whole pool: "
            f"{data['whole_pool_with_base']['mean']:.3f} ± {data['whole_pool_with_base']['sd']:.3f}.",
            "",
            "| strategy | base | " + " | ".join(str(s) for s in sizes) + " |",
            "|---|---|" + "---|" * len(sizes),
        ]
        for key, by_size in data["curves"].items():
            strategy, base = key.split("|")
            cells = [f"{by_size[str(s)]['mean']:.3f} ± {by_size[str(s)]['sd']:.3f}" for s in sizes]
            lines.append(f"| {strategy} | {base} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["Load (`uptime`) at the start and after each seed:", ""]
    lines += [f"    {entry}" for entry in results["load"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
