"""The fewest labelled texts a head may be trained on, checked before any training starts.

Why a floor: a head fitted on a handful of texts learns nothing that generalises, its held-out metrics are
noise, and with fewer texts than cross-validation folds the solvers fail deep inside numpy. Refusing up
front, with the count and the fix, is better than a failed job minutes later. A head with no labels at all
is fine: it is left untrained and listed in `untrained_heads`.
"""

from __future__ import annotations

from collections.abc import Sequence

from cxtext.schema import Record

MIN_LABELLED_PER_HEAD = 10


class TooFewLabelsError(ValueError):
    """Some head has labels, but fewer than the minimum; the message names each such head."""


def labelled_per_head(records: Sequence[Record]) -> dict[str, int]:
    """How many labelled texts (for driver sentiment: labelled (text, driver) pairs) each head would see."""
    return {
        "sentiment": sum(r.sentiment is not None for r in records),
        "nps_category": sum(r.nps_category is not None for r in records),
        "drivers": sum(r.drivers is not None for r in records),
        "driver_sentiment": sum(len(r.driver_sentiment or {}) for r in records),
        "churn": sum(r.churn is not None for r in records),
    }


def check_enough_labels(records: Sequence[Record], minimum: int = MIN_LABELLED_PER_HEAD) -> None:
    """Raise TooFewLabelsError when a head has between 1 and `minimum - 1` labelled texts.

    `records` are read as training will read them (after `training.sources.with_label_coverage`).
    """
    short = {head: n for head, n in labelled_per_head(records).items() if 0 < n < minimum}
    if short:
        listed = ", ".join(f"{head} has {n}" for head, n in short.items())
        raise TooFewLabelsError(
            f"too few labelled texts to train on: {listed}; each head needs at least {minimum} "
            "(label more texts, or leave that column empty so the head stays untrained)"
        )
