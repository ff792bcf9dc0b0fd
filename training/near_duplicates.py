"""Near-duplicate detection for hand-written corpora (character 5-gram Jaccard).

A starter corpus is only useful if its lines are genuinely different sentences; templates that fill
slots produce pairs with very high character-n-gram overlap, which this measures.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer


def near_duplicate_pairs(
    texts: Sequence[str], threshold: float = 0.8, ngram: int = 5
) -> list[tuple[int, int, float]]:
    """Pairs (i, j, jaccard) with i < j whose character n-gram sets overlap by at least `threshold`."""
    if len(texts) < 2:
        return []
    vectorizer = CountVectorizer(analyzer="char", ngram_range=(ngram, ngram), binary=True, lowercase=True)
    grams = vectorizer.fit_transform([" ".join(t.split()) for t in texts]).astype(np.int32).tocsr()
    sizes = np.asarray(grams.sum(axis=1)).ravel()
    overlap = (grams @ grams.T).tocoo()
    pairs = []
    for i, j, inter in zip(overlap.row, overlap.col, overlap.data, strict=True):
        if i >= j:
            continue
        union = sizes[i] + sizes[j] - inter
        jaccard = inter / union if union else 1.0
        if jaccard >= threshold:
            pairs.append((int(i), int(j), float(jaccard)))
    return sorted(pairs)


def near_duplicate_rate(texts: Sequence[str], threshold: float = 0.8) -> float:
    """Share of texts that have at least one near-duplicate elsewhere in the collection."""
    if not texts:
        return 0.0
    involved = {k for i, j, _ in near_duplicate_pairs(texts, threshold) for k in (i, j)}
    return len(involved) / len(texts)
