"""What each dataset's labels mean, so models learn only from what was really annotated.

The shared data puts every dataset into one schema, but the same cell means different things in each:
an empty `drivers` cell is "none mentioned" in SemEval or ParsiNLU and "not annotated" in airline tweets,
star-rating sets or the Persian review sets; SnappFood's `positive` is one side of a two-way label (its
annotators had no neutral or mixed to choose), so it says "positive rather than negative", not "not
neutral". This module is the one place that records it (the data READMEs are the sources), and the one
place a user's own file declares it — by a sidecar `FILE.labels.json` or `cxtext train --empty-drivers` —
because a source nobody declared is never read as "empty = none mentioned".
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cxtext.io.records import FileCounts
from cxtext.schema import NPS_POLES, POLARITY_LABELS, Record

DRIVER_COVERAGES = ("complete", "listed-only", "none")
EMPTY_DRIVERS = {"none-mentioned": "complete", "not-annotated": "listed-only"}
SIDECAR_SUFFIX = ".labels.json"


@dataclass(frozen=True)
class LabelSemantics:
    """How to read one source's label cells.

    drivers: "complete" = the listed drivers are all there are (empty = none mentioned); "listed-only" =
      a listed driver is real, an empty cell is unknown; "none" = the column is not a text annotation.
    sentiment: "full" = any class could have been chosen; "polarity" = the annotators chose only between
      positive and negative (and so promoter and detractor), so the labels teach polarity, never "this is
      not neutral" or "not passive".
    """

    drivers: str = "listed-only"
    sentiment: str = "full"
    rating_based_driver_sentiment: bool = False
    note: str = ""

    def __post_init__(self) -> None:
        if self.drivers not in DRIVER_COVERAGES:
            raise ValueError(f"drivers must be one of {', '.join(DRIVER_COVERAGES)}, not {self.drivers!r}")
        if self.sentiment not in ("full", "polarity"):
            raise ValueError(f"sentiment must be 'full' or 'polarity', not {self.sentiment!r}")


ANALYST_SOURCE = "analyst_review"

SOURCES: dict[str, LabelSemantics] = {
    ANALYST_SOURCE: LabelSemantics(
        "complete", note="labelled in the review queue: the analyst answered for every driver (required)"
    ),
    "starter_corpus": LabelSemantics("complete", note="the project's own corpus, every label on every row"),
    "semeval14_restaurants": LabelSemantics("complete", note="aspect categories mapped to drivers"),
    "mams_acsa": LabelSemantics("complete", note="aspect categories mapped to drivers"),
    "parsinlu_food": LabelSemantics("complete", note="aspects mapped to drivers; no staff aspect"),
    "airline_tweets": LabelSemantics("listed-only", note="only negative tweets got one reason each"),
    "twcs_airline_intents": LabelSemantics(
        "listed-only", note="topic tags; an unmapped tag is not 'no driver'"
    ),
    "skytrax_airline_reviews": LabelSemantics(
        "none", rating_based_driver_sentiment=True, note="aspect star ratings, not text annotations"
    ),
    "tripadvisor_hotel_aspects": LabelSemantics(
        "none", rating_based_driver_sentiment=True, note="aspect star ratings, not text annotations"
    ),
    "churn_intent_en": LabelSemantics("none", note="churn intent only"),
    "parsinlu_movie": LabelSemantics("none", note="movie aspects are not customer-service drivers"),
    "snappfood": LabelSemantics("none", "polarity", note="HAPPY/SAD only; noisy; no driver annotation"),
    "digikala_recommend": LabelSemantics(
        "none", "polarity", note="recommended / not recommended only; no driver annotation"
    ),
    "digikala_comments": LabelSemantics(
        "none",
        note="the buyer's 'would you recommend' answer (an NPS proxy) read as sentiment: no_idea = neutral",
    ),
    "deepsentipers": LabelSemantics(
        "none", note="sentence polarity; neutral is partly editorial (non-opinion) product description"
    ),
}

UNDECLARED = LabelSemantics(note="not declared: an empty drivers cell is read as 'not annotated'")


class SemanticsError(ValueError):
    """A declaration that cannot be used (unknown value, unreadable sidecar)."""


def semantics_from_dict(data: dict, where: str) -> LabelSemantics:
    """A declaration as written in a sidecar file: {"empty_drivers": "none-mentioned", "sentiment": ...}."""
    unknown = set(data) - {"empty_drivers", "drivers", "sentiment"}
    if unknown:
        raise SemanticsError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    drivers = data.get("drivers")
    if "empty_drivers" in data:
        if data["empty_drivers"] not in EMPTY_DRIVERS:
            raise SemanticsError(f"{where}: empty_drivers must be one of {', '.join(EMPTY_DRIVERS)}")
        drivers = EMPTY_DRIVERS[data["empty_drivers"]]
    try:
        return LabelSemantics(drivers or UNDECLARED.drivers, data.get("sentiment", "full"))
    except ValueError as exc:
        raise SemanticsError(f"{where}: {exc}") from None


def sidecar_semantics(path: str | os.PathLike[str]) -> LabelSemantics | None:
    """The declaration in `FILE.labels.json` beside a data file, if there is one."""
    sidecar = Path(str(path) + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return None
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SemanticsError(f"{sidecar}: not a readable JSON object ({exc})") from None
    if not isinstance(data, dict):
        raise SemanticsError(f"{sidecar}: expected a JSON object")
    return semantics_from_dict(data, str(sidecar))


def semantics_of(record: Record, declared: LabelSemantics | None = None) -> LabelSemantics:
    """A file's own declaration wins, then the known source, then the cautious undeclared reading."""
    return declared or SOURCES.get(record.source or "", UNDECLARED)


Declared = LabelSemantics | Sequence[LabelSemantics | None] | None


def _paired(records: Iterable[Record], declared: Declared) -> list[tuple[Record, LabelSemantics | None]]:
    records = list(records)
    if declared is None or isinstance(declared, LabelSemantics):
        declared = [declared] * len(records)
    if len(declared) != len(records):
        raise ValueError(f"{len(records)} records but {len(declared)} declarations")
    return list(zip(records, declared, strict=True))


def with_label_coverage(records: Iterable[Record], declared: Declared = None) -> list[Record]:
    """Records with labels their source did not really annotate set to None (= not labelled), and
    two-way (pole-only) sentiment and NPS labels marked (`Record.two_way`).

    `declared` is what the files say about themselves: one declaration for every record, or one per record
    (None where a file declares nothing).
    """
    out = []
    for record, own in _paired(records, declared):
        semantics = semantics_of(record, own)
        changes: dict[str, object] = {}
        if semantics.drivers == "none" or (semantics.drivers == "listed-only" and not record.drivers):
            changes["drivers"] = None
        if semantics.rating_based_driver_sentiment:
            changes["driver_sentiment"] = None
        if semantics.sentiment == "polarity":
            changes["two_way"] = True
            if record.sentiment not in (None, *POLARITY_LABELS):
                changes["sentiment"] = None  # a two-way source cannot say neutral or mixed: not a label
            if record.nps_category not in (None, *NPS_POLES):
                changes["nps_category"] = None
        out.append(dataclasses.replace(record, **changes) if changes else record)
    return out


def undeclared_empty_drivers(records: Iterable[Record], declared: Declared = None) -> int:
    """How many records have an empty drivers cell that is read as "not annotated" only because nobody
    declared what it means (worth telling the person training)."""
    return sum(
        record.drivers == () and own is None and (record.source or "") not in SOURCES
        for record, own in _paired(records, declared)
    )


def semantics_from_flag(empty_drivers: str | None) -> LabelSemantics | None:
    """The declaration of `--empty-drivers` (or the API's `empty_drivers`); None when not given."""
    return semantics_from_dict({"empty_drivers": empty_drivers}, "empty_drivers") if empty_drivers else None


def file_declarations(
    paths: Sequence[str | os.PathLike[str]], counts: Mapping[str, FileCounts], flag: LabelSemantics | None
) -> list[LabelSemantics | None]:
    """One declaration per loaded record (`counts` as `load_records` reports them): the command-line
    flag, else the file's sidecar, else None."""
    out: list[LabelSemantics | None] = []
    for path in paths:
        out += [flag or sidecar_semantics(path)] * counts[str(path)].loaded
    return out
