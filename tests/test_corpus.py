"""The starter corpus: size, coverage and originality (no near-duplicate templates)."""

from __future__ import annotations

from collections import Counter

import pytest

from cxtext.io.records import load_records
from cxtext.schema import Record
from training.near_duplicates import near_duplicate_pairs, near_duplicate_rate
from training.train import corpus_files

SETTINGS = {
    "food_delivery",
    "online_retail",
    "telecom",
    "banking",
    "travel",
    "ride_hailing",
    "clinic",
    "library",
    "government",
    "grocery",
    "restaurant",
    "social_media",
    "product_reviews",
}


@pytest.fixture(scope="module")
def corpus() -> list[Record]:
    return load_records(corpus_files()).records  # strict: any bad row fails here with file:row


def test_size_per_language(corpus: list[Record]) -> None:
    langs = Counter(r.lang for r in corpus)
    assert langs["fa"] >= 3000
    assert langs["en"] >= 3000
    assert langs["fa-Latn"] >= 300


def test_every_setting_language_driver_and_sentiment_is_covered(corpus: list[Record]) -> None:
    assert {(r.id or "").split("-")[2] for r in corpus} == SETTINGS
    for lang in ("fa", "fa-Latn", "en"):
        rows = [r for r in corpus if r.lang == lang]
        assert {d for r in rows for d in r.drivers or ()} == {"quality", "price", "access", "staff"}
        assert {r.sentiment for r in rows} == {"negative", "neutral", "positive", "mixed"}
        assert sum(bool(r.churn) for r in rows) >= 0.05 * len(rows)
        assert sum(not r.drivers for r in rows) >= 0.05 * len(rows)
        assert sum(len(r.drivers or ()) > 1 for r in rows) >= 0.1 * len(rows)


def test_every_row_is_fully_labelled_and_consistent(corpus: list[Record]) -> None:
    for r in corpus:
        assert r.sentiment and r.nps_category and r.churn is not None and r.drivers is not None, r.id
        assert set(r.driver_sentiment or {}) == set(r.drivers), r.id


def test_near_duplicate_rate_is_under_two_percent(corpus: list[Record]) -> None:
    texts = [r.text for r in corpus]
    loose = near_duplicate_pairs(texts, threshold=0.6)  # one pass; the 0.8 pairs are a subset

    def rate(threshold: float) -> float:
        return len({k for i, j, s in loose if s >= threshold for k in (i, j)}) / len(texts)

    worst = [
        (texts[i][:60], texts[j][:60], round(s, 2)) for i, j, s in sorted(loose, key=lambda p: -p[2])[:5]
    ]
    print(f"near-duplicate rate (5-gram Jaccard >= 0.8): {100 * rate(0.8):.2f} %")
    assert rate(0.8) < 0.02, worst
    # stricter than asked: even loosely similar pairs (one swapped word in a short line) stay rare
    assert rate(0.6) < 0.01, worst


def test_near_duplicate_measure_catches_templates() -> None:
    sentence = (
        "Yesterday the {} arrived forty minutes late, completely cold, and the courier never apologised"
    )
    templated = [sentence.format(w) for w in ("pizza", "soup", "pasta")]
    assert near_duplicate_rate([*templated, "Totally unrelated praise for the librarian"]) == 0.75
