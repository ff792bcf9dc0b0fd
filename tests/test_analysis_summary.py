"""Partial statistics: the analysis of rows split into parts, each summarised apart and merged, is the
analysis of the whole, whatever the split and the order of the parts (what lets ten million rows be
analysed without holding them, locally or on a Dask cluster)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cxtext.analysis import analyze, analyze_summary, frame_from_records
from cxtext.analysis.frame import Frame
from cxtext.analysis.summary import exact_mean, exact_sums, merge, summarize
from cxtext.batch.chunks import DigestCheck, IdCheck
from cxtext.batch.frames import id_digests
from cxtext.io.records import load_records
from cxtext.taxonomy import Taxonomy
from tests.conftest import shared_file

OPTIONS = {"period": "month", "bootstrap": 200, "seed": 3, "min_n": 20}


@pytest.fixture(scope="module")
def frame() -> Frame:
    """Real English and Persian rows (scores, labels, driver polarities), a third of them twice (copies of
    one text in different parts), with dates over two years and a segment."""
    records = [
        *load_records(shared_file("en/skytrax_airline_reviews_test.csv")).records[::3],
        *load_records(shared_file("fa/digikala_comments_dev.csv")).records[::5],
    ]
    whole = frame_from_records(records, Taxonomy.default(), segments=["source", "lang"])
    whole = whole.take(np.concatenate([np.arange(len(whole)), np.arange(0, len(whole), 3)]))
    rng = np.random.default_rng(7)
    days = np.datetime64("2023-01-01") + rng.integers(0, 700, len(whole))
    days = np.where(rng.random(len(whole)) < 0.1, np.datetime64("NaT"), days).astype("datetime64[D]")
    return dataclasses.replace(whole, date=days)


def merged(frame: Frame, parts: list[np.ndarray], quotes: int = 3) -> dict:
    """Parts summarised apart, merged two by two and then all at once."""
    summaries = [summarize(frame.take(rows), quotes=quotes, min_quote_confidence=0.6) for rows in parts]
    pairs = [merge(summaries[i : i + 2]) for i in range(0, len(summaries), 2)]
    return analyze_summary(merge(pairs), taxonomy=Taxonomy.default(), **OPTIONS)


@pytest.mark.parametrize("n_parts", [2, 7, 40])
def test_merged_parts_give_the_analysis_of_the_whole(frame: Frame, n_parts: int) -> None:
    whole = analyze(frame, **OPTIONS)
    rng = np.random.default_rng(n_parts)
    cuts = np.sort(rng.choice(np.arange(1, len(frame)), n_parts - 1, replace=False))
    parts = np.split(np.arange(len(frame)), cuts)
    assert merged(frame, parts) == whole
    assert merged(frame, parts[::-1]) == whole  # the order of the parts does not matter either
    assert whole["trends"]["periods"] and whole["segments"]["source"] and whole["scores"]
    assert all(whole["drivers"][name]["quotes"]["negative"] for name in ("quality", "staff"))


def test_quotes_of_parts_that_hold_copies_of_the_best_texts(frame: Frame) -> None:
    """Every part holds the same rows: each part's best texts are the whole's, once each."""
    parts = [np.arange(len(frame))] * 3
    tripled = frame.take(np.concatenate(parts))
    for limit in (1, 5):
        got = merged(frame, parts, quotes=limit)["drivers"]
        want = analyze(tripled, quotes=limit, **OPTIONS)["drivers"]
        assert {n: d["quotes"] for n, d in got.items()} == {n: d["quotes"] for n, d in want.items()}


def test_exact_sums_add_up_whatever_the_split() -> None:
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.random(10_000), [1e-40, 1.0, 0.0, 2.0**-149]]).astype(np.float32)
    group = rng.integers(0, 3, len(values))
    whole = exact_sums(values, group, 3)
    halves = [exact_sums(values[part], group[part], 3) for part in (slice(0, 4321), slice(4321, None))]
    assert whole == [a + b for a, b in zip(*halves, strict=True)]
    mean = exact_mean(whole[0], int((group == 0).sum()))
    assert mean == pytest.approx(float(values[group == 0].astype(np.float64).mean()), rel=1e-12)


def test_digest_check_finds_what_the_id_dict_finds() -> None:
    rng = np.random.default_rng(1)
    ids = np.array([f"c{i}" if i % 9 else "" for i in rng.integers(0, 3000, 5000)], dtype=object)
    numbers = np.arange(2, len(ids) + 2)
    reference, digests = IdCheck(), DigestCheck()
    for start in range(0, len(ids), 337):
        batch = slice(start, start + 337)
        want = [
            (i, int(error.reason.rsplit(":", 1)[1].rstrip(")")))
            for i, (n, record_id) in enumerate(zip(numbers[batch].tolist(), ids[batch].tolist(), strict=True))
            if (error := reference("f.csv", n, record_id)) is not None
        ]
        assert digests.many("f.csv", numbers[batch], id_digests(ids[batch])) == want
    assert digests.many("g.csv", numbers[:5], id_digests(ids[:5])) == []  # per file


def test_id_digests_depend_on_the_id_only() -> None:
    ids = np.array(["r1", "r10", "سلام", "", "x" * 500, "r1 "], dtype=object)
    alone = np.array([id_digests(ids[i : i + 1])[0] for i in range(len(ids))])
    assert np.array_equal(id_digests(ids), alone)
    assert alone[3] == 0 and len(set(alone.tolist())) == len(ids)
