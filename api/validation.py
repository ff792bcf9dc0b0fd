"""Checks of request bodies that depend on the deployment's settings or on the data contract.

Pydantic checks types; these check what it cannot know statically (configured batch and text limits)
and reuse the data contract's own rules for scores and labels, so the API accepts exactly what a
labelled file may contain. Every failure names the field, e.g. `items[3].text`.
"""

from __future__ import annotations

from collections.abc import Sequence

from api.analysis import RESERVED_SEGMENTS
from api.problems import invalid
from api.schemas import FeedbackFields
from api.settings import Settings
from cxtext.schema import Record, SchemaError, record_from_row
from cxtext.scores import ScoreError, parse_scale, validate_score
from cxtext.taxonomy import Taxonomy

LABELS = ("sentiment", "drivers", "driver_sentiment", "nps_category", "churn")


def check_batch(field: str, size: int, settings: Settings) -> None:
    """At least one item and at most `max_batch` (the OpenAPI document states the configured limit)."""
    if size == 0:
        raise invalid(field, "at least one item is required")
    if size > settings.max_batch:
        raise invalid(field, f"{size} items, the limit is {settings.max_batch} per request")


def check_text(field: str, text: str, settings: Settings) -> None:
    if not text.strip():
        raise invalid(field, "text is empty or whitespace only")
    if len(text) > settings.max_text_chars:
        raise invalid(field, f"text has {len(text)} characters, the limit is {settings.max_text_chars}")


def check_score(prefix: str, score: float | None, scale: str | None) -> str | None:
    """The canonical scale name; a score outside its scale is a 422 naming `score` or `score_scale`."""
    try:
        resolved = parse_scale(scale) if scale is not None else None
    except ScoreError as exc:
        raise invalid(f"{prefix}score_scale", str(exc)) from None
    if score is not None:
        try:
            validate_score(score, resolved)
        except ScoreError as exc:
            raise invalid(f"{prefix}score", str(exc)) from None
    return resolved.name if resolved else None


def check_unique_ids(field: str, ids: Sequence[str | None]) -> None:
    seen: dict[str, int] = {}
    for i, value in enumerate(ids):
        if value is None:
            continue
        if value in seen:
            raise invalid(f"{field}[{i}].id", f"id {value!r} repeats {field}[{seen[value]}].id")
        seen[value] = i


def check_feedback(where: str, item: FeedbackFields, settings: Settings, taxonomy: Taxonomy) -> Record:
    """The item as a Record (date and segments as extra columns), checked by the data contract's rules."""
    check_text(f"{where}text", item.text, settings)
    check_score(where, item.score, item.score_scale)
    for key, value in item.segments.items():
        if not key.strip() or len(key) > 64 or key in RESERVED_SEGMENTS:
            raise invalid(f"{where}segments", f"segment key {key!r} is empty, over 64 characters or reserved")
        if len(value) > 200:
            raise invalid(f"{where}segments.{key}", "segment values are at most 200 characters")
    row: dict[str, object] = {
        "text": item.text,
        "id": getattr(item, "id", None),
        "lang": item.lang,
        "score": item.score,
        "score_scale": item.score_scale,
        **{label: value for label in LABELS if (value := getattr(item, label)) is not None},
        **item.segments,
    }
    if item.date is not None:
        row["date"] = item.date.isoformat()
    try:
        return record_from_row(row, taxonomy)
    except SchemaError as exc:
        raise invalid(f"{where}{exc.column}", str(exc)) from None


def given_labels(record: Record, *, nps_from_score: bool = False) -> dict | None:
    """The gold labels of a checked record (None if it has none): what training on stored feedback uses.
    `nps_from_score`: its NPS category was read from its score, not given, so it is no label (the stored
    score keeps it); a scored survey answer nobody labelled then stays in the review queue."""
    labels = {
        name: list(value)
        if isinstance(value, tuple)
        else dict(value)
        if name == "driver_sentiment"
        else value
        for name in LABELS
        if (value := getattr(record, name)) is not None
    }
    if nps_from_score and record.score is not None:
        labels.pop("nps_category", None)
    return labels or None
