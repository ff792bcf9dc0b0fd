"""The OpenAPI document with this deployment's limits written in, so that the schema a client (or a
fuzzer) reads is the rule the service applies.

Pydantic models are static; the batch size, text length and driver names are configured per deployment
(`CXTEXT_MAX_BATCH`, `CXTEXT_MAX_TEXT_CHARS`, `CXTEXT_TAXONOMY`), so they are stated here, once, when
the document is first built.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.analysis import RESERVED_SEGMENTS
from api.queries import CURSOR_PATTERN
from api.schemas import DATE_PATTERN, HAS_CONTENT, NO_NUL
from api.settings import Settings
from cxtext.scores import DEFAULT_SCALE, SCALES
from cxtext.taxonomy import Taxonomy

# request bodies whose `items` are limited by CXTEXT_MAX_BATCH
_BATCHES = ("ClassifyRequest", "IngestRequest", "AnalyzeRequest")
# items whose `text` is limited by CXTEXT_MAX_TEXT_CHARS; the single-text form of ClassifyRequest too
_TEXTS = ("TextItem", "ClassifyRequest", "FeedbackItem", "AnalyzeItem")
_LABELLED = ("FeedbackItem", "AnalyzeItem")
_QUERY_PATTERNS = {
    "cursor": CURSOR_PATTERN,
    "model_version": NO_NUL,
    "from": DATE_PATTERN,
    "to": DATE_PATTERN,
}


def openapi_builder(app: FastAPI, settings: Settings, taxonomy: Taxonomy) -> Callable[[], dict]:
    """`app.openapi` replacement: FastAPI's document plus the configured limits, built once."""

    def build() -> dict:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            state_limits(document["components"]["schemas"], settings, taxonomy)
            state_query_patterns(document["paths"])
            app.openapi_schema = document
        return app.openapi_schema

    return build


def state_limits(schemas: dict[str, dict], settings: Settings, taxonomy: Taxonomy) -> None:
    for name in _BATCHES:
        items = _property(schemas, name, "items")
        items["maxItems"] = settings.max_batch
    for name in _TEXTS:
        text = _property(schemas, name, "text")
        text["maxLength"] = settings.max_text_chars
    drivers = list(taxonomy.names)
    for name in _LABELLED:
        _property(schemas, name, "segments").update(
            propertyNames={
                "maxLength": 64,
                "pattern": HAS_CONTENT,
                "not": {"enum": sorted(RESERVED_SEGMENTS)},
            },
            additionalProperties={"type": "string", "maxLength": 200, "pattern": NO_NUL},
        )
        state_drivers(schemas[name], drivers)
        schemas[name]["allOf"].extend(_category_agrees())
    state_drivers(schemas["LabelsRequest"], drivers)


def state_drivers(schema: dict, drivers: list[str]) -> None:
    """The taxonomy's drivers as the only names `drivers` and `driver_sentiment` accept."""
    _nullable(schema["properties"]["drivers"])["items"]["enum"] = drivers
    _nullable(schema["properties"]["driver_sentiment"])["propertyNames"] = {"enum": drivers}
    schema.setdefault("allOf", []).extend(_named_drivers_listed(drivers))


def _named_drivers_listed(drivers: list[str]) -> list[dict]:
    """With a non-empty `drivers` list, `driver_sentiment` may only name drivers in it (data contract)."""
    return [
        {
            "if": {
                "required": ["drivers", "driver_sentiment"],
                "properties": {
                    "drivers": {"type": "array", "minItems": 1},
                    "driver_sentiment": {"type": "object", "required": [driver]},
                },
            },
            "then": {"properties": {"drivers": {"contains": {"const": driver}}}},
        }
        for driver in drivers
    ]


def _category_agrees() -> list[dict]:
    """A given `nps_category` must be the one the score gives on its scale (data contract)."""
    rules = []
    for name, scale in SCALES.items():
        on_scale = {"type": "null"} if scale is DEFAULT_SCALE else {"const": name}
        bands = (
            ("detractor", scale.low, scale.passive_min),
            ("passive", scale.passive_min, scale.promoter_min),
            ("promoter", scale.promoter_min, None),
        )
        for category, low, below in bands:
            score = {"type": "number", "minimum": low, **({"exclusiveMaximum": below} if below else {})}
            scales = [on_scale, {"const": name}] if scale is DEFAULT_SCALE else [on_scale]
            rules.append(
                {
                    "if": {
                        "required": ["score"],
                        "properties": {"score": score, "score_scale": {"anyOf": scales}},
                    },
                    "then": {"properties": {"nps_category": {"enum": [category, None]}}},
                }
            )
    return rules


def state_query_patterns(paths: dict[str, dict]) -> None:
    """Query parameters as a client can send them: never null (a parameter is given or left out), and
    with the patterns FastAPI leaves out of optional ones (the validation applies them)."""
    for operations in paths.values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                if parameter["in"] != "query":
                    continue
                schema = parameter["schema"]
                if "anyOf" in schema:
                    branch = _nullable(schema)
                    del schema["anyOf"]
                    schema.update(branch)
                if parameter["name"] in _QUERY_PATTERNS:
                    schema["pattern"] = _QUERY_PATTERNS[parameter["name"]]


def _property(schemas: dict[str, dict], model: str, field: str) -> dict:
    return schemas[model]["properties"][field]


def _nullable(prop: dict) -> dict:
    """The non-null branch of an `anyOf: [X, null]` property (or the property itself)."""
    for branch in prop.get("anyOf", ()):
        if branch.get("type") != "null":
            return branch
    return prop
