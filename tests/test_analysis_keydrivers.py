"""Johnson's relative weights: known cases, their sum equals OLS R², and cells equal the expanded rows."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cxtext.analysis import analyze
from cxtext.analysis.keydrivers import relative_weights
from cxtext.schema import Record


def ols_r2(X: np.ndarray, y: np.ndarray) -> float:
    design = np.column_stack([np.ones(len(y)), X])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coef
    return 1 - residual.var() / y.var()


def test_orthogonal_predictors_get_their_squared_correlation() -> None:
    # a balanced 2 x 2 design: the two indicators are uncorrelated
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]] * 25, dtype=float)
    y = 2 * X[:, 0] - X[:, 1] + np.tile([0.3, -0.3, -0.3, 0.3], 25)
    raw, r2, correlation = relative_weights(X, y, np.ones(len(y)))
    assert np.allclose(raw, correlation**2)
    assert math.isclose(r2, ols_r2(X, y), abs_tol=1e-9)


def test_a_duplicated_predictor_shares_its_weight() -> None:
    rng = np.random.default_rng(0)
    X = (rng.random((400, 2)) < 0.4).astype(float)
    y = X @ [1.0, -0.5] + rng.normal(size=400)
    raw, r2, _ = relative_weights(X, y, np.ones(400))
    twin, twin_r2, _ = relative_weights(np.column_stack([X, X[:, 0]]), y, np.ones(400))
    assert math.isclose(twin_r2, r2, rel_tol=1e-6)
    assert math.isclose(twin[0], twin[2], rel_tol=1e-6)
    assert math.isclose(twin[0] + twin[2], raw[0], rel_tol=0.02)  # together about what the one column had


def test_constant_columns_get_zero_weight_and_no_correlation() -> None:
    X = np.array([[1, 0], [1, 1], [1, 0], [1, 1]], dtype=float)
    raw, r2, correlation = relative_weights(X, np.array([0.0, 1, 0, 1]), np.ones(4))
    assert raw[0] == 0 and math.isnan(correlation[0])
    assert math.isclose(r2, 1.0) and math.isclose(raw[1], 1.0)


@settings(max_examples=60, deadline=None)
@given(
    arrays(np.int8, st.tuples(st.integers(8, 40), st.integers(1, 5)), elements=st.integers(0, 1)),
    st.integers(0, 2**32 - 1),
)
def test_weights_are_non_negative_and_sum_to_ols_r2(X: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(-1, 2, len(X)).astype(float)
    counts = rng.integers(1, 5, len(X)).astype(float)
    raw, r2, _ = relative_weights(X.astype(float), y, counts)
    expanded = np.repeat(np.arange(len(X)), counts.astype(int))
    assert (raw >= -1e-12).all()
    if y[expanded].var() > 0:
        assert math.isclose(r2, ols_r2(X[expanded].astype(float), y[expanded]), abs_tol=1e-7)


def test_key_driver_section_on_records() -> None:
    """Negative price mentions come with detractors, positive staff mentions with promoters."""
    records = (
        [Record(text=f"p{i}", nps_category="detractor", drivers=("price",), driver_sentiment={"price": "negative"})
         for i in range(40)]
        + [Record(text=f"s{i}", nps_category="promoter", drivers=("staff",), driver_sentiment={"staff": "positive"})
           for i in range(30)]
        + [Record(text=f"n{i}", nps_category=c, drivers=()) for i, c in enumerate(["passive", "promoter"] * 15)]
    )  # fmt: skip
    key = analyze(records, bootstrap=0)["key_drivers"]
    X = np.array([[r.driver_sentiment == {"price": "negative"}, r.driver_sentiment == {"staff": "positive"}]
                  for r in records], dtype=float)  # fmt: skip
    y = np.array(
        [{"detractor": -1, "passive": 0, "promoter": 1}[r.nps_category] for r in records], dtype=float
    )
    assert key["r2"] == round(ols_r2(X, y), 4)
    by_name = {(i["driver"], i["sentiment"]): i for i in key["indicators"]}
    assert set(by_name) == {("price", "negative"), ("staff", "positive")}
    assert by_name["price", "negative"]["correlation"] < 0 < by_name["staff", "positive"]["correlation"]
    assert math.isclose(sum(i["share"] for i in key["indicators"]), 1.0, abs_tol=1e-3)
    assert key["drivers"]["quality"] == 0.0
