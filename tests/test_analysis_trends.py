"""Trends by day, week and month with change against the previous period; segment breakdowns."""

from __future__ import annotations

import numpy as np

from cxtext.analysis import analyze
from cxtext.analysis.trends import MAX_PERIODS, period_codes, period_label
from cxtext.schema import Record


def dated(day: str, category: str, n: int, **extra: str) -> list[Record]:
    return [
        Record(text=f"{day} {category} {i}", nps_category=category, drivers=(), extra={"date": day, **extra})
        for i in range(n)
    ]


def test_weeks_start_on_monday_and_are_labelled_by_iso_week() -> None:
    dates = np.array(["2024-01-01", "2024-01-07", "2024-01-08", "2024-12-30", "NaT"], dtype="datetime64[D]")
    codes, starts = period_codes(dates, "week")
    assert codes[:4].tolist() == [0, 0, 1, 52] and codes[4] == -1
    assert [period_label(s, "week") for s in (starts[0], starts[1], starts[52])] == [
        "2024-W01",
        "2024-W02",
        "2025-W01",
    ]
    months, month_starts = period_codes(dates, "month")
    assert months[:4].tolist() == [0, 0, 0, 11] and period_label(month_starts[11], "month") == "2024-12"
    days, _ = period_codes(dates, "day")
    assert days[:4].tolist() == [0, 6, 7, 364]


def test_weekly_trend_lists_empty_weeks_and_measures_change() -> None:
    records = (
        dated("2024-03-04", "promoter", 50) + dated("2024-03-05", "detractor", 20) + dated("2024-03-06", "passive", 30)
        + dated("2024-03-12", "promoter", 20) + dated("2024-03-12", "detractor", 50) + dated("2024-03-13", "passive", 30)
        + dated("2024-03-26", "promoter", 3)
    )  # fmt: skip
    result = analyze(records, period="week", bootstrap=0, min_n=30)
    periods = result["trends"]["periods"]
    assert [p["label"] for p in periods] == ["2024-W10", "2024-W11", "2024-W12", "2024-W13"]
    assert [p["start"] for p in periods] == ["2024-03-04", "2024-03-11", "2024-03-18", "2024-03-25"]
    assert [p["nps"] for p in periods] == [30.0, -30.0, None, 100.0]
    assert [p["n"] for p in periods] == [100, 100, 0, 3]
    assert periods[1]["change"] == -60.0 and periods[1]["change_significant"] is True
    assert periods[0]["change"] is None  # nothing before the first week
    assert periods[3]["change"] is None  # the week before is empty: no change, not a change from 0
    assert [p["small"] for p in periods] == [False, False, True, True]
    assert result["trends"]["dated"] == 203


def test_dates_that_are_not_iso_gregorian_are_reported_not_guessed() -> None:
    records = (
        dated("2024-05-01", "promoter", 2)
        + dated("1403-02-15", "promoter", 3)
        + dated("05/01/2024", "passive", 1)
    )
    result = analyze(records, period="day", bootstrap=0)
    assert result["trends"]["dated"] == 2
    assert any("4 of 6 values in column 'date'" in w and "'1403-02-15'" in w for w in result["warnings"])


def test_a_mistyped_year_does_not_list_a_century_of_days() -> None:
    """One date in 1900 beside this year's: the trend lists the latest MAX_PERIODS periods, ending at the
    last date, and a warning counts the older items instead of tens of thousands of empty days."""
    records = (
        dated("1900-01-01", "promoter", 1)
        + dated("2025-05-01", "detractor", 2)
        + dated("2025-05-03", "promoter", 1)
    )
    result = analyze(records, period="day", bootstrap=0)
    periods = result["trends"]["periods"]
    assert len(periods) == MAX_PERIODS and periods[-1]["start"] == "2025-05-03"
    assert periods[0]["start"] == str(np.datetime64("2025-05-03") - (MAX_PERIODS - 1))
    assert result["trends"]["dated"] == 3 and sum(p["n"] for p in periods) == 3
    assert any("latest 1,000 days" in w and "1 dated items are older" in w for w in result["warnings"])
    decades = dated("1990-01-15", "promoter", 1) + records[1:]  # 35 years of months fit
    months = analyze(decades, period="month", bootstrap=0)
    assert len(months["trends"]["periods"]) == 35 * 12 + 5 and not any(
        "older" in w for w in months["warnings"]
    )


def test_no_dates_means_no_trends() -> None:
    result = analyze([Record(text="x", nps_category="promoter")], bootstrap=0)
    assert result["trends"] is None


def test_segments_are_sorted_by_size_and_missing_values_and_small_groups_stay_visible() -> None:
    records = (
        dated("2024-01-01", "promoter", 40, channel="app")
        + [Record(text=f"web {i}", nps_category="detractor", drivers=("price",), extra={"channel": "web"})
           for i in range(50)]
        + [Record(text=f"web ok {i}", nps_category="promoter", drivers=(), extra={"channel": "web"}) for i in range(50)]
        + [Record(text=f"none {i}", nps_category="passive", drivers=()) for i in range(5)]
    )  # fmt: skip
    entries = analyze(records, segments=["channel"], bootstrap=0)["segments"]["channel"]
    assert [(e["value"], e["n"], e["nps"], e["small"]) for e in entries] == [
        ("web", 100, 0.0, False),
        ("app", 40, 100.0, False),
        ("(missing)", 5, 0.0, True),
    ]
    web_price = entries[0]["drivers"]["price"]
    # within web: NPS 0 with everyone, 100 without the 50 price detractors
    assert (web_price["mentions"], web_price["share"], web_price["nps"], web_price["impact"]) == (
        50,
        0.5,
        -100.0,
        -100.0,
    )
    assert entries[1]["drivers"]["price"]["impact"] == 0.0


def test_a_contract_column_can_be_a_segment() -> None:
    records = [
        Record(text=f"t{i}", nps_category="promoter", source="survey" if i % 3 else "app") for i in range(9)
    ]
    values = {
        e["value"]: e["n"] for e in analyze(records, segments=["source"], bootstrap=0)["segments"]["source"]
    }
    assert values == {"survey": 6, "app": 3}


def test_a_period_of_one_comment_is_never_a_significant_change() -> None:
    """Before: one detractor then one promoter was a "significant" 200-point swing."""
    records = dated("2024-03-04", "detractor", 1) + dated("2024-03-11", "promoter", 1)
    for min_n in (1, 30):
        periods = analyze(records, period="week", bootstrap=0, min_n=min_n)["trends"]["periods"]
        assert periods[1]["change"] == 200.0 and periods[1]["change_significant"] is None
    # one comment against a large, opposite period is not tested either
    records = dated("2024-03-04", "detractor", 500) + dated("2024-03-11", "promoter", 1)
    periods = analyze(records, period="week", bootstrap=0, min_n=1)["trends"]["periods"]
    assert periods[1]["change_significant"] is None
    # periods that are both large enough still are
    records = dated("2024-03-04", "detractor", 40) + dated("2024-03-11", "promoter", 40)
    assert analyze(records, period="week", bootstrap=0)["trends"]["periods"][1]["change_significant"] is True


def test_segments_below_min_n_say_so_in_words() -> None:
    records = dated("2024-01-01", "promoter", 40, channel="app") + dated(
        "2024-01-01", "detractor", 3, channel="kiosk"
    )
    result = analyze(records, segments=["channel"], bootstrap=0, min_n=30)
    assert [(e["value"], e["small"]) for e in result["segments"]["channel"]] == [
        ("app", False),
        ("kiosk", True),
    ]
    assert (
        "segment channel: 1 of 2 values have fewer than 30 NPS responses (kiosk): marked small, too few to compare"
        in result["warnings"]
    )
    assert not [
        w for w in analyze(records, segments=["channel"], bootstrap=0, min_n=3)["warnings"] if "segment" in w
    ]
