"""The labelled-data contract: one `Record` per piece of feedback, and its row form in CSV/JSONL files.

`record_from_row` is the single place where a row's cells are checked against the schema, and
`record_to_row` writes a record back so that files round-trip (load → score → write → load).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cxtext.scores import (
    DEFAULT_SCALE,
    ScoreError,
    format_score,
    nps_category_from_score,
    parse_scale,
    parse_score,
    validate_score,
)
from cxtext.taxonomy import Taxonomy

SENTIMENTS = ("negative", "neutral", "positive", "mixed")
POLARITIES = SENTIMENTS  # a driver's polarity in `driver_sentiment` takes the same four values
NPS_CATEGORIES = ("detractor", "passive", "promoter")
POLARITY_LABELS = ("negative", "positive")  # the two sentiment classes a two-way (binary) source can give
NPS_POLES = ("detractor", "promoter")  # the two NPS categories a two-way source can give
LANGUAGES = ("fa", "en", "fa-Latn")

COLUMNS: tuple[str, ...] = (
    "id",
    "lang",
    "text",
    "sentiment",
    "drivers",
    "driver_sentiment",
    "nps_category",
    "score",
    "score_scale",
    "churn",
    "source",
    "split",
)
_COLUMN_SET = frozenset(COLUMNS)
_CHURN = {"1": True, "true": True, "0": False, "false": False}


@dataclass(frozen=True, slots=True)
class Record:
    text: str
    id: str | None = None
    lang: str | None = None
    sentiment: str | None = None
    drivers: tuple[str, ...] | None = None  # None = column absent; () = cell empty
    driver_sentiment: Mapping[str, str] | None = None  # {"price": "negative"}
    nps_category: str | None = None
    score: float | None = None
    score_scale: str | None = None  # "0-10", "1-10", "1-5", ...
    churn: bool | None = None
    source: str | None = None
    split: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    # True when the annotator could only choose a pole (positive/negative, promoter/detractor): the
    # sentiment and NPS labels then say which pole, not that the text is not neutral or passive. Set from
    # the source's declared semantics (training.sources), never read from a cell.
    two_way: bool = False


class SchemaError(ValueError):
    """A cell that breaks the data contract; `column` says which one, the message says how."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def record_from_row(row: Mapping[str, object], taxonomy: Taxonomy | None = None) -> Record:
    """Check one row (CSV cells or a JSON object) and build its Record; SchemaError on the first problem.

    Empty cells and JSON nulls mean "not labelled". Label cells are stripped of surrounding whitespace,
    `text` is kept exactly. A score without a scale is read on 0-10; an empty `nps_category` next to a
    score is filled from the score, and a given one must agree with it. `driver_sentiment` may only name
    drivers listed in `drivers` when `drivers` is non-empty (an empty `drivers` means "unknown").
    JSON rows may also use native types: a list for `drivers`, an object for `driver_sentiment`,
    a number for `score`, a boolean or 0/1 for `churn`.
    """
    taxonomy = taxonomy or Taxonomy.default()
    text = _text(row)
    drivers = _drivers(row, taxonomy)
    score, scale = _score_and_scale(row)
    return Record(
        text=text,
        id=_id(row),
        lang=_choice(row, "lang", LANGUAGES),
        sentiment=_choice(row, "sentiment", SENTIMENTS),
        drivers=drivers,
        driver_sentiment=_driver_sentiment(row, taxonomy, drivers),
        nps_category=_nps_category(row, score, scale),
        score=score,
        score_scale=scale,
        churn=_churn(row),
        source=_string(row, "source"),
        split=_string(row, "split"),
        extra={key: _extra_value(value) for key, value in row.items() if key not in _COLUMN_SET},
    )


def record_to_row(record: Record, taxonomy: Taxonomy | None = None) -> dict[str, str]:
    """The record as schema cells (then its extra columns); drivers in taxonomy order, `;`-joined."""
    order = {name: i for i, name in enumerate((taxonomy or Taxonomy.default()).names)}

    def ordered(names: Iterable[str]) -> list[str]:
        return sorted(names, key=lambda name: order.get(name, len(order)))

    sentiment = record.driver_sentiment or {}
    row = {
        "id": record.id or "",
        "lang": record.lang or "",
        "text": record.text,
        "sentiment": record.sentiment or "",
        "drivers": ";".join(ordered(record.drivers or ())),
        "driver_sentiment": ";".join(f"{name}:{sentiment[name]}" for name in ordered(sentiment)),
        "nps_category": record.nps_category or "",
        "score": "" if record.score is None else format_score(record.score),
        "score_scale": record.score_scale or "",
        "churn": "" if record.churn is None else str(int(record.churn)),
        "source": record.source or "",
        "split": record.split or "",
    }
    for key, value in record.extra.items():
        row.setdefault(key, value)
    return row


def _text(row: Mapping[str, object]) -> str:
    if "text" not in row or row["text"] is None:
        raise SchemaError("text", "missing text")
    text = row["text"]
    if not isinstance(text, str):
        raise SchemaError("text", f"text must be a string, got {type(text).__name__}")
    if not text.strip():
        raise SchemaError("text", "text is empty or whitespace only")
    return text


def _string(row: Mapping[str, object], column: str) -> str | None:
    """A free string cell, stripped; empty or null → None."""
    value = row.get(column)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SchemaError(column, f"{column} must be a string, got {type(value).__name__}")
    return value.strip() or None


def _id(row: Mapping[str, object]) -> str | None:
    value = row.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _string(row, "id")


def _choice(row: Mapping[str, object], column: str, allowed: tuple[str, ...]) -> str | None:
    value = _string(row, column)
    if value is not None and value not in allowed:
        raise SchemaError(column, f"unknown {column} {value!r} (allowed: {', '.join(allowed)})")
    return value


def _parts(row: Mapping[str, object], column: str, separator: str) -> list[str] | None:
    """The non-empty `separator`-joined parts of a cell (or items of a JSON list); None if absent."""
    if column not in row:
        return None
    value = row[column]
    if value is None:
        return []
    if isinstance(value, str):
        items: list[object] = value.split(separator)
    elif isinstance(value, list):
        items = value
    else:
        raise SchemaError(column, f"{column} must be a string or a list, got {type(value).__name__}")
    parts = []
    for item in items:
        if not isinstance(item, str):
            raise SchemaError(column, f"{column} entries must be strings, got {item!r}")
        if item.strip():
            parts.append(item.strip())
    return parts


def _drivers(row: Mapping[str, object], taxonomy: Taxonomy) -> tuple[str, ...] | None:
    names = _parts(row, "drivers", ";")
    if names is None:
        return None
    for name in names:
        if name not in taxonomy:
            raise SchemaError("drivers", f"unknown driver {name!r} (taxonomy: {', '.join(taxonomy.names)})")
    return tuple(name for name in taxonomy.names if name in names)


def _driver_sentiment(
    row: Mapping[str, object], taxonomy: Taxonomy, drivers: tuple[str, ...] | None
) -> dict[str, str] | None:
    value = row.get("driver_sentiment")
    if isinstance(value, dict):
        pairs = [(str(name), polarity) for name, polarity in value.items()]
    else:
        entries = _parts(row, "driver_sentiment", ";")
        if entries is None:
            return None
        pairs = []
        for entry in entries:
            name, colon, polarity = entry.partition(":")
            if not colon or ":" in polarity:
                raise SchemaError("driver_sentiment", f"malformed entry {entry!r} (expected driver:polarity)")
            pairs.append((name.strip(), polarity.strip()))
    found: dict[str, str] = {}
    for name, polarity in pairs:
        if name not in taxonomy:
            raise SchemaError(
                "driver_sentiment",
                f"unknown driver {name!r} in driver_sentiment (taxonomy: {', '.join(taxonomy.names)})",
            )
        if polarity not in POLARITIES:
            raise SchemaError(
                "driver_sentiment",
                f"unknown polarity {polarity!r} for driver {name!r} (allowed: {', '.join(POLARITIES)})",
            )
        if name in found:
            raise SchemaError("driver_sentiment", f"driver {name!r} appears twice in driver_sentiment")
        if drivers and name not in drivers:
            raise SchemaError(
                "driver_sentiment",
                f"driver_sentiment names {name!r}, which is not in drivers ({';'.join(drivers)})",
            )
        found[name] = polarity
    return {name: found[name] for name in taxonomy.names if name in found}


def _score_and_scale(row: Mapping[str, object]) -> tuple[float | None, str | None]:
    """The score and the canonical name of its scale; a score without a scale is on 0-10."""
    scale_name = _string(row, "score_scale")
    try:
        scale = parse_scale(scale_name) if scale_name is not None else None
    except ScoreError as exc:
        raise SchemaError("score_scale", str(exc)) from None
    value = row.get("score")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, scale.name if scale else None
    try:
        if isinstance(value, str):
            score = parse_score(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            score = float(value)
        else:
            raise ScoreError(f"score must be a number, got {type(value).__name__}")
        scale = scale or DEFAULT_SCALE
        return validate_score(score, scale), scale.name
    except ScoreError as exc:
        raise SchemaError("score", str(exc)) from None


def _nps_category(row: Mapping[str, object], score: float | None, scale: str | None) -> str | None:
    given = _choice(row, "nps_category", NPS_CATEGORIES)
    if score is None:
        return given
    derived = nps_category_from_score(score, scale)
    if given is not None and given != derived:
        raise SchemaError(
            "nps_category",
            f"nps_category {given!r} contradicts score {format_score(score)} on scale {scale} "
            f"(the {scale} rule gives {derived!r})",
        )
    return derived


def _churn(row: Mapping[str, object]) -> bool | None:
    value = row.get("churn")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        key = value.strip().lower()
        if not key:
            return None
        if key in _CHURN:
            return _CHURN[key]
    raise SchemaError("churn", f"churn must be 0, 1, true or false, got {value!r}")


def _extra_value(value: object) -> str:
    """Extra columns are kept as strings: JSON values other than strings as their JSON text, null as ""."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False)
