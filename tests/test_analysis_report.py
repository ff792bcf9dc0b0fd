"""The HTML report: self-contained, charts present, Persian laid out right-to-left, text escaped."""

from __future__ import annotations

import re

import pytest

from cxtext.analysis import analyze
from cxtext.analysis.quotes import highlight
from cxtext.analysis.report import render_html
from cxtext.io.records import load_records
from cxtext.schema import Record
from tests.conftest import shared_file


@pytest.fixture(scope="module")
def dated_result() -> dict:
    records = [
        Record(
            text=text,
            lang=lang,
            sentiment=sentiment,
            drivers=(driver,),
            driver_sentiment={driver: sentiment},
            nps_category="detractor" if sentiment == "negative" else "promoter",
            extra={"date": f"2024-0{1 + i % 3}-1{i % 7}", "channel": "app" if i % 2 else "web"},
        )
        for i, (text, lang, sentiment, driver) in enumerate(
            [
                ("قیمتش خیلی گرونه، دیگه نمی‌خرم", "fa", "negative", "price"),
                ("The courier was <b>very</b> rude & late", "en", "negative", "staff"),
                ("کیفیت عالی بود و به موقع رسید", "fa", "positive", "quality"),
                ("Great value for the money", "en", "positive", "price"),
            ]
            * 12
        )
    ]
    return analyze(records, segments=["channel"], period="month", bootstrap=100)


def test_report_is_self_contained_with_charts(dated_result: dict) -> None:
    html = render_html(dated_result, title="Test report")
    assert html.startswith("<!DOCTYPE html>") and "<title>Test report</title>" in html
    assert "<script" not in html and not re.search(r"""(src|href)=["']?https?:""", html)
    assert "@import" not in html and "url(" not in html  # no web fonts or remote images
    labels = re.findall(r'aria-label="([^"]+)"', html)
    assert labels == [
        "Driver impact on NPS",
        "Key-driver weights",
        "NPS per period",
        "Driver mention share per period",
    ]
    assert "Trends by month" in html and "By channel" in html


def test_persian_is_marked_right_to_left_and_text_is_escaped(dated_result: dict) -> None:
    html = render_html(dated_result)
    assert '<blockquote class="negative" dir="auto" lang="fa">قیمتش خیلی گرونه، دیگه نمی‌خرم' in html
    assert '<span class="fa" dir="rtl" lang="fa">قیمت</span>' in html
    assert "The courier was &lt;b&gt;very&lt;/b&gt; rude &amp; late" in html
    assert "<b>very</b>" not in html
    assert "Vazirmatn, Tahoma" in html


def test_report_of_real_data_without_dates_explains_what_is_missing() -> None:
    records = load_records([shared_file("en/skytrax_airline_reviews_test.csv")]).records
    html = render_html(analyze(records, bootstrap=100))
    assert "No dates: trends need a column “date” with ISO dates" in html
    assert "from scores" in html and 'aria-label="Driver impact on NPS"' in html


def test_persian_report_is_right_to_left_in_persian_with_the_same_numbers(dated_result: dict) -> None:
    english, persian = render_html(dated_result), render_html(dated_result, lang="fa")
    assert '<html lang="fa" dir="rtl">' in persian and '<html lang="en" dir="ltr">' in english
    assert "<h2>چه چیزی NPS را جابه‌جا می‌کند</h2>" in persian and "What moves NPS" not in persian
    numbers = re.compile(r'<td class="num">([^<]*)</td>')
    assert numbers.findall(persian) == numbers.findall(english) != []


def test_evidence_phrases_are_highlighted_where_they_occur() -> None:
    pieces = highlight("The courier was VERY rude, very.", ["very rude", "courier", "absent"])
    assert pieces == [
        ("The ", False),
        ("courier", True),
        (" was ", False),
        ("VERY rude", True),
        (", very.", False),
    ]
    assert highlight("قیمتش خیلی گرونه", ["گرونه"])[-1] == ("گرونه", True)
    assert highlight("no evidence", []) == [("no evidence", False)]
