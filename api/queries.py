"""Query-string parameters of the feedback and driver routes, as Pydantic models.

Declared as models so that FastAPI validates them like bodies: a bad date or an unknown language is a
422 problem naming the parameter (`from`, `lang`, ...), never a 500.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.problems import invalid
from api.schemas import AnalysisOptions, IsoDate, Sentiment, Str
from api.storage import FeedbackFilter


class FilterQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt parameter (`form=`) is an error, not ignored

    date_from: IsoDate | None = Field(None, alias="from", description="first day, YYYY-MM-DD")
    date_to: IsoDate | None = Field(None, alias="to", description="last day, YYYY-MM-DD")
    lang: Literal["fa", "en", "fa-Latn", "unknown"] | None = None
    segment: list[Str] = Field(default_factory=list, description="key:value, repeatable, e.g. channel:app")
    model_version: Str | None = Field(None, max_length=100)

    def to_filter(self, **extra: object) -> FeedbackFilter:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise invalid("from", "is after 'to'", location="query")
        segments: dict[str, str] = {}
        for entry in self.segment:
            key, colon, value = entry.partition(":")
            if not colon or not key.strip() or not value.strip():
                raise invalid("segment", f"{entry!r} is not key:value", location="query")
            segments[key.strip()] = value.strip()
        return FeedbackFilter(
            date_from=self.date_from,
            date_to=self.date_to,
            lang=self.lang,
            model_version=self.model_version,
            segments=segments,
            **extra,
        )


class FeedbackQuery(FilterQuery):
    sentiment: Sentiment | None = Field(None, description="predicted sentiment")
    labelled: bool | None = Field(None, description="only items with (true) or without (false) gold labels")
    limit: int = Field(50, ge=1, le=500)
    cursor: Str | None = Field(None, description="next_cursor of the previous page")

    def after_id(self) -> int | None:
        if self.cursor is None:
            return None
        if not self.cursor.isdigit():
            raise invalid("cursor", "not a cursor this service returned", location="query")
        return int(self.cursor)


class DriverQuery(FilterQuery, AnalysisOptions):
    """Filters of the stored feedback plus the analysis options."""
