import math

import pytest

from cxtext.scores import (
    SCALES,
    ScoreError,
    format_score,
    nps_category_from_score,
    parse_scale,
    parse_score,
    to_0_10,
    validate_score,
)


@pytest.mark.parametrize(
    ("scale", "score", "category"),
    [
        ("0-10", 0, "detractor"),
        ("0-10", 6, "detractor"),
        ("0-10", 7, "passive"),
        ("0-10", 8, "passive"),
        ("0-10", 9, "promoter"),
        ("0-10", 10, "promoter"),
        ("1-10", 1, "detractor"),
        ("1-10", 6, "detractor"),
        ("1-10", 7, "passive"),
        ("1-10", 9, "promoter"),
        ("1-5", 1, "detractor"),
        ("1-5", 3, "detractor"),
        ("1-5", 4, "passive"),
        ("1-5", 5, "promoter"),
        ("1-7", 5, "detractor"),
        ("1-7", 6, "passive"),
        ("1-7", 7, "promoter"),
        ("0-100", 0, "detractor"),
        ("0-100", 69.9, "detractor"),
        ("0-100", 70, "passive"),
        ("0-100", 89.99, "passive"),
        ("0-100", 90, "promoter"),
        ("0-100", 100, "promoter"),
    ],
)
def test_nps_category_at_the_boundaries(scale: str, score: float, category: str) -> None:
    assert nps_category_from_score(score, scale) == category


def test_a_score_without_a_scale_is_read_on_0_to_10() -> None:
    assert nps_category_from_score(0) == "detractor"
    assert nps_category_from_score(8) == "passive"
    assert nps_category_from_score(9) == "promoter"
    with pytest.raises(ScoreError, match="outside scale 0-10"):
        nps_category_from_score(11)


@pytest.mark.parametrize(
    ("scale", "score", "message"),
    [
        ("0-10", -1, "score -1 is outside scale 0-10"),
        ("0-10", 11, "score 11 is outside scale 0-10"),
        ("1-10", 0, "score 0 is outside scale 1-10"),
        ("1-5", 6, "score 6 is outside scale 1-5"),
        ("1-7", 0, "score 0 is outside scale 1-7"),
        ("0-100", 100.5, "score 100.5 is outside scale 0-100"),
        ("0-10", 7.5, "score 7.5 is not a whole number (scale 0-10)"),
        ("1-5", 4.2, "score 4.2 is not a whole number (scale 1-5)"),
        ("0-10", math.nan, "score nan is not a number"),
    ],
)
def test_validate_score_rejects_answers_off_the_scale(scale: str, score: float, message: str) -> None:
    with pytest.raises(ScoreError) as caught:
        validate_score(score, scale)
    assert str(caught.value) == message


def test_validate_score_accepts_decimals_only_on_0_to_100() -> None:
    assert validate_score(87.5, "0-100") == 87.5
    assert validate_score(9.0, "0-10") == 9.0


@pytest.mark.parametrize(
    ("scale", "score", "expected"),
    [
        ("0-10", 7, 7.0),
        ("1-10", 7, 7.0),
        ("1-10", 1, 1.0),
        ("1-5", 1, 0.0),
        ("1-5", 4, 7.5),
        ("1-5", 5, 10.0),
        ("1-7", 6, 50 / 6),
        ("0-100", 85, 8.5),
    ],
)
def test_to_0_10(scale: str, score: float, expected: float) -> None:
    assert to_0_10(score, scale) == pytest.approx(expected)


@pytest.mark.parametrize("scale", sorted(SCALES))
def test_rescaled_scores_fall_in_the_same_nps_category(scale: str) -> None:
    """Averages on 0–10 must not contradict the categories: every answer's 0–10 value, read on 0–10
    (rounded down), lands in the category the scale's own rule gives."""
    low, high = int(SCALES[scale].low), int(SCALES[scale].high)
    for score in range(low, high + 1):
        rescaled = math.floor(to_0_10(score, scale) + 1e-9)
        assert nps_category_from_score(rescaled, "0-10") == nps_category_from_score(score, scale), score


@pytest.mark.parametrize("text", ["1-5", " 1-5 ", "1–5", "1 - 5", "۱-۵"])
def test_parse_scale_tolerates_spacing_dashes_and_persian_digits(text: str) -> None:
    assert parse_scale(text).name == "1-5"


def test_parse_scale_names_the_known_scales() -> None:
    with pytest.raises(ScoreError) as caught:
        parse_scale("1-4")
    assert str(caught.value) == "unknown score_scale '1-4' (known: 0-10, 1-10, 1-5, 1-7, 0-100)"


@pytest.mark.parametrize(
    ("text", "value"), [("9", 9.0), (" 9.0 ", 9.0), ("۹", 9.0), ("٧", 7.0), ("87.5", 87.5)]
)
def test_parse_score(text: str, value: float) -> None:
    assert parse_score(text) == value


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "9/10", ""])
def test_parse_score_rejects_non_numbers(text: str) -> None:
    with pytest.raises(ScoreError, match="is not a number"):
        parse_score(text)


def test_format_score_writes_whole_numbers_without_decimals() -> None:
    assert format_score(9.0) == "9"
    assert format_score(7.5) == "7.5"
