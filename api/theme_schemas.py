"""Query and response of `GET /v1/themes` and `POST /v1/themes/{theme_id}/promote` (see README,
"Themes"): what OpenAPI documents and what the tests validate every response against."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from api.queries import DriverQuery
from api.schemas import FIRST_DATE, LAST_DATE, IsoDate, Str


class ThemeQuery(DriverQuery):
    """The driver summary's filters and options, plus the theme settings."""

    # A period compared with the one before it must not end before it starts (the feedback list and the
    # driver analysis read such a range as empty; here it would have no previous period).
    date_to: IsoDate | None = Field(
        None, alias="to", description=f"last day, YYYY-MM-DD, {FIRST_DATE} to {LAST_DATE}, not before `from`"
    )
    themes: int | None = Field(None, ge=2, le=20, description="themes per language (default n^0.25, 3-20)")
    seed: int = Field(0, ge=0, description="seed of the factorisation and the bootstrap")

    @field_validator("date_to")
    @classmethod
    def not_before_from(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("date_from")
        if value is not None and start is not None and value < start:
            raise ValueError(f"the period ends ({value}) before it starts (from={start})")
        return value


class Phrase(BaseModel):
    phrase: str = Field(description="the customers' most frequent spelling")
    key: str = Field(description="the stemmed term it is counted under")
    score: float = Field(description="class-based TF-IDF")


class ThemeQuote(BaseModel):
    text: str
    id: str | None
    sentiment: str | None
    weight: float = Field(description="the comment's weight on the theme, 1 = the strongest")
    highlights: list[list[int]] = Field(description="[start, end) spans of the theme's phrases in `text`")


class ImpactPart(BaseModel):
    mentions: int
    impact: float | None
    ci: list[float | None]


class DriverOverlap(BaseModel):
    driver: str
    precision: float
    recall: float
    f1: float


class TrendPoint(BaseModel):
    label: str
    start: dt.date
    n: int
    mentions: int
    share: float | None
    nps: float | None


class Emerging(BaseModel):
    mentions: int
    share: float | None
    previous_mentions: int
    previous_share: float | None
    p_value: float | None
    p_adjusted: float | None = Field(description="Holm-adjusted across the language's themes")
    emerging: bool
    new: bool


class Theme(BaseModel):
    id: str = Field(examples=["fa-1", "en-3"])
    lang: str
    name: str = Field(examples=["هزینه ارسال · پیک · دیر", "delivery fee · app crashes"])
    phrases: list[Phrase]
    size: int = Field(description="comments in the theme")
    share: float | None = Field(description="size / comments of its language")
    sentiment: dict[str, int]
    n_nps: int
    nps: float | None
    nps_ci: list[float | None]
    nps_without: float | None
    impact: float | None = Field(description="NPS(all) − NPS(all but the theme), as for drivers")
    impact_ci: list[float | None]
    impact_negative: ImpactPart
    impact_positive: ImpactPart
    churn_risk: float | None
    churn_known: int
    high_risk: int
    small: bool
    primary: int = Field(description="comments whose main theme this is")
    known_driver: str | None = Field(description="the trained driver this theme is (F1 ≥ 0.5), if any")
    driver_overlap: DriverOverlap | None
    trend: list[TrendPoint] | None
    emerging: Emerging | None
    quotes: list[ThemeQuote]


class Window(BaseModel):
    from_: dt.date = Field(alias="from")
    to: dt.date


class EmergingWindows(BaseModel):
    from_: dt.date = Field(alias="from")
    to: dt.date
    previous: Window
    test: str
    alpha: float


class ThemesResponse(BaseModel):
    n: int
    model_versions: dict[str, int]
    languages: dict[str, dict[str, int]]
    themes: list[Theme]
    emerging: EmergingWindows | None
    settings: dict
    warnings: list[str]


class PromotionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str = Field(
        pattern=r"^[a-z][a-z0-9_]*$",
        max_length=60,
        description="the custom topic the theme becomes: lowercase letters, digits and '_', a new name",
    )
    name: Str | None = Field(
        None,
        max_length=500,
        description="the theme's name as read in GET /v1/themes: if it changed since (the stored feedback "
        "changed), the promotion is refused with a 409 rather than exporting another theme",
    )


PROMOTE_EXAMPLES = {
    "app_crash": {
        "summary": "Theme en-3 becomes the topic app_crash",
        "value": {"topic": "app_crash", "name": "app crash · login · update"},
    }
}


class PromotionResponse(BaseModel):
    theme: str
    name: str
    topic: str
    members: int = Field(description="rows of the theme's comments, labelled with the topic")
    counter_examples: int = Field(description="rows of the same language outside the theme")
    taxonomy: dict[str, list[dict[str, str]]] = Field(
        description='the topic as a CXTEXT_TAXONOMY config ({"topics": [...]}), to add before training'
    )
    empty_drivers: Literal["none-mentioned"] = Field(
        description="what an empty drivers cell means in `rows` (train with this empty_drivers)"
    )
    model_versions: dict[str, int]
    rows: list[dict[str, str]] = Field(
        description="the examples in the training format (cxtext train reads them as CSV or JSON Lines): "
        "every driver the comment mentions plus the topic for members; theme_member 1/0"
    )
