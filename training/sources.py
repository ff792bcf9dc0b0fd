"""What each known dataset's empty label cells mean, so models learn only from real annotations.

The shared data puts every dataset into one schema, but an empty `drivers` cell means "none mentioned"
in SemEval or ParsiNLU and "not annotated" in airline tweets or star-rating sets (see the data READMEs).
Training on "not annotated" as if it were "none" would teach the driver head to miss drivers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from cxtext.schema import Record

# drivers: "complete" = listed drivers are all the drivers (empty = none mentioned);
#          "listed-only" = a listed driver is real, an empty cell is unknown;
#          "none" = the column carries no text-based driver labels.
DRIVER_COVERAGE: dict[str, str] = {
    "airline_tweets": "listed-only",  # only negative tweets got one reason each
    "twcs_airline_intents": "listed-only",  # topic tags; an unmapped tag is not "no driver"
    "skytrax_airline_reviews": "none",  # aspect ratings, not text annotations
    "tripadvisor_hotel_aspects": "none",
    "churn_intent_en": "none",
    "parsinlu_movie": "none",  # movie aspects are not customer-service drivers
}

# Sources whose driver_sentiment comes from separate star ratings, not from what the text says.
RATING_BASED_DRIVER_SENTIMENT = frozenset({"skytrax_airline_reviews", "tripadvisor_hotel_aspects"})


def with_label_coverage(records: Iterable[Record]) -> list[Record]:
    """Records with labels their source did not really annotate set to None (= not labelled)."""
    out = []
    for record in records:
        coverage = DRIVER_COVERAGE.get(record.source or "", "complete")
        changes: dict[str, object] = {}
        if coverage == "none" or (coverage == "listed-only" and not record.drivers):
            changes["drivers"] = None
        if record.source in RATING_BASED_DRIVER_SENTIMENT:
            changes["driver_sentiment"] = None
        out.append(dataclasses.replace(record, **changes) if changes else record)
    return out
