"""Query-string parameters of the feedback and driver routes, as Pydantic models.

Declared as models so that FastAPI validates them like bodies: a bad date or an unknown language is a
422 problem naming the parameter (`from`, `lang`, ...), never a 500.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.schemas import FIRST_DATE, LAST_DATE, AnalysisOptions, IsoDate, Sentiment, Str, storable
from api.storage import FeedbackFilter

SEGMENT_PATTERN = r"^[^:\x00]+:[^\x00]+$"  # key (no colon) : value, both non-empty, no NUL
CURSOR_PATTERN = r"^[0-9]{1,18}$"  # the internal ids this service hands out (64-bit)


class FilterQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt parameter (`form=`) is an error, not ignored

    date_from: IsoDate | None = Field(
        None, alias="from", description=f"first day, YYYY-MM-DD, {FIRST_DATE} to {LAST_DATE}"
    )
    date_to: IsoDate | None = Field(
        None, alias="to", description=f"last day, YYYY-MM-DD, {FIRST_DATE} to {LAST_DATE}"
    )
    lang: Literal["fa", "en", "fa-Latn", "unknown"] | None = None
    segment: list[Annotated[str, Field(pattern=SEGMENT_PATTERN), AfterValidator(storable)]] = Field(
        default_factory=list, description="key:value, repeatable, e.g. channel:app"
    )
    model_version: Str | None = Field(None, max_length=100)

    def to_filter(self, **extra: object) -> FeedbackFilter:
        """The store filter; a `from` after `to` is an empty range, which matches nothing."""
        segments = dict(entry.partition(":")[::2] for entry in self.segment)
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
    labelled: bool | None = Field(
        None,
        description="only items with (true) or without (false) given labels (a score alone is none)",
    )
    limit: int = Field(50, ge=1, le=500)
    cursor: Str | None = Field(None, pattern=CURSOR_PATTERN, description="next_cursor of the previous page")

    def after_id(self) -> int | None:
        return None if self.cursor is None else int(self.cursor)


class JobsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=100)


class DriverQuery(FilterQuery, AnalysisOptions):
    """Filters of the stored feedback plus the analysis options."""
