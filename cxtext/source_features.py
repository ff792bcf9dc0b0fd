"""Per-source copies of features: Daumé's "frustratingly easy" domain adaptation, with datasets as domains.

Pooled, the shared datasets disagree on what their labels mean: DeepSentiPers calls editorial product text
neutral, Digikala's label is the buyer's "recommend" verdict, not the tone of the text. One set of weights
learns the majority reading and loses up to 4 points on such a set against a model trained on it alone.
Each training row therefore also gets a copy of its word features private to its source: the shared
weights learn what all sources agree on, the private ones each source's convention. A text whose source
is declared at inference (a known dataset name) is scored with shared + private weights; any other text
with the shared weights alone; so that those stay right on their own, a share of the training rows can be left
without a copy (`shared_share`). Only word-level features are copied (characters n-grams are ~⅔ of the
non-zeros and, copied too, tripled the sentiment fit time for no measured gain).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp


class SourceFeatures:
    """Appends to each row a private copy of its `copied` columns, in a block of columns of its source.

    A source's block holds only the columns that occur in its training rows (a weight of a column never
    seen there would stay 0), so the copies add as many columns as the sources' vocabularies, not
    n_sources × n_features. Fewer than `min_sources` named sources: nothing to adapt, no copies.
    """

    def __init__(self, min_sources: int = 2, shared_share: float = 0.0, random_state: int = 0) -> None:
        self.min_sources = min_sources
        self.shared_share = shared_share
        self.random_state = random_state

    def fit(self, X: sp.csr_matrix, sources: Sequence[str | None], copied: np.ndarray) -> SourceFeatures:
        """`copied` is a boolean mask over X's columns: the features that get private copies."""
        labels = np.asarray([s or "" for s in sources], dtype=object)
        if len(labels) != X.shape[0] or copied.shape != (X.shape[1],):
            raise ValueError("one source per row and one mask value per column are needed")
        self.n_features_ = X.shape[1]
        self.columns_: dict[str, np.ndarray] = {}
        named = sorted(set(labels) - {""})
        if len(named) < self.min_sources:
            return self
        X = sp.csr_matrix(X)
        for source in named:
            present = np.zeros(X.shape[1], bool)
            present[X[np.flatnonzero(labels == source)].indices] = True
            self.columns_[source] = np.flatnonzero(present & copied)
        return self

    def fit_transform(
        self, X: sp.csr_matrix, sources: Sequence[str | None], copied: np.ndarray
    ) -> sp.csr_matrix:
        """Fit, then the training rows with their copies, except a random `shared_share` of them: on those
        the shared weights must be right alone, as for a text of unknown origin. Without them, the private
        driver weights took so much that undeclared texts lost 4–19 points of driver F1 (`bench/quality.py`)."""
        self.fit(X, sources, copied)
        keep = np.random.default_rng(self.random_state).random(len(sources)) >= self.shared_share
        return self.transform(
            X, [source if kept else None for source, kept in zip(sources, keep, strict=True)]
        )

    @property
    def n_copies(self) -> int:
        return sum(len(c) for c in self.columns_.values())

    def _offsets(self) -> dict[str, int]:
        sizes = np.cumsum([0] + [len(c) for c in self.columns_.values()])
        return {
            source: self.n_features_ + int(start) for source, start in zip(self.columns_, sizes, strict=False)
        }

    def transform(self, X: sp.csr_matrix, sources: Sequence[str | None]) -> sp.csr_matrix:
        """[X, private copies]; rows of undeclared or unknown sources get no copy (shared weights only)."""
        if not self.columns_:
            return X
        X = sp.csr_matrix(X)
        labels = np.asarray([s or "" for s in sources], dtype=object)
        rows, cols, values = [], [], []
        for source, offset in self._offsets().items():
            where = np.flatnonzero(labels == source)
            if where.size == 0:
                continue
            block = X[where][:, self.columns_[source]].tocoo()
            rows.append(where[block.row])
            cols.append(block.col + offset)
            values.append(block.data)
        if not rows:
            copies = sp.csr_matrix((X.shape[0], self.n_copies), dtype=X.dtype)
        else:
            copies = sp.csr_matrix(
                (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols) - self.n_features_)),
                shape=(X.shape[0], self.n_copies),
            )
        return sp.hstack([X, copies], format="csr")

    def split(self, weights: np.ndarray) -> tuple[np.ndarray, dict[str, sp.csr_matrix]]:
        """Class rows fitted on transformed features (k × (n_features + n_copies)) as the shared rows
        (k × n_features) and, per source, the private weights as a sparse (n_features × k) matrix: a text
        of that source scores `x @ shared.T + x @ private`."""
        k = weights.shape[0]
        private = {}
        for source, offset in self._offsets().items():
            columns = self.columns_[source]
            block = weights[:, offset : offset + len(columns)]
            private[source] = sp.csr_matrix(
                (block.T.ravel(), (np.repeat(columns, k), np.tile(np.arange(k), len(columns)))),
                shape=(self.n_features_, k),
            )
        return weights[:, : self.n_features_], private
