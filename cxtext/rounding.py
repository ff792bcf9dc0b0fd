"""Python's `round` for whole arrays: a batch's JSON holds a few dozen rounded numbers per text."""

from __future__ import annotations

import numpy as np


def rounded(values: np.ndarray, digits: int) -> list:
    """`round(float(v), digits)` of every value, as (nested) lists, computed with numpy.

    Python rounds the exact value of v to `digits` decimals (half to even) and returns the nearest float.
    numpy's rint(v · 10^digits) / 10^digits returns that same float (the division is correctly rounded)
    unless the scaled product, rounded itself, lies next to a half-way point: those few values, and any
    too large to scale safely, are rounded by Python.
    """
    x = np.asarray(values, dtype=np.float64)
    scale = 10.0**digits
    scaled = x * scale
    out = np.rint(scaled) / scale
    unsure = (np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6) | ~(np.abs(scaled) < 2.0**30)
    if unsure.any():
        out[unsure] = [round(v, digits) for v in x[unsure].tolist()]
    return out.tolist()
