"""Request and response bodies of the HTTP API, with the Persian and English examples shown in /docs.

Request models forbid unknown fields, so a typo (`"txt"`) is a 422 naming the field rather than a
silently ignored key. Limits that come from settings (batch size, text length) are checked in the
routes, because they are configured per deployment.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from cxtext.analysis.frame import MAX_YEAR, MIN_YEAR
from cxtext.scores import DEFAULT_SCALE, SCALES

Lang = Literal["fa", "en", "fa-Latn"]
Sentiment = Literal["negative", "neutral", "positive", "mixed"]
NpsCategory = Literal["detractor", "passive", "promoter"]

FA_TEXT = "پیک خیلی دیر رسید و غذا سرد بود، ولی قیمتش مناسب بود."
EN_TEXT = "The delivery was late and the food was cold, but the price was fair."
FINGLISH_TEXT = "kheili bad bood, dige az in app kharid nemikonam"


# The dates the analysis reads (years MIN_YEAR to MAX_YEAR), as the schema states them: the pattern is
# checked against the two constants by the tests.
DATE_PATTERN = r"^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIRST_DATE, LAST_DATE = dt.date(MIN_YEAR, 1, 1), dt.date(MAX_YEAR, 12, 31)


def storable(value: str) -> str:
    """PostgreSQL cannot store a NUL character (SQLite can): refuse it on every backend alike, naming
    the field, rather than a 500 on one of them."""
    if "\x00" in value:
        raise ValueError("contains a NUL character (\\u0000), which cannot be stored")
    return value


def not_boolean(value: object) -> object:
    """JSON `true` is not the number 1: a boolean where the schema says number is a 422."""
    if isinstance(value, bool):
        raise ValueError("expected a number, not a boolean")
    return value


def iso_date(value: object) -> object:
    """Only `YYYY-MM-DD`: Pydantic would also read `0` or `1700000000` as a Unix time, which no client
    means by a date and the schema (format: date) does not allow."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ValueError("expected an ISO date, YYYY-MM-DD")


def in_date_range(value: dt.date) -> dt.date:
    """A year outside the analysed range is a typo or a Jalali date (1403-02-15), and a daily trend to
    9999-12-31 would be millions of periods: refused at the door, alike on every database."""
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"expected a date from {FIRST_DATE} to {LAST_DATE}")
    return value


# Every character Python's str.strip() removes, listed literally: the same class in Python, Rust and
# ECMAScript regular expressions (their \s differ), so the schema's "not only whitespace" is the rule
# `api.validation.check_text` applies.
_SPACES = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
NO_NUL = r"^[^\x00]*$"
HAS_CONTENT = rf"^[^\x00]*[^\x00{_SPACES}][^\x00]*$"
# Every string a client sends: no NUL (checked by `storable`, with a message in words; stated in the schema).
Str = Annotated[str, Field(json_schema_extra={"pattern": NO_NUL}), AfterValidator(storable)]
# Feedback text: also not empty or whitespace only (checked by `api.validation.check_text`).
Text = Annotated[str, Field(json_schema_extra={"pattern": HAS_CONTENT}), AfterValidator(storable)]
ScaleName = Literal["0-10", "1-10", "1-5", "1-7", "0-100"]


def _score_rules() -> dict:
    """The range of `score` on each `score_scale` (0-10 without one), as JSON Schema if/then rules."""
    rules = []
    for name, scale in SCALES.items():
        bounds = {"minimum": scale.low, "maximum": scale.high, **({"multipleOf": 1} if scale.integer else {})}
        given = {"required": ["score_scale"], "properties": {"score_scale": {"const": name}}}
        rules.append({"if": given, "then": {"properties": {"score": bounds}}})
        if scale is DEFAULT_SCALE:  # no score_scale, or null
            no_scale = {"properties": {"score_scale": {"type": "null"}}}
            rules.append({"if": no_scale, "then": {"properties": {"score": bounds}}})
    return {"allOf": rules}


SCORE_RULES = _score_rules()
Int = Annotated[int, BeforeValidator(not_boolean)]
Number = Annotated[float, BeforeValidator(not_boolean)]
IsoDate = Annotated[
    dt.date,
    BeforeValidator(iso_date),
    AfterValidator(in_date_range),
    Field(json_schema_extra={"pattern": DATE_PATTERN}),
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- classify -------------------------------------------------------------------------------------------
class TextItem(_Request):
    """One text to classify; `lang` is detected when left out, `score` (with its scale) fixes the NPS."""

    model_config = ConfigDict(json_schema_extra=SCORE_RULES)

    id: Str | None = Field(None, max_length=200, description="your id, echoed back in the result")
    text: Text = Field(description="the customer's words, Persian, Finglish or English")
    lang: Lang | None = Field(None, description="fa, en or fa-Latn; detected when left out")
    score: Number | None = Field(None, description="the customer's rating, if the survey asked for one")
    score_scale: ScaleName | None = Field(None, description="0-10 (default), 1-10, 1-5, 1-7 or 0-100")


_ONE_OR_BATCH = {
    "oneOf": [
        {"required": ["text"], "not": {"required": ["items"]}},
        {
            "required": ["items"],
            "not": {"anyOf": [{"required": [name]} for name in ("text", "lang", "score", "score_scale")]},
        },
    ],
    **SCORE_RULES,
}


class ClassifyRequest(_Request):
    """Either one `text` (with optional `lang`, `score`, `score_scale`) or a batch of `items`."""

    model_config = ConfigDict(json_schema_extra=_ONE_OR_BATCH)

    # Not nullable: a field is either sent or left out, so the schema can say which combinations work.
    text: Text = None  # type: ignore[assignment]
    lang: Lang = None  # type: ignore[assignment]
    score: Number = None  # type: ignore[assignment]
    score_scale: ScaleName = None  # type: ignore[assignment]
    items: list[TextItem] = Field(  # type: ignore[assignment]
        None, min_length=1, description="a batch; ids, where given, are unique within it"
    )
    explain: bool = Field(True, description="include evidence phrases with their spans in the text")


CLASSIFY_EXAMPLES = {
    "persian": {"summary": "One Persian text", "value": {"text": FA_TEXT}},
    "english": {"summary": "One English text, language given", "value": {"text": EN_TEXT, "lang": "en"}},
    "batch": {
        "summary": "A batch with ids and a survey score",
        "value": {
            "items": [
                {"id": "t-1", "text": FA_TEXT, "score": 4, "score_scale": "0-10"},
                {"id": "t-2", "text": EN_TEXT},
                {"id": "t-3", "text": FINGLISH_TEXT, "lang": "fa-Latn"},
            ],
            "explain": False,
        },
    },
}


class Evidence(BaseModel):
    phrase: str = Field(description="the customer's own words")
    start: int = Field(description="character offset of the phrase in the text")
    end: int
    weight: float


class LabelPrediction(BaseModel):
    label: str
    confidence: float
    probabilities: dict[str, float]
    evidence: list[Evidence]


class DriverPrediction(BaseModel):
    name: str
    label_en: str
    label_fa: str
    probability: float
    evidence: list[Evidence]
    sentiment: LabelPrediction | None


class NpsPrediction(BaseModel):
    category: NpsCategory
    source: Literal["score", "predicted"]
    confidence: float | None = None
    probabilities: dict[str, float] | None = None
    evidence: list[Evidence] | None = None


class ChurnPrediction(BaseModel):
    probability: float
    band: Literal["low", "medium", "high"]
    method: Literal["learned", "rules"]
    reasons: list[dict]


class Classification(BaseModel):
    id: str | None = None
    language: str
    sentiment: LabelPrediction | None
    drivers: list[DriverPrediction]
    nps: NpsPrediction | None
    churn: ChurnPrediction
    untrained_heads: list[str]


class ClassifyResponse(BaseModel):
    model_version: str = Field(description="the one model version that produced every result")
    results: list[Classification]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "model_version": "2025-01-20T101500-1a2b3c4d",
                    "results": [
                        {
                            "language": "fa",
                            "sentiment": {
                                "label": "mixed",
                                "confidence": 0.71,
                                "probabilities": {
                                    "mixed": 0.71,
                                    "negative": 0.2,
                                    "neutral": 0.03,
                                    "positive": 0.06,
                                },
                                "evidence": [
                                    {"phrase": "خیلی دیر رسید", "start": 4, "end": 17, "weight": 0.9}
                                ],
                            },
                            "drivers": [
                                {
                                    "name": "price",
                                    "label_en": "Price",
                                    "label_fa": "قیمت",
                                    "probability": 0.88,
                                    "evidence": [
                                        {"phrase": "قیمتش مناسب", "start": 38, "end": 49, "weight": 1.2}
                                    ],
                                    "sentiment": None,
                                }
                            ],
                            "nps": {"category": "detractor", "source": "predicted", "confidence": 0.6},
                            "churn": {"probability": 0.21, "band": "low", "method": "rules", "reasons": []},
                            "untrained_heads": [],
                        }
                    ],
                }
            ]
        }
    )


# -- feedback store -------------------------------------------------------------------------------------
class FeedbackFields(_Request):
    """A piece of feedback with its context; the labels are optional and make it usable for training."""

    model_config = ConfigDict(json_schema_extra=SCORE_RULES)

    text: Text
    lang: Lang | None = None
    score: Number | None = None
    score_scale: ScaleName | None = None
    date: IsoDate | None = Field(
        None, description=f"ISO date (Gregorian), YYYY-MM-DD, {MIN_YEAR} to {MAX_YEAR}"
    )
    segments: dict[Str, Str] = Field(
        default_factory=dict, description="dashboard dimensions, e.g. channel, region (keys ≤ 64 chars)"
    )
    sentiment: Sentiment | None = Field(None, description="gold label, if known")
    drivers: list[Str] | None = Field(None, description="gold drivers, if known")
    driver_sentiment: dict[str, Sentiment] | None = Field(None, description="gold polarity per driver")
    nps_category: NpsCategory | None = None
    churn: bool | None = None


class FeedbackItem(FeedbackFields):
    id: Str = Field(
        min_length=1, max_length=200, description="your id; sending it again updates, never duplicates"
    )


class IngestRequest(_Request):
    items: list[FeedbackItem] = Field(min_length=1, description="ids are unique within a batch")


INGEST_EXAMPLES = {
    "mixed": {
        "summary": "Persian and English feedback with dates and segments",
        "value": {
            "items": [
                {
                    "id": "survey-1001",
                    "text": FA_TEXT,
                    "score": 6,
                    "date": "2025-01-14",
                    "segments": {"channel": "app", "region": "Tehran"},
                },
                {
                    "id": "survey-1002",
                    "text": EN_TEXT + " Call me on 0912 345 6789.",
                    "score": 9,
                    "date": "2025-01-15",
                    "segments": {"channel": "web", "region": "Shiraz"},
                    "sentiment": "mixed",
                    "drivers": ["quality", "price"],
                },
            ]
        },
    }
}


class IngestStatus(BaseModel):
    id: str
    status: Literal["created", "updated", "unchanged"]


class IngestResponse(BaseModel):
    model_version: str
    counts: dict[str, int]
    items: list[IngestStatus]


class StoredFeedback(BaseModel):
    id: str
    text: str
    text_redacted: bool
    lang: str
    score: float | None
    score_scale: str | None
    date: dt.date | None
    segments: dict[str, str]
    labels: dict | None
    prediction: dict
    model_version: str
    created_at: str
    updated_at: str


class FeedbackPage(BaseModel):
    total: int
    items: list[StoredFeedback]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")


# -- review queue and analysts' labels ---------------------------------------------------------------------
class ReviewItem(BaseModel):
    id: str
    text: str
    lang: str
    segments: dict[str, str]
    created_at: str
    uncertainty: float = Field(description="mean uncertainty over the heads (0 = sure, 1 = a coin toss)")
    prediction: Classification = Field(description="the active model's classification, with evidence")


class ReviewPage(BaseModel):
    model_version: str
    items: list[ReviewItem]
    remaining: int = Field(description="unlabelled stored items matching the filters")


class LabelsRequest(_Request):
    """An analyst's labels for one stored item. `drivers` is required (`[]` = none mentioned), so a
    label always says which drivers the text is about; the other labels are optional."""

    sentiment: Sentiment | None = None
    drivers: list[str] = Field(
        description="every driver the text talks about, by its name in the taxonomy (the deployment's "
        "drivers and custom topics, listed in the schema); [] for none"
    )
    driver_sentiment: dict[str, Sentiment] = Field(
        default_factory=dict, description="polarity toward drivers listed in `drivers`"
    )
    nps_category: NpsCategory | None = None
    churn: bool | None = None


LABELS_EXAMPLES = {
    "courier": {
        "summary": "Late delivery, rude courier",
        "value": {
            "sentiment": "negative",
            "drivers": ["access", "staff"],
            "driver_sentiment": {"access": "negative", "staff": "negative"},
            "nps_category": "detractor",
            "churn": False,
        },
    }
}


class LabelledItem(BaseModel):
    id: str
    labels: dict
    labelled_by: str = Field(description="name of the API key that labelled it (never the key)")
    labelled_at: str


# -- analysis ---------------------------------------------------------------------------------------------
class AnalysisOptions(_Request):
    """How the driver analysis groups and tests (see README, "Driver analysis")."""

    period: Literal["day", "week", "month"] = "week"
    by: list[Str] | None = Field(None, description="segment keys to break down by; default every key present")
    nps_source: Literal["auto", "score", "category"] = "auto"
    # at most 0.999: closer to 1, (1 + confidence) / 2 rounds to 1.0 and has no normal quantile
    confidence: Number = Field(0.95, gt=0.5, le=0.999)
    min_n: Int = Field(30, ge=1, description="groups with fewer NPS responses are flagged small")
    bootstrap: Int = Field(1000, ge=100, le=5000, description="replicates for the impact intervals")
    quotes: Int = Field(3, ge=0, le=20)


class AnalyzeItem(FeedbackFields):
    id: Str | None = Field(None, max_length=200)


class AnalyzeRequest(AnalysisOptions):
    items: list[AnalyzeItem] = Field(min_length=1, description="ids, where given, are unique within a batch")


ANALYZE_EXAMPLES = {
    "survey": {
        "summary": "A small Persian and English survey export",
        "value": {
            "items": [
                {
                    "id": "r1",
                    "text": FA_TEXT,
                    "score": 5,
                    "date": "2025-01-06",
                    "segments": {"channel": "app"},
                },
                {
                    "id": "r2",
                    "text": "کارمند شعبه خیلی مودب و کاربلد بود.",
                    "score": 10,
                    "date": "2025-01-07",
                },
                {
                    "id": "r3",
                    "text": EN_TEXT,
                    "score": 6,
                    "date": "2025-01-14",
                    "segments": {"channel": "web"},
                },
                {
                    "id": "r4",
                    "text": "Great app, but the fees went up again.",
                    "score": 8,
                    "date": "2025-01-15",
                },
            ],
            "period": "week",
            "min_n": 2,
        },
    }
}


class AnalyzeResponse(BaseModel):
    model_version: str
    predictions: list[Classification]
    analysis: dict = Field(
        description="the driver analysis: nps, drivers, key_drivers, trends, segments, ..."
    )


class DriverSummary(BaseModel):
    n: int
    model_versions: dict[str, int] = Field(description="stored items per model version that predicted them")
    analysis: dict


class DriverTrend(BaseModel):
    n: int
    period: str
    model_versions: dict[str, int]
    trends: dict | None
    warnings: list[str]


# -- models and jobs --------------------------------------------------------------------------------------
class ModelInfo(BaseModel):
    version: str
    folder: str
    created_at: str
    active: bool
    metrics: dict[str, float] = Field(description="headline scores on the model's held-out slice")
    trained_heads: list[str]
    n_train: int | None
    base: dict | None = Field(description="the base it was trained on top of and the weights, if any")
    gate: dict | None = Field(
        description="the gate's verdict against the model active when it was trained: pass, blocked or "
        "no-data, evaluation rows, per head the difference with its interval, warnings"
    )


class ModelList(BaseModel):
    active: str | None
    models: list[ModelInfo]


class Activation(BaseModel):
    active: str
    previous: str | None


class JobInfo(BaseModel):
    id: str
    kind: Literal["train", "rescore"]
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: dict
    params: dict
    result: dict | None
    error: str | None
    created_at: str | None
    started_at: str | None
    finished_at: str | None


class JobStarted(BaseModel):
    job_id: str
    status_url: str


class RescoreRequest(_Request):
    batch_size: Int = Field(500, ge=1, le=5000)


class FieldProblem(BaseModel):
    location: str = Field(description="body, query, path, header or file")
    field: str = Field(description="the offending field, e.g. items[3].text")
    message: str


class ProblemDetails(BaseModel):
    """RFC 9457 problem document (media type application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str = Field(
        description="urn:request:<id>; the same id is in the X-Request-ID header and the logs"
    )
    errors: list[FieldProblem] | None = None


def problem_responses(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI entries for the problem documents a route can answer with."""
    return {
        status: {"model": ProblemDetails, "content": {"application/problem+json": {}}}
        for status in (401, 403, *statuses)
    }
