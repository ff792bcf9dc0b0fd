"""The aggregated design: distinct (group, driver states, NPS category) combinations and their counts.

Every NPS statistic — overall, per driver, leave-one-out, per period or segment, each bootstrap
replicate, the correlation matrix for key-driver weights — is a function of how many responses fall in
each such cell. A million responses with four drivers collapse into at most a few hundred cells, so the
analysis after this one `np.unique` costs the same for a thousand responses as for a million, and does
not depend on the order of the records (cells come out sorted by their code).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cxtext.analysis.frame import DETRACTOR, PROMOTER

# Codes are re-compacted before they could overflow int64.
_MAX_CODE = 2**62


@dataclass(frozen=True)
class Cells:
    """`count[c]` responses share group `group[c]`, driver states `state[c]` and NPS category `category[c]`."""

    state: np.ndarray  # (C, K) int8
    category: np.ndarray  # (C,) int8
    group: np.ndarray  # (C,) intp
    count: np.ndarray  # (C,) int64
    n_groups: int

    @property
    def promoters(self) -> np.ndarray:
        return self.count * (self.category == PROMOTER)

    @property
    def detractors(self) -> np.ndarray:
        return self.count * (self.category == DETRACTOR)


@dataclass(frozen=True)
class Counts:
    """Responses, promoters and detractors; any shape (per group, per group × driver, per replicate...)."""

    n: np.ndarray
    promoters: np.ndarray
    detractors: np.ndarray

    def __sub__(self, other: Counts) -> Counts:
        return Counts(self.n - other.n, self.promoters - other.promoters, self.detractors - other.detractors)


def cell_table(
    state: np.ndarray,
    category: np.ndarray,
    group: np.ndarray | None = None,
    n_groups: int = 1,
    count: np.ndarray | None = None,
) -> Cells:
    """Aggregate rows (driver `state` (n, K), `category` (n,), optional `group` codes) into cells; each row
    stands for `count` responses (default 1), so cells can be made from cells."""
    n = len(category)
    group = np.zeros(n, dtype=np.intp) if group is None else np.asarray(group, dtype=np.intp)
    first, inverse = distinct_rows([group, category, *state.T])
    counts = np.bincount(inverse, weights=count, minlength=len(first)).astype(np.int64)
    return Cells(state[first], category[first], group[first], counts, n_groups)


def distinct_rows(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The first index of each distinct row of integer `columns`, rows sorted by the columns in order, and
    each row's index among them: one `np.unique` over a mixed-radix code of the columns."""
    n = len(columns[0]) if columns else 0
    code = np.zeros(n, dtype=np.int64)
    if n == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    bound = 1
    for column in columns:
        low = int(column.min())
        span = int(column.max()) - low + 1
        if bound * span > _MAX_CODE:
            code = np.unique(code, return_inverse=True)[1].astype(np.int64)
            bound = int(code.max(initial=0)) + 1
        code = code * span + (column.astype(np.int64) - low)
        bound *= span
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def group_totals(cells: Cells) -> Counts:
    """Counts per group, shape (G,)."""
    return Counts(*(_per_group(cells, weights) for weights in _weights(cells)))


def group_mentions(cells: Cells, mentioned: np.ndarray) -> Counts:
    """Counts per group of the responses that match each column of `mentioned` (C, M): shape (G, M)."""
    columns = [
        np.stack([_per_group(cells, weights * mentioned[:, m]) for m in range(mentioned.shape[1])], axis=-1)
        if mentioned.shape[1]
        else np.zeros((cells.n_groups, 0))
        for weights in _weights(cells)
    ]
    return Counts(*columns)


def _weights(cells: Cells) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return cells.count, cells.promoters, cells.detractors


def _per_group(cells: Cells, weights: np.ndarray) -> np.ndarray:
    return np.bincount(cells.group, weights=weights, minlength=cells.n_groups)
