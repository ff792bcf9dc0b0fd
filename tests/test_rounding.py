"""`rounded`: numpy rounding that must equal Python's `round`, value for value, including half-way cases."""

from __future__ import annotations

import numpy as np
import pytest

from cxtext.rounding import rounded


def python_round(values: np.ndarray, digits: int) -> list:
    return [round(v, digits) for v in values.astype(np.float64).tolist()]


@pytest.mark.parametrize("digits", [3, 4])
def test_rounded_equals_python_round_on_random_and_half_way_values(digits: int) -> None:
    rng = np.random.default_rng(digits)
    above = below = (np.arange(-3000, 3000) + 0.5) / 10**digits  # half-way points
    near = [above]
    for _ in range(8):  # and the floats just above and below them
        above, below = np.nextafter(above, np.inf), np.nextafter(below, -np.inf)
        near += [above, below]
    samples = [
        rng.random(200_000),
        rng.random(200_000).astype(np.float32),  # what the heads' probabilities are
        rng.normal(0, 5, 100_000),
        *near,
        np.array([0.0, -0.0, 2.675, 1.0005, 0.99995, 5e-5, -5e-5, 1e12, np.inf]),
    ]
    for values in samples:
        got, want = rounded(values, digits), python_round(values, digits)
        assert [repr(v) for v in got] == [repr(v) for v in want]


def test_rounded_keeps_the_shape_as_nested_lists() -> None:
    values = np.array([[0.12345, 0.5], [0.99996, 0.00004]], dtype=np.float32)
    assert rounded(values, 4) == [[round(float(v), 4) for v in row] for row in values]
    assert rounded(np.zeros(0), 4) == []
