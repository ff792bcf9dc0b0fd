"""Wrong answers users reported, each pinned on the out-of-the-box model (trained on the starter corpus)."""

from __future__ import annotations

import unicodedata

import pytest

from cxtext.io.records import load_records
from cxtext.model import CONFIDENT_NEGATIVE
from tests.conftest import shared_file


def _drivers(result: dict) -> dict[str, str | None]:
    return {d["name"]: d["sentiment"] and d["sentiment"]["label"] for d in result["drivers"]}


def test_impatient_bank_clerk_is_negative_about_staff(corpus_model) -> None:
    [result] = corpus_model.classify(["کارمند بانک با بی‌حوصلگی جواب داد"])
    assert result["sentiment"]["label"] == "negative"
    assert _drivers(result).get("staff") == "negative"


def test_finglish_high_price_is_a_negative_price_comment(corpus_model) -> None:
    [result] = corpus_model.classify(["ghimatesh kheili bala bood"])
    assert result["sentiment"]["label"] == "negative"
    assert _drivers(result).get("price") == "negative"


@pytest.mark.parametrize(
    "text",
    [
        "پیک دو ساعت دیر رسید",
        "پیک یک ساعت دیرتر اومد",
        "the courier arrived two hours late",
        "the delivery rider showed up fifty minutes late",
    ],
)
def test_a_late_courier_is_access_not_staff(corpus_model, text: str) -> None:
    drivers = _drivers(corpus_model.classify([text])[0])
    assert drivers.get("access") == "negative" and "staff" not in drivers


@pytest.mark.parametrize("text", ["پیک خیلی بی ادب بود و سرم داد زد", "the courier was rude to me"])
def test_a_rude_courier_is_staff(corpus_model, text: str) -> None:
    assert _drivers(corpus_model.classify([text])[0]).get("staff") == "negative"


def _phrases(result: dict) -> list[str]:
    found = [e["phrase"] for e in result["sentiment"]["evidence"]]
    found += [e["phrase"] for e in (result["nps"] or {}).get("evidence", [])]
    for driver in result["drivers"]:
        found += [e["phrase"] for e in driver["evidence"]]
        found += [e["phrase"] for e in (driver["sentiment"] or {}).get("evidence", [])]
    found += [r["phrase"] for r in result["churn"]["reasons"] if "phrase" in r]
    return found


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def test_punctuation_is_never_evidence_or_a_churn_reason(corpus_model) -> None:
    texts = [
        "Terrible. Awful food.",
        "غذا سرد بود.",
        "بد بود . خیلی بد !!!",
        "I will cancel my subscription. Never again!",
        "اشتراکمو لغو میکنم. دیگه خرید نمیکنم!",
        *[r.text for r in load_records([shared_file("fa/parsinlu_food_dev.csv")]).records[:100]],
    ]
    shown = [
        (text, p)
        for text, result in zip(texts, corpus_model.classify(texts), strict=True)
        for p in _phrases(result)
    ]
    assert shown, "the texts must produce some evidence"
    bad = [(text, p) for text, p in shown if _is_punctuation(p.strip()[0]) or _is_punctuation(p.strip()[-1])]
    assert not bad, bad[:5]


def test_a_confidently_negative_text_is_never_a_predicted_promoter(corpus_model) -> None:
    records = load_records([shared_file("fa/snappfood_dev.csv")]).records[:400]
    records += load_records([shared_file("en/airline_tweets_test.csv")]).records[:400]
    results = corpus_model.classify([r.text for r in records], explain=False)
    negative = [
        r
        for r in results
        if r["sentiment"]["label"] == "negative" and r["sentiment"]["confidence"] >= CONFIDENT_NEGATIVE
    ]
    assert negative, "the slice must hold confidently negative texts"
    assert all(r["nps"]["category"] != "promoter" for r in negative)


@pytest.mark.parametrize(
    "text",
    [
        "کیفیت پارچه فوق العاده پایین بود",  # «فوق العاده» intensifies; alone it is praise
        "صداش فوق‌العاده کمه",
        "پیشنهاد می‌کنم نخرید",  # a recommendation not to buy
        "پیشنهاد میکنم هرگز نگیریدش",
    ],
)
def test_intensified_complaints_and_warnings_are_negative(corpus_model, text: str) -> None:
    [result] = corpus_model.classify([text])
    assert result["sentiment"]["label"] == "negative"


@pytest.mark.parametrize("text", ["The food was good.", "The room was good.", "Service was good."])
def test_plain_praise_is_positive_not_mixed(corpus_model, text: str) -> None:
    """One clause of praise with "was good" was called mixed (0.76): in the corpus "X was good" came almost
    only before a "but"."""
    assert corpus_model.classify([text])[0]["sentiment"]["label"] == "positive"


@pytest.mark.parametrize(
    "text", ["The pasta was good but the service was slow.", "The food was good, the waiter was rude."]
)
def test_praise_with_a_complaint_stays_mixed(corpus_model, text: str) -> None:
    assert corpus_model.classify([text])[0]["sentiment"]["label"] == "mixed"


@pytest.mark.parametrize(
    "text",
    [
        "می‌تونست خیلی بهتر باشه",  # "could have been much better": was positive 0.60
        "انتظار داشتم بهتر باشه",  # "I expected it to be better": was neutral
        "The product could have been much better",  # was positive 0.83
        "Honestly it could've been a lot better",
    ],
)
def test_a_let_down_is_negative(corpus_model, text: str) -> None:
    assert corpus_model.classify([text])[0]["sentiment"]["label"] == "negative"


def test_a_complaint_asked_as_a_question_is_negative_and_a_plain_question_neutral(corpus_model) -> None:
    """Customers tag a brand with a problem and "who do I call?"; that was read as a neutral question."""
    complaint, question = corpus_model.classify(
        [
            "@Skyline my bag never showed up in Boston, who do I call?",
            "@NorthAir what time does boarding start?",
        ]
    )
    assert complaint["sentiment"]["label"] == "negative"
    assert question["sentiment"]["label"] == "neutral"
