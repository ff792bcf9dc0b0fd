"""Token-anchored features: learning the vocabulary in one pass gives what fit-then-transform gives."""

from __future__ import annotations

import pickle
from collections import Counter

import numpy as np
import pytest

from cxtext import features
from cxtext.features import TokenFeaturizer
from cxtext.io.records import load_records
from cxtext.tokens import Token, tokenize
from tests.conftest import every_nth, shared_file

FILES = {
    "fa/snappfood_train.csv": 20,
    "en/semeval14_restaurants_train.csv": 4,
    "fa/parsinlu_food_train.csv": 2,
}


@pytest.fixture(scope="module")
def docs() -> list[list[Token]]:
    """Real Persian and English feedback, more texts than one transform chunk."""
    records = [
        r for name, n in FILES.items() for r in every_nth(load_records([shared_file(name)]).records, n)
    ]
    return [tokenize(r.text, r.lang) for r in records]


def test_one_pass_fit_transform_gives_the_rows_of_fit_then_transform(
    docs: list[list[Token]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(features, "TRANSFORM_CHUNK", 500)  # provisional counts built and stacked in chunks
    assert len(docs) > 3 * features.TRANSFORM_CHUNK
    featurizer = TokenFeaturizer(max_features=50_000)
    X = featurizer.fit_transform(docs)
    again = featurizer.transform(docs)
    assert X.shape == again.shape == (len(docs), featurizer.n_features)
    np.testing.assert_array_equal(X.indptr, again.indptr)
    np.testing.assert_array_equal(X.indices, again.indices)
    np.testing.assert_array_equal(X.data, again.data)
    unseen = [tokenize("the waiter was rude but the pizza was great"), tokenize("پیک خیلی دیر رسید")]
    assert featurizer.transform(unseen).nnz > 0


def test_cached_words_and_word_pairs_give_the_rows_computed_from_strings(
    docs: list[list[Token]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches look words up once per new word and word pairs under the two words' cache ids; with no
    cache at all every feature comes from its string. A new word twice in one batch must not take two
    ids, one of them the next new word's: later batches then read one word's pairs as the other's (that
    made «عالی بود» appear in a text without «عالی»)."""
    featurizer = TokenFeaturizer(max_features=50_000).fit(docs[:3000])
    monkeypatch.setattr(features, "TRANSFORM_CHUNK", 500)  # later batches meet the first ones' cache
    cached = pickle.loads(pickle.dumps(featurizer)).transform(docs)
    monkeypatch.setattr(features, "_CACHE_LIMIT", 0)
    uncached = pickle.loads(pickle.dumps(featurizer)).transform(docs)
    assert (cached != uncached).nnz == 0
    np.testing.assert_array_equal(cached.indices, uncached.indices)


def test_the_vocabulary_keeps_the_most_frequent_features_seen_in_min_df_texts(
    docs: list[list[Token]],
) -> None:
    small = docs[:3000]
    full = TokenFeaturizer(max_features=None).fit(small)
    df = Counter(i for row in full.transform(small) for i in row.indices)
    names = full.feature_names()
    assert min(df[i] for i in range(full.n_features)) >= full.min_df
    capped = TokenFeaturizer(max_features=5_000).fit(small)
    assert capped.n_features == 5_000
    cut = sorted(df[full.vocabulary_[s]] for s in capped.vocabulary_)[0]
    # nothing left out is more frequent than the rarest kept feature
    assert all(df[full.vocabulary_[s]] <= cut for s in names if s not in capped.vocabulary_)
    # a feature's idf weight follows its document frequency: the same string, the same weight
    shared = list(capped.vocabulary_)[:200]
    np.testing.assert_array_equal(
        capped.weights_[[capped.vocabulary_[s] for s in shared]],
        full.weights_[[full.vocabulary_[s] for s in shared]],
    )
