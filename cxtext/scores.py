"""Rating scales and the rules that turn a customer's score into an NPS category.

Only `0-10` is the real NPS question ("how likely are you to recommend us?"). The other scales are
proxies: an overall rating is read as if it answered that question, with cut-offs that keep the top
answer(s) as promoters and the next one as passive, the way the labelled data in shared/data does it.

| scale   | promoter | passive  | detractor | whole numbers only |
|---------|----------|----------|-----------|--------------------|
| `0-10`  | 9–10     | 7–8      | 0–6       | yes |
| `1-10`  | 9–10     | 7–8      | 1–6       | yes |
| `1-5`   | 5        | 4        | 1–3       | yes |
| `1-7`   | 7        | 6        | 1–5       | yes |
| `0-100` | 90–100   | 70–<90   | <70       | no (slider answers) |

`0-100` uses the 0–10 rule on score/10 rounded down, i.e. the raw cut-offs 90 and 70.
A score without a scale is read on `0-10`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Persian and Arabic-Indic digits, so a score typed on a Persian keyboard parses.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


class ScoreError(ValueError):
    """A score or scale that cannot be used: not a number, outside its scale, unknown scale."""


@dataclass(frozen=True, slots=True)
class Scale:
    """A rating scale with its NPS cut-offs.

    `zero` is the scale value that `to_0_10` maps to 0: 0 for `1-10`, so that its answers keep their
    value (it is the 0–10 question without the 0), and the bottom of the scale otherwise.
    """

    name: str
    low: float
    high: float
    promoter_min: float
    passive_min: float
    integer: bool
    zero: float


SCALES: dict[str, Scale] = {
    scale.name: scale
    for scale in (
        Scale("0-10", 0, 10, promoter_min=9, passive_min=7, integer=True, zero=0),
        Scale("1-10", 1, 10, promoter_min=9, passive_min=7, integer=True, zero=0),
        Scale("1-5", 1, 5, promoter_min=5, passive_min=4, integer=True, zero=1),
        Scale("1-7", 1, 7, promoter_min=7, passive_min=6, integer=True, zero=1),
        Scale("0-100", 0, 100, promoter_min=90, passive_min=70, integer=False, zero=0),
    )
}
DEFAULT_SCALE = SCALES["0-10"]


def parse_scale(text: str) -> Scale:
    """The scale named `text` ("1-5"; spaces and an en dash are tolerated)."""
    key = text.strip().replace("–", "-").replace(" ", "").translate(_DIGITS)
    try:
        return SCALES[key]
    except KeyError:
        raise ScoreError(f"unknown score_scale {text!r} (known: {', '.join(SCALES)})") from None


def parse_score(text: str) -> float:
    """A score cell as a number (ASCII or Persian digits)."""
    try:
        value = float(text.strip().translate(_DIGITS))
    except ValueError:
        raise ScoreError(f"score {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ScoreError(f"score {text!r} is not a number")
    return value


def validate_score(score: float, scale: Scale | str | None = None) -> float:
    """`score` unchanged if it is a valid answer on `scale`, else ScoreError."""
    scale = _resolve(scale)
    if not math.isfinite(score):
        raise ScoreError(f"score {score} is not a number")
    if not scale.low <= score <= scale.high:
        raise ScoreError(f"score {format_score(score)} is outside scale {scale.name}")
    if scale.integer and not float(score).is_integer():
        raise ScoreError(f"score {format_score(score)} is not a whole number (scale {scale.name})")
    return score


def nps_category_from_score(score: float, scale: Scale | str | None = None) -> str:
    """ "promoter", "passive" or "detractor" by the cut-offs of `scale` (table in the module docstring)."""
    scale = _resolve(scale)
    validate_score(score, scale)
    if score >= scale.promoter_min:
        return "promoter"
    if score >= scale.passive_min:
        return "passive"
    return "detractor"


def to_0_10(score: float, scale: Scale | str | None = None) -> float:
    """The score mapped linearly onto 0–10 so scores from different scales can be averaged together."""
    scale = _resolve(scale)
    validate_score(score, scale)
    return (score - scale.zero) / (scale.high - scale.zero) * 10


def format_score(score: float) -> str:
    """A score as written in data files: "9", not "9.0"; "7.5" stays "7.5"."""
    return str(int(score)) if float(score).is_integer() else str(score)


def _resolve(scale: Scale | str | None) -> Scale:
    if scale is None:
        return DEFAULT_SCALE
    return scale if isinstance(scale, Scale) else parse_scale(scale)
