"""Per-source label conventions (`SourceFeatures`, `FeedbackModel(source_features=True)`) on real data."""

from __future__ import annotations

import numpy as np
import pytest

from cxtext.features import TokenFeaturizer
from cxtext.io.records import load_records
from cxtext.model import FeedbackModel
from cxtext.schema import Record
from cxtext.source_features import SourceFeatures
from cxtext.tokens import tokenize
from tests.conftest import FAST_MODEL, every_nth, shared_file
from training.evaluate import evaluate
from training.sources import with_label_coverage

# sources whose sentiment labels mean different things: editorial neutral, the buyer's verdict as a two-way
# label, tweets with a neutral class of questions; tweets and restaurant reviews also name drivers their own way
SLICES = {
    "fa/deepsentipers_train.csv": 10,
    "fa/digikala_recommend_train.csv": 15,
    "en/airline_tweets_train.csv": 20,
    "en/semeval14_restaurants_train.csv": 10,
}
SLICES_SOURCES = ("deepsentipers", "digikala_recommend", "airline_tweets", "semeval14_restaurants")
DEV = [
    "fa/deepsentipers_dev.csv",
    "fa/digikala_recommend_dev.csv",
    "en/airline_tweets_dev.csv",
    "en/semeval14_restaurants_test.csv",
]


@pytest.fixture(scope="module")
def training() -> list[Record]:
    records = [
        r for name, n in SLICES.items() for r in every_nth(load_records([shared_file(name)]).records, n)
    ]
    return with_label_coverage(records)


@pytest.fixture(scope="module")
def dev() -> list[Record]:
    return [r for name in DEV for r in every_nth(load_records([shared_file(name)]).records, 8)]


@pytest.fixture(scope="module")
def model(training: list[Record]) -> FeedbackModel:
    return FeedbackModel(source_features=True, n_jobs=1, **FAST_MODEL).fit(training)


def test_copies_split_back_into_shared_and_private_weights(training: list[Record]) -> None:
    """Scores of any weights over the copied features equal shared + the row's own source's private part;
    a row of an unknown source is scored by the shared part alone."""
    texts = training[::7]
    X = TokenFeaturizer().fit_transform([tokenize(r.text) for r in texts])
    sources = [r.source for r in texts]
    copies = SourceFeatures().fit(X, sources, np.arange(X.shape[1]) % 2 == 0)
    assert set(copies.columns_) == set(SLICES_SOURCES)
    weights = np.random.default_rng(0).normal(size=(3, X.shape[1] + copies.n_copies))
    shared, private = copies.split(weights)
    declared = np.asarray(copies.transform(X, sources) @ weights.T)
    for i, source in enumerate(sources):
        expected = X[i] @ shared.T + (X[i] @ private[source]).toarray()
        np.testing.assert_allclose(declared[i], np.ravel(expected), atol=1e-8)
    unknown = np.asarray(copies.transform(X, ["a new customer"] * len(texts)) @ weights.T)
    np.testing.assert_allclose(unknown, np.asarray(X @ shared.T), atol=1e-8)


def test_a_shared_share_of_training_rows_gets_no_copy(training: list[Record]) -> None:
    """The rows left without a copy are drawn by `random_state`; every other row is as `transform` makes it."""
    X = TokenFeaturizer().fit_transform([tokenize(r.text) for r in training])
    sources = [r.source for r in training]
    copied = np.ones(X.shape[1], bool)
    full = SourceFeatures().fit(X, sources, copied).transform(X, sources)
    half = SourceFeatures(shared_share=0.5, random_state=3).fit_transform(X, sources, copied)
    assert (SourceFeatures().fit_transform(X, sources, copied) != full).nnz == 0
    with_copy = np.diff(half[:, X.shape[1] :].tocsr().indptr) > 0
    assert 0.4 < with_copy.mean() < 0.6
    assert (half[with_copy] != full[with_copy]).nnz == 0
    assert (half[~with_copy][:, : X.shape[1]] != X[~with_copy]).nnz == 0
    again = SourceFeatures(shared_share=0.5, random_state=3).fit_transform(X, sources, copied)
    assert (again != half).nnz == 0


def test_a_single_source_gets_no_copies(training: list[Record]) -> None:
    one = [r for r in training if r.source == "airline_tweets"]
    model = FeedbackModel(source_features=True, n_jobs=1, **FAST_MODEL).fit(one)
    assert model.source_weights_ == {}
    texts = [r.text for r in one[:20]]
    np.testing.assert_array_equal(
        model.predict_proba(texts)["sentiment"],
        model.predict_proba(texts, sources=["airline_tweets"] * 20)["sentiment"],
    )


def test_fused_scores_with_a_declared_source_equal_the_head_on_copied_features(
    model: FeedbackModel, dev: list[Record]
) -> None:
    texts, sources = [r.text for r in dev], [r.source for r in dev]
    fused = model.predict_proba(texts, sources=sources)
    X = model.featurizer_.transform([tokenize(t) for t in texts])
    assert {"sentiment", "drivers"} <= model.source_copies_.keys()
    for head, copies in model.source_copies_.items():
        own = model.heads_[head].predict_proba(copies.transform(X, sources))
        np.testing.assert_allclose(fused[head], own, atol=1e-4)


def test_an_unknown_source_reads_as_undeclared_and_a_known_one_changes_the_reading(
    model: FeedbackModel, dev: list[Record]
) -> None:
    texts, sources = [r.text for r in dev], [r.source for r in dev]
    undeclared = model.predict_proba(texts)["sentiment"]
    np.testing.assert_array_equal(
        undeclared, model.predict_proba(texts, sources=["survey"] * len(texts))["sentiment"]
    )
    declared = model.predict_proba(texts, sources=sources)["sentiment"]
    assert np.abs(declared - undeclared).max() > 0.05
    shown = model.classify(texts, sources=sources, explain=False)
    classes = model.classes("sentiment")
    assert [c["sentiment"]["label"] for c in shown] == [classes[k] for k in declared.argmax(axis=1)]


def test_evidence_of_a_declared_source_adds_up_to_its_scores(model: FeedbackModel, dev: list[Record]) -> None:
    """Token attributions stay exact with private weights: per text they sum to the declared score."""
    batch = model._batch([r.text for r in dev], None, explain=True, sources=[r.source for r in dev])
    assert set(batch.by_source) == set(SLICES_SOURCES)
    per_token = model._scores(batch.attribution, model._token_rows(batch))
    per_doc = np.add.reduceat(per_token, batch.offsets[:-1], axis=0)
    np.testing.assert_allclose(per_doc, model._scores(batch.X, batch.by_source), atol=1e-4)
    undeclared = model._scores(batch.X, {})
    assert np.abs(per_doc - undeclared).max() > 0.1  # the private weights are in the evidence


def test_evaluate_reports_both_readings(model: FeedbackModel, dev: list[Record]) -> None:
    declared = evaluate(model, dev, max_errors=0)["by_dataset"]
    undeclared = evaluate(model, dev, max_errors=0, use_sources=False)["by_dataset"]
    assert declared.keys() == undeclared.keys() == set(SLICES_SOURCES)
    assert any(
        declared[s]["sentiment"]["accuracy"] != undeclared[s]["sentiment"]["accuracy"] for s in SLICES_SOURCES
    )
