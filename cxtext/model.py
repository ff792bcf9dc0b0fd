"""`FeedbackModel`: every prediction cxtext makes about a text, from one shared feature matrix.

One joint model serves Persian, Finglish and English: the features of the two scripts barely collide,
mixed texts (`اپلیکیشن crash میکنه`) share English tokens, and one matrix keeps batch scoring to a single
pass. Heads that have no training labels are not guessed: they are listed in `untrained_heads`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from tqdm import tqdm

from cxtext import churn as churn_rules
from cxtext.collector import collector_paused
from cxtext.explain import evidence
from cxtext.features import BLOCKS, TokenFeaturizer
from cxtext.heads import ClassifierHead, DriverSentimentHead, MultiLabelHead
from cxtext.language import detect_language
from cxtext.memory import release_freed_memory
from cxtext.rounding import rounded
from cxtext.schema import NPS_POLES, Record
from cxtext.scores import nps_category_from_score
from cxtext.source_features import SourceFeatures
from cxtext.taxonomy import Taxonomy
from cxtext.tokens import Token, tokenize

CONFIDENT_NEGATIVE = 0.8  # sentiment confidence above which a text cannot be shown as a promoter
HEADS = ("sentiment", "drivers", "driver_sentiment", "nps_category", "churn")
# Heads whose label conventions differ between sources, each with the share of its training rows that get no
# private copy (`SourceFeatures`). Measured on the shared data: for drivers and NPS, a half keeps texts of
# unknown origin as good as without copies, and declared ones better; for sentiment, a share of 0.2 or 0.5
# raised the undeclared reading (DeepSentiPers +9 points) but cost the declared one up to 3 (Digikala
# recommend), so none.
SOURCE_ADAPTED = {"sentiment": 0.0, "nps_category": 0.5, "drivers": 0.5}

CHAR_BLOCK = BLOCKS["c"]  # character n-grams get no per-source copy (see `SourceFeatures`)
Progress = Callable[[str], None]


class Prediction(NamedTuple):
    """What a scored file keeps of one text (`cxtext.analysis.frame.prediction_cells` writes it): labels,
    drivers with their rounded probability and polarity, the predicted NPS category and the churn risk."""

    language: str
    sentiment: str | None
    drivers: list[tuple[str, float, str | None]]
    nps_category: str | None  # None: head untrained, or the category came from a score
    churn_probability: float
    churn_band: str
    untrained_heads: list[str]

    @classmethod
    def of(cls, result: dict) -> Prediction:
        """The prediction inside a `FeedbackModel.classify` result."""
        nps = result["nps"]
        return cls(
            result["language"],
            result["sentiment"]["label"] if result["sentiment"] is not None else None,
            [
                (d["name"], d["probability"], d["sentiment"]["label"] if d["sentiment"] is not None else None)
                for d in result["drivers"]
            ],
            nps["category"] if nps is not None and nps["source"] == "predicted" else None,
            result["churn"]["probability"],
            result["churn"]["band"],
            result["untrained_heads"],
        )


class NotFittedError(RuntimeError):
    """Raised when a model is used before `fit`."""


class TrainingDataError(ValueError):
    """Raised by `fit` when labels cannot train a head (e.g. a single class): better than a silent guess."""


@contextmanager
def _bar(shown: bool, head: str, rows: int, steps: int) -> Iterator[Callable[[], None]]:
    """A tqdm bar for one head (its texts in the label, fits as units: tqdm adds elapsed and ETA)."""
    with tqdm(
        total=steps, desc=f"{head} ({rows:,} texts)", unit="fit", disable=not shown, file=sys.stderr
    ) as bar:
        yield lambda: bar.update(1)


def _require_two_classes(head: str, labels: Sequence[str]) -> None:
    classes = set(labels)
    if len(classes) < 2:
        raise TrainingDataError(
            f"{head}: all {len(labels)} labelled texts are {next(iter(classes))!r}; a head needs at least two "
            f"classes (label texts of another class, or leave the {head} column empty)"
        )


@dataclass
class _Batch:
    texts: list[str]
    langs: list[str]
    tokens: list[list[Token]]
    X: sp.csr_matrix
    attribution: sp.csr_matrix | None = None
    offsets: np.ndarray | None = None
    by_source: dict[str, np.ndarray] = field(default_factory=dict)  # rows of each declared, known source
    _cues: dict[int, list[churn_rules.CueMatch]] = field(default_factory=dict)

    def cues(self, i: int) -> list[churn_rules.CueMatch]:
        """Churn cues of text i, found once: the no-label rule and the reasons both need them."""
        if i not in self._cues:
            self._cues[i] = churn_rules.find_cues(self.texts[i], self.tokens[i], self.langs[i])
        return self._cues[i]


@dataclass
class _Shown:
    """What the JSON of each text in a batch shows, as plain lists read per text.

    `probabilities` holds every head's rows (`tolist`: per-text indexing of numpy arrays cost more than
    the JSON itself) and `rounded` the same rounded to 4 decimals for display, `labels` the most likely
    class per softmax block, `drivers` the (name, rounded probability) of the drivers found, and
    `evidence` per text the phrases of each explained weight row (None when the batch is not explained).
    """

    probabilities: dict[str, list]
    rounded: dict[str, list]
    labels: dict[str, list[int]]
    drivers: list[list[tuple[str, float]]]
    evidence: list[dict[int, list[dict]]] | None = None

    def row(self, blocks: dict[str, tuple[int, int, str]], block: str, i: int) -> int | None:
        """The weight row of text i's most likely class in a softmax block (None: head not trained)."""
        return blocks[block][0] + self.labels[block][i] if block in self.labels else None


class FeedbackModel:
    """Sentiment, drivers, driver sentiment, NPS category and churn risk for Persian and English text.

    Parameters are the regularisation strengths of the heads (larger C = weaker regularisation) and the
    featurizer's settings; see `TokenFeaturizer`. `n_jobs` heads are fitted at once (None: every core).
    `source_features`: sentiment, NPS and driver heads also learn per-source label conventions (`SourceFeatures`),
    applied to texts whose source is declared at inference. Off by default: a model retrained on one
    customer's rows plus the starter corpus must serve that customer's undeclared texts with everything
    it learnt; on for a model trained on many datasets whose labels mean different things.
    """

    def __init__(
        self,
        taxonomy: Taxonomy | None = None,
        C_sentiment: float = 1.0,
        C_drivers: float = 8.0,
        C_driver_sentiment: float = 4.0,
        C_nps: float = 2.0,
        C_churn: float = 4.0,
        char_ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 2,
        char_weight: float = 0.5,
        lexicon: bool = True,
        lexicon_weight: float = 2.0,
        random_state: int = 0,
        n_jobs: int | None = None,
        source_features: bool = False,
    ) -> None:
        self.taxonomy = taxonomy
        self.C_sentiment = C_sentiment
        self.C_drivers = C_drivers
        self.C_driver_sentiment = C_driver_sentiment
        self.C_nps = C_nps
        self.C_churn = C_churn
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.char_weight = char_weight
        self.lexicon = lexicon
        self.lexicon_weight = lexicon_weight
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.source_features = source_features

    # -- training -----------------------------------------------------------------------------------------
    def fit(
        self,
        records: Sequence[Record],
        progress: Progress | None = None,
        bars: bool = False,
        sample_weight: Sequence[float] | None = None,
    ) -> FeedbackModel:
        """Train every head that `records` has labels for; `bars` draws a progress bar per head on stderr
        (texts, fits done, elapsed, ETA), for people watching a long training. `sample_weight[i]` weighs
        record i's loss in every head (default 1): how a user's rows outweigh the starter corpus."""
        say = progress or (lambda _msg: None)
        records = list(records)
        if not records:
            raise ValueError("cannot fit on zero records")
        weight = np.ones(len(records)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        if weight.shape != (len(records),) or not np.all(np.isfinite(weight)) or (weight <= 0).any():
            raise ValueError("sample_weight needs one positive, finite weight per record")
        self.taxonomy_ = self.taxonomy or Taxonomy.default()
        say(f"tokenising {len(records)} texts")
        langs = [r.lang or detect_language(r.text) for r in records]
        docs = [tokenize(r.text, lang) for r, lang in zip(records, langs, strict=True)]
        say("building features")
        self.featurizer_ = TokenFeaturizer(
            self.char_ngram_range,
            self.min_df,
            char_weight=self.char_weight,
            lexicon=self.lexicon,
            lexicon_weight=self.lexicon_weight,
        )
        X = self.featurizer_.fit_transform(docs)
        del docs  # the heads need only X: the tokens and the vocabulary's scratch go back to the system
        release_freed_memory()
        self.source_copies_: dict[str, SourceFeatures] = {}
        jobs = self._head_jobs(records, X, say, bars, weight)
        workers = min(len(jobs), self.n_jobs or os.cpu_count() or 1) or 1
        # heads are independent given X, and their solvers run without the GIL: threads share X as it is
        with ThreadPoolExecutor(workers) as pool:
            fitted = list(pool.map(lambda job: job(), jobs))
        self.heads_: dict[str, object] = {name: head for name, head in fitted if head is not None}
        self._stack_weights()
        self.n_train_ = len(records)
        return self

    def _head_jobs(
        self, records: list[Record], X: sp.csr_matrix, say: Progress, bars: bool, weight: np.ndarray
    ) -> list[Callable[[], tuple[str, object | None]]]:
        """One callable per head that has labels, the costliest first (so two workers finish together);
        label problems are raised here, before any fitting starts."""
        jobs: list[Callable[[], tuple[str, object | None]]] = []

        def classifier(name: str, rows: Sequence[int], labels: Sequence[str], head: ClassifierHead) -> None:
            _require_two_classes(name, labels)
            two_way = [records[i].two_way for i in rows]
            say(f"{name} head on {len(rows)} texts ({sum(two_way)} with a two-way label)")

            def fit() -> tuple[str, object]:
                features = self._adapted(name, X, rows, records)
                if any(two_way):  # PolaritySoftmax computes in float32: convert once, not per fold
                    features = features.astype(np.float32)
                mixed = any(two_way) and not all(two_way)
                with _bar(bars, name, len(rows), head.steps(len(rows), mixed)) as tick:
                    return name, head.fit(features, labels, two_way, tick, weight[list(rows)])

            jobs.append(fit)

        sentiment = [(i, r.sentiment) for i, r in enumerate(records) if r.sentiment]
        if sentiment:
            rows, labels = zip(*sentiment, strict=True)
            classifier(
                "sentiment",
                rows,
                labels,
                ClassifierHead(self.C_sentiment, random_state=self.random_state, noisy_poles=True),
            )
        nps = [(i, r.nps_category) for i, r in enumerate(records) if r.nps_category]
        if nps:
            rows, labels = zip(*nps, strict=True)
            classifier(
                "nps_category",
                rows,
                labels,
                ClassifierHead(self.C_nps, random_state=self.random_state, poles=NPS_POLES),
            )

        with_drivers = [i for i, r in enumerate(records) if r.drivers is not None]
        if with_drivers:
            seen = {d for i in with_drivers for d in records[i].drivers or ()}
            names = [name for name in self.taxonomy_.names if name in seen]
            Y = np.array([[d in (records[i].drivers or ()) for d in names] for i in with_drivers])
            everywhere = [name for name, column in zip(names, Y.T, strict=True) if column.all()]
            if everywhere:
                raise TrainingDataError(
                    f"drivers: every one of the {len(with_drivers)} texts with labelled drivers mentions "
                    f"{', '.join(everywhere)}, so the driver head would learn only one class; if an empty "
                    "drivers cell in your files means 'none mentioned', declare it (cxtext train "
                    "--empty-drivers none-mentioned, or a FILE.labels.json sidecar)"
                )
            say(f"driver head on {len(with_drivers)} texts, labels {', '.join(names)}")

            def drivers() -> tuple[str, object | None]:
                head = MultiLabelHead(self.C_drivers, random_state=self.random_state)
                features = self._adapted("drivers", X, with_drivers, records)
                with _bar(bars, "drivers", len(with_drivers), len(names)) as tick:
                    head.fit(features, Y, names, tick, weight[with_drivers])
                return "drivers", head if head.trained_labels else None

            jobs.append(drivers)

        pairs = [(i, d, p) for i, r in enumerate(records) for d, p in (r.driver_sentiment or {}).items()]
        if len({p for _, _, p in pairs}) >= 2:
            say(f"driver-sentiment head on {len(pairs)} (text, driver) pairs")
            pair_rows, pair_drivers, polarity = zip(*pairs, strict=True)
            jobs.append(
                lambda: (
                    "driver_sentiment",
                    DriverSentimentHead(self.C_driver_sentiment, self.random_state).fit(
                        X, np.array(pair_rows), pair_drivers, polarity, weight[list(pair_rows)]
                    ),
                )
            )

        churn = [(i, "yes" if r.churn else "no") for i, r in enumerate(records) if r.churn is not None]
        if churn:
            churn_rows, churn_labels = zip(*churn, strict=True)
            _require_two_classes("churn", churn_labels)
            say(f"churn head on {len(churn)} texts")
            head = ClassifierHead(self.C_churn, class_weight="balanced", random_state=self.random_state)
            jobs.append(
                lambda: (
                    "churn",
                    head.fit(X[list(churn_rows)], churn_labels, sample_weight=weight[list(churn_rows)]),
                )
            )
        return jobs

    def _adapted(
        self, head: str, X: sp.csr_matrix, rows: Sequence[int], records: list[Record]
    ) -> sp.csr_matrix:
        """`head`'s training rows of X, with per-source copies of their word features when the head is
        source-adapted (the copies are kept for inference in `source_copies_`)."""
        features = X[list(rows)]
        if not (self.source_features and head in SOURCE_ADAPTED):
            return features
        copies = SourceFeatures(shared_share=SOURCE_ADAPTED[head], random_state=self.random_state)
        features = copies.fit_transform(
            features, [records[i].source for i in rows], self.featurizer_.block_ != CHAR_BLOCK
        )
        if copies.columns_:
            self.source_copies_[head] = copies
        return features

    def _stack_weights(self) -> None:
        """Every head's class rows in one (features × rows) matrix.

        One sparse product then scores a whole batch for all heads, and the same matrix multiplied by the
        token attribution explains every head at once.
        """
        rows: list[np.ndarray] = []
        intercepts: list[np.ndarray] = []
        private: dict[str, list[tuple[int, sp.csr_matrix]]] = {}
        self.weight_rows_: dict[tuple[str, str], int] = {}
        self.blocks_: dict[str, tuple[int, int, str]] = {}

        def add(block: str, labels: Sequence[str], scores: tuple[np.ndarray, np.ndarray], link: str) -> None:
            start = sum(len(r) for r in rows)
            weights, bias = scores
            if block in self.source_copies_:
                weights, own = self.source_copies_[block].split(weights)
                for source, matrix in own.items():
                    private.setdefault(source, []).append((start, matrix))
            rows.append(weights)
            intercepts.append(bias)
            self.blocks_[block] = (start, start + len(labels), link)
            for k, label in enumerate(labels):
                self.weight_rows_[(block, label)] = start + k

        for name in ("sentiment", "nps_category", "churn"):
            head = self.heads_.get(name)
            if isinstance(head, ClassifierHead):
                add(name, head.classes_, head.class_scores(), "softmax")
        drivers = self.heads_.get("drivers")
        if isinstance(drivers, MultiLabelHead):
            add("drivers", drivers.trained_labels, drivers.label_scores(), "sigmoid")
        polarity = self.heads_.get("driver_sentiment")
        if isinstance(polarity, DriverSentimentHead):
            for driver in polarity.drivers_:
                add(f"driver_sentiment:{driver}", polarity.classes_, polarity.class_scores(driver), "softmax")
        self.weights_ = np.ascontiguousarray(np.vstack(rows).T, dtype=np.float32)
        self.intercepts_ = np.concatenate(intercepts).astype(np.float32)
        self.source_weights_ = {
            source: _placed(parts, self.weights_.shape) for source, parts in sorted(private.items())
        }

    # -- inference ---------------------------------------------------------------------------------------
    @property
    def untrained_heads(self) -> list[str]:
        self._check_fitted()
        # churn always has an answer: the documented cue rule stands in when it was not learned
        return [h for h in HEADS if h != "churn" and h not in self.heads_]

    def _check_fitted(self) -> None:
        if not hasattr(self, "heads_"):
            raise NotFittedError("this FeedbackModel is not fitted yet; call fit() or load an artifact")

    def _batch(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None] | None,
        explain: bool,
        sources: Sequence[str | None] | None = None,
    ) -> _Batch:
        self._check_fitted()
        texts = list(texts)
        given = list(langs) if langs is not None else [None] * len(texts)
        if len(given) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(given)} languages")
        detected = [lang or detect_language(text) for text, lang in zip(texts, given, strict=True)]
        tokens = [tokenize(text, lang) for text, lang in zip(texts, detected, strict=True)]
        if explain:
            X, attribution, offsets = self.featurizer_.transform_with_attribution(tokens)
            batch = _Batch(texts, detected, tokens, X, attribution, offsets)
        else:
            batch = _Batch(texts, detected, tokens, self.featurizer_.transform(tokens))
        batch.by_source = self._known_sources(sources, len(texts))
        return batch

    def _known_sources(self, sources: Sequence[str | None] | None, n: int) -> dict[str, np.ndarray]:
        """Rows per declared source that has private weights; other sources are scored as undeclared."""
        known = getattr(self, "source_weights_", {})  # artifacts saved before source features have none
        if sources is None or not known:
            return {}
        sources = list(sources)
        if len(sources) != n:
            raise ValueError(f"{n} texts but {len(sources)} sources")
        rows: dict[str, list[int]] = {}
        for i, source in enumerate(sources):
            if source in known:
                rows.setdefault(source, []).append(i)
        return {source: np.array(r) for source, r in rows.items()}

    def _scores(self, X: sp.csr_matrix, by_source: dict[str, np.ndarray]) -> np.ndarray:
        """Every weight row's score per row of X (texts, or tokens for attribution): shared weights, plus
        a declared source's private ones."""
        scores = np.asarray(X @ self.weights_)
        for source, rows in by_source.items():
            scores[rows] += (X[rows] @ self.source_weights_[source]).toarray()
        return scores

    def _probabilities(self, batch: _Batch) -> dict[str, np.ndarray]:
        scores = self._scores(batch.X, batch.by_source) + self.intercepts_
        out: dict[str, np.ndarray] = {}
        for block, (start, stop, link) in self.blocks_.items():
            z = scores[:, start:stop]
            if link == "sigmoid":
                out[block] = 1.0 / (1.0 + np.exp(-z))
            else:
                e = np.exp(z - z.max(axis=1, keepdims=True))
                out[block] = e / e.sum(axis=1, keepdims=True)
        out["churn"] = self._churn_probability(batch, out)
        return out

    def _churn_probability(self, batch: _Batch, proba: dict[str, np.ndarray]) -> np.ndarray:
        head = self.heads_.get("churn")
        if isinstance(head, ClassifierHead):
            return proba["churn"][:, head.classes_.index("yes")]
        n = len(batch.texts)
        p_detractor = self._class_column(proba, "nps_category", "detractor", n)
        p_negative = self._class_column(proba, "sentiment", "negative", n)
        return np.array(
            [
                churn_rules.rule_probability(churn_rules.intent_strength(batch.cues(i)), pd, pn)
                for i, (pd, pn) in enumerate(zip(p_detractor, p_negative, strict=True))
            ]
        )

    def _class_column(self, proba: dict[str, np.ndarray], head: str, label: str, n: int) -> np.ndarray:
        model = self.heads_.get(head)
        if isinstance(model, ClassifierHead) and label in model.classes_:
            return proba[head][:, model.classes_.index(label)]
        return np.zeros(n)

    @collector_paused
    def predict_proba(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None] | None = None,
        sources: Sequence[str | None] | None = None,
    ) -> dict[str, np.ndarray]:
        """Per head, an (n_texts × n_classes) array in `classes(head)` order: `drivers` has one column per
        trained driver, `driver_sentiment:<driver>` the polarity toward it, `churn` is one probability.
        `sources[i]`, a training source's name, applies its learned label conventions to text i."""
        return self._probabilities(self._batch(texts, langs, explain=False, sources=sources))

    def classes(self, head: str) -> list[str]:
        self._check_fitted()
        model = self.heads_.get(head)
        if isinstance(model, ClassifierHead):
            return list(model.classes_)
        if isinstance(model, MultiLabelHead):
            return model.trained_labels
        if isinstance(model, DriverSentimentHead):
            return list(model.classes_)
        raise KeyError(f"head {head!r} is not trained")

    def predict(self, texts: Sequence[str], langs: Sequence[str | None] | None = None) -> list[dict]:
        """Flat predictions in the data contract's columns (plus `churn_probability`), for scoring files."""
        return [
            {
                "lang": c["language"],
                "sentiment": c["sentiment"]["label"] if c["sentiment"] else None,
                "drivers": [d["name"] for d in c["drivers"]],
                "driver_sentiment": {
                    d["name"]: d["sentiment"]["label"] for d in c["drivers"] if d["sentiment"] is not None
                },
                "nps_category": c["nps"]["category"] if c["nps"] else None,
                "churn_probability": c["churn"]["probability"],
            }
            for c in self.classify(texts, langs, explain=False)
        ]

    @collector_paused
    def predictions(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None] | None = None,
        sources: Sequence[str | None] | None = None,
    ) -> list[Prediction]:
        """`Prediction.of(classify(texts, langs, explain=False, sources=sources))` without building the JSON
        a support tool gets (distributions, evidence, churn reasons): the hot path of `cxtext score`."""
        batch = self._batch(texts, langs, explain=False, sources=sources)
        n = len(batch.texts)
        shown = self._shown(batch, self._probabilities(batch), [True] * n)
        untrained = self.untrained_heads
        sentiment, nps = self.heads_.get("sentiment"), self.heads_.get("nps_category")
        polarity = self.heads_.get("driver_sentiment")
        polar = polarity.drivers_ if isinstance(polarity, DriverSentimentHead) else ()

        def label(head: object, block: str, i: int) -> str | None:
            return head.classes_[shown.labels[block][i]] if isinstance(head, ClassifierHead) else None

        return [
            Prediction(
                batch.langs[i],
                label(sentiment, "sentiment", i),
                [
                    (
                        name,
                        p,
                        polarity.classes_[shown.labels[f"driver_sentiment:{name}"][i]]
                        if name in polar
                        else None,
                    )
                    for name, p in shown.drivers[i]
                ],
                label(nps, "nps_category", i),
                shown.rounded["churn"][i],
                churn_rules.band(shown.probabilities["churn"][i]),
                list(untrained),
            )
            for i in range(n)
        ]

    @collector_paused
    def classify(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None] | None = None,
        scores: Sequence[float | None] | None = None,
        score_scales: Sequence[str | None] | None = None,
        explain: bool = True,
        sources: Sequence[str | None] | None = None,
    ) -> list[dict]:
        """Everything the model predicts about each text, as the JSON a support tool receives (`sources`:
        see `predict_proba`)."""
        batch = self._batch(texts, langs, explain, sources)
        n = len(batch.texts)
        scores = list(scores) if scores is not None else [None] * n
        scales = list(score_scales) if score_scales is not None else [None] * n
        shown = self._shown(batch, self._probabilities(batch), [score is None for score in scores])
        untrained = self.untrained_heads
        return [self._one(batch, shown, i, scores[i], scales[i], untrained) for i in range(n)]

    def _shown(self, batch: _Batch, proba: dict[str, np.ndarray], predicted_nps: list[bool]) -> _Shown:
        """Labels, drivers found and their evidence for a whole batch, decided with numpy in one go."""
        labels = {
            block: proba[block].argmax(axis=1).tolist()
            for block, (_, _, link) in self.blocks_.items()
            if link == "softmax" and block != "churn"  # churn is shown as one probability, of "yes"
        }
        self._no_confident_contradiction(proba, labels)
        display = {block: rounded(p, 4) for block, p in proba.items()}
        drivers: list[list[tuple[str, float]]] = [[] for _ in batch.texts]
        head = self.heads_.get("drivers")
        if isinstance(head, MultiLabelHead):
            names = head.trained_labels
            for i, k in zip(
                *(a.tolist() for a in np.nonzero(proba["drivers"] >= head.thresholds())), strict=True
            ):
                drivers[i].append((names[k], display["drivers"][i][k]))
        shown = _Shown({block: p.tolist() for block, p in proba.items()}, display, labels, drivers)
        if batch.attribution is not None:
            requests = [
                (i, row)
                for i in range(len(batch.texts))
                for row in self._explained(shown, i, predicted_nps[i])
            ]
            contributions = self._scores(batch.attribution, self._token_rows(batch))
            phrases = evidence(batch.texts, batch.tokens, contributions, batch.offsets, requests)
            shown.evidence = [{} for _ in batch.texts]
            for (i, row), found_phrases in zip(requests, phrases, strict=True):
                shown.evidence[i][row] = found_phrases
        return shown

    @staticmethod
    def _token_rows(batch: _Batch) -> dict[str, np.ndarray]:
        """The attribution rows (tokens) of each declared source's texts."""
        offsets = batch.offsets
        return {
            source: np.concatenate([np.arange(offsets[i], offsets[i + 1]) for i in rows])
            for source, rows in batch.by_source.items()
        }

    def _no_confident_contradiction(self, proba: dict[str, np.ndarray], labels: dict[str, list[int]]) -> None:
        """A predicted NPS category is never `promoter` for a text read as negative with confidence
        ≥ `CONFIDENT_NEGATIVE`: the two heads learn from different data, and a support tool that shows
        "promoter" beside a plain complaint loses the user's trust. The next most likely category is shown."""
        sentiment, nps = self.heads_.get("sentiment"), self.heads_.get("nps_category")
        if not (isinstance(sentiment, ClassifierHead) and isinstance(nps, ClassifierHead)):
            return
        if "negative" not in sentiment.classes_ or "promoter" not in nps.classes_:
            return
        negative = proba["sentiment"][:, sentiment.classes_.index("negative")] >= CONFIDENT_NEGATIVE
        promoter = nps.classes_.index("promoter")
        for i in np.flatnonzero(negative & (np.asarray(labels["nps_category"]) == promoter)).tolist():
            others = proba["nps_category"][i].copy()
            others[promoter] = -1.0
            labels["nps_category"][i] = int(others.argmax())

    def _explained(self, shown: _Shown, i: int, predicted_nps: bool) -> list[int]:
        """The weight rows whose evidence text i's JSON shows (`_one` asks for exactly these)."""
        rows = [shown.row(self.blocks_, "sentiment", i)]
        if predicted_nps:
            rows.append(shown.row(self.blocks_, "nps_category", i))
        for name, _ in shown.drivers[i]:
            rows += [
                self.weight_rows_[("drivers", name)],
                shown.row(self.blocks_, f"driver_sentiment:{name}", i),
            ]
        rows.append(self.weight_rows_.get(("churn", "yes")))  # a learned churn head explains "yes"
        return [row for row in rows if row is not None]

    def _evidence(self, shown: _Shown, i: int, head: str, label: str) -> list[dict]:
        row = self.weight_rows_.get((head, label))
        if shown.evidence is None or row is None:
            return []
        return shown.evidence[i][row]

    def _one(
        self,
        batch: _Batch,
        shown: _Shown,
        i: int,
        score: float | None,
        scale: str | None,
        untrained: list[str],
    ) -> dict:
        result: dict = {"language": batch.langs[i]}
        result["sentiment"] = self._labelled(shown, i, "sentiment")
        result["drivers"] = self._drivers(shown, i)
        if score is not None:
            result["nps"] = {"category": nps_category_from_score(score, scale), "source": "score"}
        else:
            nps = self._labelled(shown, i, "nps_category")
            result["nps"] = nps and {"category": nps.pop("label"), "source": "predicted", **nps}
        result["churn"] = self._churn(batch, shown, i)
        result["untrained_heads"] = list(untrained)
        return result

    def _labelled(self, shown: _Shown, i: int, head: str) -> dict | None:
        model = self.heads_.get(head)
        if not isinstance(model, ClassifierHead):
            return None
        result = _distribution(model.classes_, shown.rounded[head][i], shown.labels[head][i])
        result["evidence"] = self._evidence(shown, i, head, result["label"])
        return result

    def _drivers(self, shown: _Shown, i: int) -> list[dict]:
        polarity_head = self.heads_.get("driver_sentiment")
        found = []
        for name, p in shown.drivers[i]:
            driver = self.taxonomy_.get(name)
            entry: dict = {
                "name": name,
                "label_en": driver.label_en if driver else name,
                "label_fa": driver.label_fa if driver else name,
                "probability": p,
                "evidence": self._evidence(shown, i, "drivers", name),
                "sentiment": None,
            }
            if isinstance(polarity_head, DriverSentimentHead) and name in polarity_head.drivers_:
                block = f"driver_sentiment:{name}"
                polarity = _distribution(
                    polarity_head.classes_, shown.rounded[block][i], shown.labels[block][i]
                )
                polarity["evidence"] = self._evidence(shown, i, block, polarity["label"])
                entry["sentiment"] = polarity
            found.append(entry)
        return found

    def _churn(self, batch: _Batch, shown: _Shown, i: int) -> dict:
        probability = shown.probabilities["churn"][i]
        learned = isinstance(self.heads_.get("churn"), ClassifierHead)
        # a learned head needs cue phrases only to explain an elevated risk (and they cost ~0.1 ms a text)
        wanted = not learned or probability >= churn_rules.LOW
        cues = batch.cues(i) if wanted else []
        reasons = [
            {"kind": "intent cue", "phrase": batch.texts[i][c.start : c.end], "start": c.start, "end": c.end}
            for c in cues
            if c.kind == "intent"
        ]
        if learned:
            reasons += [{"kind": "evidence", **e} for e in self._evidence(shown, i, "churn", "yes")]
        nps = self.heads_.get("nps_category")
        if isinstance(nps, ClassifierHead) and "detractor" in nps.classes_:
            detractor = nps.classes_.index("detractor")
            p_det = shown.probabilities["nps_category"][i][detractor]
            if p_det >= 0.5:
                reasons.append(
                    {"kind": "likely detractor", "probability": shown.rounded["nps_category"][i][detractor]}
                )
        return {
            "probability": shown.rounded["churn"][i],
            "band": churn_rules.band(probability),
            "method": "learned" if learned else "rules",
            "reasons": reasons,
        }


def _placed(parts: list[tuple[int, sp.csr_matrix]], shape: tuple[int, int]) -> sp.csr_matrix:
    """Private (features × classes) blocks put at their first weight row in a (features × rows) matrix."""
    blocks = [(part.tocoo(), start) for start, part in parts]
    return sp.csr_matrix(
        (
            np.concatenate([b.data for b, _ in blocks]).astype(np.float32),
            (
                np.concatenate([b.row for b, _ in blocks]),
                np.concatenate([b.col + start for b, start in blocks]),
            ),
        ),
        shape=shape,
    )


def _distribution(classes: Sequence[str], p: list[float], k: int) -> dict:
    """The most likely label (index k), its probability and the full distribution (`p`, rounded)."""
    return {"label": classes[k], "confidence": p[k], "probabilities": dict(zip(classes, p, strict=True))}
