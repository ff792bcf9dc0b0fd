"""NPS, its interval, score averages: hand-computed cases and properties."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cxtext.analysis import analyze
from cxtext.analysis.nps import change_is_significant, mean_interval, nps, nps_interval, wilson_interval
from cxtext.schema import Record


def responses(promoters: int, passives: int, detractors: int) -> list[Record]:
    return [
        Record(text=f"response {i}", nps_category=category)
        for i, category in enumerate(
            ["promoter"] * promoters + ["passive"] * passives + ["detractor"] * detractors
        )
    ]


def test_nps_of_500_promoters_and_200_detractors_in_1000_is_30() -> None:
    assert nps(500, 200, 1000) == 30.0
    result = analyze(responses(500, 300, 200), bootstrap=0)["nps"]
    assert (result["value"], result["n"], result["source"]) == (30.0, 1000, "label")
    assert (result["promoters"], result["passives"], result["detractors"]) == (500, 300, 200)


def test_adjusted_wald_interval_by_hand() -> None:
    # 5 of 5 promoters: n' = 8, p' = 5.75/8, d' = 0.75/8; centre 0.625, se = sqrt((p'+d'-0.625²)/8)
    low, high = nps_interval(5, 0, 5)
    se = math.sqrt((5.75 / 8 + 0.75 / 8 - 0.625**2) / 8)
    assert math.isclose(low, 100 * (0.625 - 1.959964 * se), abs_tol=1e-3)
    assert high == 100.0  # clipped; the plain Wald interval would claim [100, 100]


def test_interval_narrows_with_more_responses_and_is_undefined_without_any() -> None:
    widths = [np.subtract(*nps_interval(n // 2, n // 5, n)[::-1]) for n in (50, 500, 5000)]
    assert widths[0] > widths[1] > widths[2] > 0
    assert all(math.isnan(v) for v in nps_interval(0, 0, 0))
    assert math.isnan(nps(0, 0, 0))


@given(
    st.integers(0, 2000).flatmap(
        lambda n: st.tuples(st.just(n), st.integers(0, n)).flatmap(
            lambda t: st.tuples(st.just(t[0]), st.just(t[1]), st.integers(0, t[0] - t[1]))
        )
    )
)
def test_nps_and_interval_stay_in_bounds(counts: tuple[int, int, int]) -> None:
    n, promoters, detractors = counts
    if n == 0:
        return
    value = float(nps(promoters, detractors, n))
    low, high = (float(v) for v in nps_interval(promoters, detractors, n))
    assert -100 <= low <= high <= 100
    assert -100 <= value <= 100


def test_change_significance_by_hand() -> None:
    # NPS 30 → -30 on 100 responses each: far beyond noise; 30 → 28: within it
    assert change_is_significant((50, 20, 100), (20, 50, 100))
    assert not change_is_significant((50, 20, 100), (49, 21, 100))
    assert not change_is_significant((0, 0, 0), (20, 50, 100))


def test_score_averages_and_csat_for_a_1_to_5_scale() -> None:
    scores = [5, 5, 4, 3, 1]
    records = [
        Record(text=f"r{i}", score=s, score_scale="1-5", nps_category=None) for i, s in enumerate(scores)
    ]
    result = analyze(records, bootstrap=0)
    entry = result["scores"]["1-5"]
    assert entry["n"] == 5 and entry["mean"] == 3.6
    assert entry["csat"] == 0.6  # 4 or 5: three of five
    low, high = wilson_interval(3, 5)
    assert entry["csat_ci"] == [round(low, 4), round(high, 4)]
    mean, mean_low, mean_high = mean_interval(np.array(scores, dtype=float))
    assert (entry["ci_low"], entry["ci_high"]) == (round(mean_low, 3), round(mean_high, 3))
    assert mean_low < mean < mean_high
    # categories come from the scores even when a Record built in code does not carry them: 5 5 | 4 | 3 1
    assert (result["nps"]["source"], result["nps"]["value"], result["nps"]["promoters"]) == ("score", 0.0, 2)


def test_nps_from_scores_wins_over_categories_and_says_so() -> None:
    scored = [Record(text=f"s{i}", score=s, score_scale="0-10", nps_category=c) for i, (s, c) in
              enumerate([(10, "promoter"), (9, "promoter"), (3, "detractor")])]  # fmt: skip
    labelled = [Record(text=f"l{i}", nps_category="detractor") for i in range(10)]
    result = analyze(scored + labelled, bootstrap=0)
    assert result["nps"]["source"] == "score" and result["nps"]["n"] == 3
    assert math.isclose(result["nps"]["value"], 100 / 3, abs_tol=0.01)
    assert result["nps"]["excluded"] == 10
    by_category = analyze(scored + labelled, nps_source="category", bootstrap=0)["nps"]
    assert by_category["n"] == 13 and by_category["source"] == "label"
