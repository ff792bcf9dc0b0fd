"""Representative quotes: confident, on topic, distinct, redacted, independent of record order."""

from __future__ import annotations

import random

from cxtext.analysis import analyze
from cxtext.schema import Record


def mention(text: str, polarity: str = "negative", sentiment: str | None = "negative", **kw) -> Record:
    drivers = kw.pop("drivers", ("price",))
    return Record(
        text=text,
        sentiment=sentiment,
        drivers=drivers,
        driver_sentiment={d: polarity for d in drivers},
        nps_category="detractor",
        **kw,
    )


def quotes(
    records: list[Record], limit: int = 3, kind: str = "negative", driver: str = "price"
) -> list[dict]:
    return analyze(records, bootstrap=0, quotes=limit)["drivers"][driver]["quotes"][kind]


def test_personal_data_is_masked_and_entities_and_whitespace_are_cleaned() -> None:
    records = [
        mention("Call me on 0912 345 6789 or mail ali@example.com,\n the fee &amp; the tax are too high")
    ]
    (quote,) = quotes(records)
    assert quote["text"] == "Call me on <phone> or mail <email>, the fee & the tax are too high"


def test_copies_that_differ_only_in_case_or_spacing_are_quoted_once() -> None:
    records = [
        mention("Prices went up AGAIN this month.", id="a"),
        mention("prices went up again   this month.", id="b"),
        mention("The delivery fee is absurd for such a short distance.", id="c"),
    ]
    texts = [q["text"].casefold() for q in quotes(records)]
    assert len(texts) == 2 and len(set(texts)) == 2


def test_agreeing_single_topic_texts_come_first() -> None:
    records = [
        mention(
            "Too expensive and the staff were rude about it, honestly.", drivers=("price", "staff"), id="two"
        ),
        mention("Too expensive for what it is, I expected a lot more.", sentiment="mixed", id="mixed"),
        mention("Too expensive, I will not pay this much for it again.", id="best"),
    ]
    assert [q["id"] for q in quotes(records)] == ["best", "two", "mixed"]


def test_low_confidence_predictions_are_not_quoted() -> None:
    def scored(text: str, confidence: str) -> Record:
        cells = {"pred_drivers": "price", "pred_driver_sentiment": "price:negative",
                 "pred_driver_confidence": f"price:{confidence}", "pred_sentiment": "negative"}  # fmt: skip
        return Record(text=text, extra=cells)

    records = [scored("sure about this one", "0.93"), scored("not sure at all", "0.41")]
    assert [q["text"] for q in quotes(records)] == ["sure about this one"]
    assert quotes(records)[0]["confidence"] == 0.93


def test_long_texts_are_cut_at_a_word() -> None:
    (quote,) = quotes([mention("price " * 80)])
    assert quote["text"].endswith("price…") and len(quote["text"]) <= 301


def test_persian_quotes_keep_their_language() -> None:
    (quote,) = quotes([mention("قیمتش خیلی گرونه، دیگه نمی‌خرم", lang="fa")])
    assert quote["lang"] == "fa" and quote["text"] == "قیمتش خیلی گرونه، دیگه نمی‌خرم"


def test_the_same_quotes_whatever_the_record_order() -> None:
    records = [mention(f"the price is too high, complaint number {i % 40}", id=str(i)) for i in range(400)]
    first = quotes(records, limit=5)
    shuffled = records[:]
    random.Random(2).shuffle(shuffled)
    assert quotes(shuffled, limit=5) == first
    assert len({q["text"] for q in first}) == 5


def test_zero_quotes_asked_gives_none(tmp_path) -> None:
    """`--quotes 0` (e.g. a report to share outside the team) must not fail."""
    from cxtext.analysis import analyze
    from cxtext.schema import Record

    records = [
        Record(text=f"the food was cold {i}", drivers=("quality",), sentiment="negative") for i in range(20)
    ]
    result = analyze(records, quotes=0)
    assert all(not quotes for kinds in [result["drivers"]["quality"]["quotes"]] for quotes in kinds.values())
