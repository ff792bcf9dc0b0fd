"""Per-driver impact: the hand-computed case, the bootstrap, and properties (hypothesis)."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxtext.analysis import analyze
from cxtext.analysis.cells import cell_table
from cxtext.analysis.drivers import bootstrap_impact, mention_masks
from cxtext.analysis.frame import frame_from_records
from cxtext.schema import Record


def block(
    count: int, category: str, drivers: dict[str, str | None] | None = None, start: int = 0
) -> list[Record]:
    """`count` responses of one NPS category mentioning `drivers` ({name: polarity or None})."""
    drivers = drivers or {}
    polarity = {name: p for name, p in drivers.items() if p is not None}
    return [
        Record(text=f"{category} {sorted(drivers)} {start + i}", id=f"{category}-{start + i}-{sorted(drivers)}",
               nps_category=category, drivers=tuple(drivers), driver_sentiment=polarity)
        for i in range(count)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def hand_case() -> list[Record]:
    """1,000 responses, 500 promoters and 200 detractors (NPS 30); price in 200 of them with 40 promoters
    and 120 detractors — 150 negative mentions (10 P, 20 passive, 120 D) and 50 positive (30 P, 20 passive)."""
    return (
        block(10, "promoter", {"price": "negative"})
        + block(20, "passive", {"price": "negative"})
        + block(120, "detractor", {"price": "negative"})
        + block(30, "promoter", {"price": "positive"})
        + block(20, "passive", {"price": "positive"})
        + block(460, "promoter")
        + block(260, "passive")
        + block(80, "detractor")
    )


@pytest.fixture(scope="module")
def hand_result(hand_case: list[Record]) -> dict:
    return analyze(hand_case, bootstrap=2000, seed=1)


def test_hand_computed_impact(hand_result: dict) -> None:
    assert hand_result["nps"]["value"] == 30.0
    price = hand_result["drivers"]["price"]
    assert (price["mentions"], price["share"], price["n_nps"]) == (200, 0.2, 200)
    assert price["nps"] == -40.0  # (40 - 120) / 200
    assert price["nps_without"] == 47.5  # (460 - 80) / 800
    assert price["impact"] == -17.5
    assert price["sentiment"] == {"unknown": 0, "negative": 150, "neutral": 0, "positive": 50, "mixed": 0}
    # leaving out only the 150 negative mentions: (490 - 80) / 850; only the 50 positive: (470 - 200) / 950
    assert price["impact_negative"]["impact"] == round(30 - 100 * 410 / 850, 2)
    assert price["impact_positive"]["impact"] == round(30 - 100 * 270 / 950, 2)
    assert price["impact_negative"]["mentions"] == 150 and price["impact_positive"]["mentions"] == 50


def test_bootstrap_interval_brackets_the_impact_with_a_sensible_width(hand_result: dict) -> None:
    low, high = hand_result["drivers"]["price"]["impact_ci"]
    assert low < -17.5 < high
    assert 4 < high - low < 15  # roughly ±1.96 standard errors of a leave-one-out difference at n = 1,000


def test_a_driver_nobody_mentions_has_impact_zero(hand_result: dict) -> None:
    staff = hand_result["drivers"]["staff"]
    assert (staff["mentions"], staff["share"], staff["impact"], staff["impact_ci"]) == (
        0,
        0.0,
        0.0,
        [0.0, 0.0],
    )
    assert staff["nps"] is None and staff["nps_without"] == 30.0 and staff["small"]


def test_multinomial_cell_bootstrap_matches_resampling_the_records(hand_case: list[Record]) -> None:
    """The design claim: drawing counts over cells is the same distribution as resampling responses."""
    frame = frame_from_records(hand_case)
    cells = cell_table(frame.state, frame.category)
    masks = mention_masks(cells.state)
    price = frame.drivers.index("price")
    rng = np.random.default_rng(3)
    replicates = np.array(
        [_impact_of(frame.state[idx, price] > 0, frame.category[idx]) for idx in
         (rng.integers(0, len(frame), len(frame)) for _ in range(1500))]
    )  # fmt: skip
    naive_low, naive_high = np.quantile(replicates, [0.025, 0.975])
    low, high = bootstrap_impact(cells, masks, 1500, np.random.default_rng(4), 0.95)
    assert math.isclose(low[price], naive_low, abs_tol=1.0)
    assert math.isclose(high[price], naive_high, abs_tol=1.0)


def _impact_of(mentioned: np.ndarray, category: np.ndarray) -> float:
    def value(rows: np.ndarray) -> float:
        return 100 * ((category[rows] == 2).sum() - (category[rows] == 0).sum()) / rows.sum()

    everyone = np.ones(len(category), dtype=bool)
    return value(everyone) - value(~mentioned)


def test_given_driver_sentiment_without_drivers_counts_as_a_mention() -> None:
    """Skytrax/TripAdvisor rows rate aspects in `driver_sentiment` and leave `drivers` empty."""
    records = [
        Record(text="a", score=2, score_scale="1-10", drivers=(), driver_sentiment={"staff": "negative"}),
        Record(text="b", score=10, score_scale="1-10", drivers=(), driver_sentiment={}),
    ]
    result = analyze(records, bootstrap=0)
    assert result["drivers"]["staff"]["mentions"] == 1
    assert result["drivers"]["staff"]["impact"] == -100.0  # NPS 0 with it, 100 without


def test_churn_risk_per_driver() -> None:
    records = [
        Record(text="a", drivers=("price",), churn=True),
        Record(text="b", drivers=("price",), churn=False),
        Record(text="c", drivers=("price", "staff"), extra={"churn_probability": "0.7"}),
        Record(text="d", drivers=("staff",)),
    ]
    price = analyze(records, bootstrap=0)["drivers"]["price"]
    assert price["churn_risk"] == round((1 + 0 + 0.7) / 3, 4)
    assert (price["churn_known"], price["high_risk"]) == (3, 2)


# -- properties -------------------------------------------------------------------------------------------
CATEGORIES = ("detractor", "passive", "promoter")
POLARITY = st.sampled_from([None, "negative", "neutral", "positive", "mixed"])
RESPONSE = st.tuples(
    st.sampled_from(CATEGORIES),
    st.dictionaries(st.sampled_from(["quality", "price", "access"]), POLARITY, max_size=3),
)


def records_from(rows: list[tuple[str, dict[str, str | None]]]) -> list[Record]:
    return [
        Record(text=f"text {i}", id=str(i), nps_category=category, drivers=tuple(drivers),
               driver_sentiment={d: p for d, p in drivers.items() if p})
        for i, (category, drivers) in enumerate(rows)
    ]  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RESPONSE, min_size=1, max_size=60), st.randoms(use_true_random=False))
def test_properties_bounds_zero_impact_and_order_independence(rows, shuffler: random.Random) -> None:
    records = records_from(rows)
    result = analyze(records, bootstrap=50, seed=5)
    nps = result["nps"]
    assert -100 <= nps["value"] <= 100 and -100 <= nps["ci_low"] <= nps["ci_high"] <= 100
    staff = result["drivers"]["staff"]  # never generated: nobody mentions it
    assert staff["impact"] == 0.0 and staff["impact_ci"] == [0.0, 0.0]
    for stats in result["drivers"].values():
        if stats["nps_without"] is not None:
            assert math.isclose(stats["impact"], nps["value"] - stats["nps_without"], abs_tol=0.011)
        for value in (stats["nps"], stats["nps_without"]):
            assert value is None or -100 <= value <= 100
    shuffled = records[:]
    shuffler.shuffle(shuffled)
    again = analyze(shuffled, bootstrap=50, seed=5)
    assert json.dumps(again, sort_keys=True) == json.dumps(result, sort_keys=True)


def test_a_driver_in_almost_every_response_gets_a_warning(hand_result: dict) -> None:
    assert not any("price is mentioned" in w for w in hand_result["warnings"])  # 20%: no warning
    records = block(45, "promoter", {"quality": "positive"}) + block(45, "detractor", {"quality": None})
    records += block(10, "passive")
    warnings = analyze(records, bootstrap=0)["warnings"]
    assert any(w.startswith("quality is mentioned in 90% of the NPS responses") for w in warnings)
