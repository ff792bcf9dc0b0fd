"""Net Promoter Score from category counts, with confidence intervals; score averages for rating scales.

All functions take counts (scalars or arrays of any shape, broadcast together), because NPS depends only
on how many promoters, passives and detractors there are: groups, drivers and bootstrap replicates are
then one array operation each.

NPS = 100 × (promoters − detractors) / responses, in [−100, 100].

Interval: the adjusted Wald interval of Rocks (2016, "Interval estimation for the Net Promoter Score",
The American Statistician 70(4)) — add 3/4 of a response to promoters and to detractors and 3 to n, then
take the normal interval of a difference of two multinomial proportions. Rocks found it keeps its
nominal coverage on real survey data down to small samples, where the plain Wald interval collapses to
zero width (all 5 respondents promoters → [100, 100]).
"""

from __future__ import annotations

import math
from fractions import Fraction
from statistics import NormalDist

import numpy as np

ArrayLike = np.ndarray | float | int


def z_value(confidence: float) -> float:
    """The two-sided normal quantile for `confidence` (1.96 for 0.95)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def nps(promoters: ArrayLike, detractors: ArrayLike, n: ArrayLike) -> np.ndarray:
    """NPS in points; NaN where n is 0 (no responses, no score)."""
    promoters, detractors, n = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (promoters, detractors, n))
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, 100.0 * (promoters - detractors) / n, np.nan)


def nps_variance(promoters: ArrayLike, detractors: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Variance of the NPS estimate in points², from the adjusted counts (so it is never 0); NaN if n is 0."""
    promoters, detractors, n = (np.asarray(a, dtype=np.float64) for a in (promoters, detractors, n))
    n_adj = n + 3.0
    p, d = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
    return np.where(n > 0, (p + d - (p - d) ** 2) / n_adj * 1e4, np.nan)


def nps_interval(
    promoters: ArrayLike, detractors: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted Wald interval (Rocks 2016), clipped to [−100, 100]; NaN where n is 0."""
    promoters, detractors, n = (np.asarray(a, dtype=np.float64) for a in (promoters, detractors, n))
    n_adj = n + 3.0
    centre = 100.0 * (promoters - detractors) / n_adj
    half = z_value(confidence) * np.sqrt(nps_variance(promoters, detractors, n))
    return np.clip(centre - half, -100.0, 100.0), np.clip(centre + half, -100.0, 100.0)


def change_is_significant(
    before: tuple[ArrayLike, ArrayLike, ArrayLike],
    after: tuple[ArrayLike, ArrayLike, ArrayLike],
    confidence: float = 0.95,
) -> np.ndarray:
    """Whether NPS moved by more than sampling noise between two independent samples (two-sided z-test).

    Each argument is (promoters, detractors, n). False wherever either sample is empty.
    """
    diff = nps(*after) - nps(*before)
    se = np.sqrt(nps_variance(*after) + nps_variance(*before))
    with np.errstate(invalid="ignore"):
        return np.abs(diff) > z_value(confidence) * se  # NaN compares False


def mean_interval(
    values: np.ndarray, confidence: float = 0.95, counts: np.ndarray | None = None
) -> tuple[float, float, float]:
    """Mean of `values` (each given `counts` times, default once) and its normal-approximation interval
    (NaN interval below 2 values). Sums are exact fractions, so a histogram merged from parts gives the
    same numbers as the values themselves."""
    counts = np.ones(len(values), dtype=np.int64) if counts is None else counts
    n = int(counts.sum())
    if n == 0:
        return np.nan, np.nan, np.nan
    weighted = [
        (Fraction(value), count) for value, count in zip(values.tolist(), counts.tolist(), strict=True)
    ]
    total = sum(value * count for value, count in weighted)
    mean = float(total / n)
    if n < 2:
        return mean, np.nan, np.nan
    variance = (sum(value * value * count for value, count in weighted) - total * total / n) / (n - 1)
    half = z_value(confidence) * math.sqrt(variance) / np.sqrt(n)
    return mean, mean - half, mean + half


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (for the CSAT top-2-box share); NaN when n is 0."""
    if n == 0:
        return np.nan, np.nan
    z = z_value(confidence)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)
