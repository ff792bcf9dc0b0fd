"""Key-driver weights: Johnson's relative weights of driver × sentiment indicators against NPS.

Why relative weights and not regression coefficients: drivers are mentioned together (a review that
praises the food often praises the staff), and with correlated predictors OLS coefficients swing and
change sign. Johnson (2000, "A heuristic method for estimating the relative weight of predictor
variables in multiple regression", Multivariate Behavioral Research 35(1)) splits R² among correlated
predictors: each weight is that predictor's share of the variance the model explains, the weights are
non-negative and sum to R², and they closely track the Shapley (LMG) decomposition at a fraction of its
cost (one eigen-decomposition instead of 2^P regressions).

Design: one indicator per (driver, polarity) — "price mentioned negatively", "staff mentioned
positively", ... (mentions without a known polarity get their own "unknown" indicator). Outcome: the NPS
category as −1 (detractor), 0 (passive), +1 (promoter), whose mean × 100 is the NPS, so R² is the share of
NPS variance the drivers explain. Everything is computed from the weighted correlation matrix of the
aggregated cells, exactly equal to the one over all responses.
"""

from __future__ import annotations

import numpy as np

from cxtext.analysis.cells import Cells
from cxtext.analysis.frame import ABSENT, PASSIVE, STATES
from cxtext.analysis.rounding import num

OUTCOME = "NPS category as -1 detractor, 0 passive, +1 promoter"
_TOLERANCE = 1e-10


def relative_weights(
    X: np.ndarray, y: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray]:
    """Johnson's raw relative weights of the columns of X (sum = R²), R², and each column's correlation with y.

    Rows are weighted by `weights` (counts). Constant columns get weight 0 and correlation NaN; exactly
    collinear columns share their weight (the eigen-decomposition works on the column space).
    """
    p = X.shape[1]
    total = float(weights.sum())
    raw = np.zeros(p)
    correlation = np.full(p, np.nan)
    if total <= 0:
        return raw, 0.0, correlation
    x_centred = X - (weights @ X) / total
    y_centred = y - (weights @ y) / total
    var_y = float(weights @ y_centred**2) / total
    weighted = x_centred * weights[:, None]
    cov = weighted.T @ x_centred / total
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    keep = sd > _TOLERANCE
    if var_y <= _TOLERANCE or not keep.any():
        return raw, 0.0, correlation
    r_xx = cov[np.ix_(keep, keep)] / np.outer(sd[keep], sd[keep])
    r_xy = (weighted[:, keep].T @ y_centred / total) / (sd[keep] * np.sqrt(var_y))
    eigenvalues, eigenvectors = np.linalg.eigh(r_xx)
    root = np.sqrt(np.clip(eigenvalues, 0, None))
    lam = (eigenvectors * root) @ eigenvectors.T  # correlations between X and its closest orthogonal Z
    beta = np.linalg.pinv(lam, rcond=1e-10, hermitian=True) @ r_xy  # regression of y on Z
    raw[keep] = (lam**2) @ (beta**2)
    correlation[keep] = r_xy
    return raw, float(raw.sum()), correlation


def key_driver_weights(base: Cells, drivers: tuple[str, ...]) -> dict:
    """The `key_drivers` section: R², and every (driver, polarity) indicator with its weight."""
    polarities = [(code, name) for code, name in enumerate(STATES) if code != ABSENT]
    columns = [(j, code, name) for j in range(len(drivers)) for code, name in polarities]
    X = np.stack([base.state[:, j] == code for j, code, _ in columns], axis=1).astype(np.float64)
    y = base.category.astype(np.float64) - PASSIVE
    raw, r2, correlation = relative_weights(X, y, base.count.astype(np.float64))
    present = base.count @ X
    indicators = [
        {
            "driver": drivers[j],
            "sentiment": name,
            "n": int(present[i]),
            "weight": num(raw[i], 5),
            "share": num(raw[i] / r2, 4) if r2 > 0 else None,
            "correlation": num(correlation[i], 4),
        }
        for i, (j, _, name) in enumerate(columns)
        if present[i] > 0
    ]
    indicators.sort(key=lambda item: (-(item["weight"] or 0.0), item["driver"], item["sentiment"]))
    per_driver = {
        name: float(raw[[i for i, c in enumerate(columns) if c[0] == j]].sum())
        for j, name in enumerate(drivers)
    }
    return {
        "method": "johnson_relative_weights",
        "outcome": OUTCOME,
        "n": int(base.count.sum()),
        "r2": num(r2, 4),
        "drivers": {name: num(value / r2, 4) if r2 > 0 else None for name, value in per_driver.items()},
        "indicators": indicators,
    }
