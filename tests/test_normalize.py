"""Normalisation (hazm's Persian rules, English NFKC + lower case, ASCII digits, placeholders) and redaction."""

from __future__ import annotations

import csv
import re

import pytest

from cxtext.normalize import PLACEHOLDERS, normalize, redact
from cxtext.paths import shared_data_dir
from cxtext.text.pii import find_pii

ZWNJ = "\u200c"


def _persian_texts() -> list[str]:
    texts = []
    for path in sorted(shared_data_dir().glob("fa/*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    assert len(texts) > 2000
    return texts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Arabic letters and presentation forms → Persian
        ("كتاب خيلي خوبه", "کتاب خیلی خوبه"),
        ("ﺳﻼﻡ", "سلام"),
        ("ﷲ", "الله"),
        # «ة» and «ۀ» are left as hazm leaves them
        ("مدرسة و خانۀ", "مدرسة و خانۀ"),
        # diacritics and kashida
        ("کِتابِ خوبی بود", "کتاب خوبی بود"),
        ("خـــوب بود", "خوب بود"),
        # repeated letters, by hazm's word list
        ("خیلییییی خوب بود", "خیلی خوب بود"),
        ("سلامممم", "سلام"),
        # ZWNJ: «می/نمی», written apart or together, formal or colloquial
        ("می خواهم", f"می{ZWNJ}خواهم"),
        ("میخواهم", f"می{ZWNJ}خواهم"),
        ("نمی خوام", f"نمی{ZWNJ}خوام"),
        ("نمیخوام", f"نمی{ZWNJ}خوام"),
        ("اپلیکیشن crash میکنه", f"اپلیکیشن crash می{ZWNJ}کنه"),
        # ZWNJ: suffixes
        ("کتاب ها", f"کتاب{ZWNJ}ها"),
        ("خوشمزه ترین", f"خوشمزه{ZWNJ}ترین"),
        ("گرون تر بود", f"گرون{ZWNJ}تر بود"),
        ("خانه ام", f"خانه{ZWNJ}ام"),
        ("خونه ی ما", f"خونه{ZWNJ}ی ما"),
        ("جمعهها", f"جمعه{ZWNJ}ها"),
        # ZWNJ: runs and stray ZWNJs at word edges
        (f"بسته{ZWNJ}{ZWNJ}بندی", f"بسته{ZWNJ}بندی"),
        (f"{ZWNJ}سلام{ZWNJ} به {ZWNJ}همه{ZWNJ}", "سلام به همه"),
        # spacing and punctuation as hazm writes them
        ("  سلام   دنیا  ", "سلام دنیا"),
        ("غذا سرد بود !", "غذا سرد بود!"),
        ('"عالی" بود', "«عالی» بود"),
        ("خوب بود...", "خوب بود …"),
        ("بد بود\n\n\n\nولی", "بد بود\n\nولی"),
        # every digit is ASCII
        ("۱۲۳ و ١٢٣ و 123", "123 و 123 و 123"),
        ("۵۰٪ تخفیف", "50 % تخفیف"),
    ],
)
def test_persian(text: str, expected: str) -> None:
    assert normalize(text, "fa") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("شماره‌ام ۰۹۱۲۳۴۵۶۷۸۹ است", "شماره‌ام <phone> است"),
        ("با ۰۰۹۸۹۱۲۳۴۵۶۷۸۹ تماس بگیرید", "با <phone> تماس بگیرید"),
        ("تلفن ۰۲۱-۸۸۷۷۶۶۵۵", "تلفن <phone>"),
        ("ایمیل ali.r@example.com لطفا", "ایمیل <email> لطفا"),
        ("کارت ۶۰۳۷-۹۹۱۱-۲۲۳۳-۴۴۵۵ رو شارژ کنید", "کارت <card> رو شارژ کنید"),
        ("شبا IR820540102680020817909002 است", "شبا <iban> است"),
        ("سایت digikala.com/product/123 رو ببینید", "سایت <url> رو ببینید"),
    ],
)
def test_persian_personal_data_becomes_placeholders(text: str, expected: str) -> None:
    assert normalize(text, "fa") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mail me at Ali.R@Example.com or see https://t.co/AbC", "mail me at <email> or see <url>"),
        ("ＦＵＬＬ width ﬁne", "full width fine"),
        ("I  LOVE\nit", "i love it"),
        ("Call  ME: 0912-345-6789!!", "call me: <phone>!!"),
        ("Call (800) 555-1234 or 1-800-555-1234 or +44 20 7946 0958", "call <phone> or <phone> or <phone>"),
        ("card 4111 1111 1111 1111 charged twice", "card <card> charged twice"),
        (
            "Flight 1234 on 2/24/2015 at 10:30 cost $1,234.56",
            "flight 1234 on 2/24/2015 at 10:30 cost $1,234.56",
        ),
        ("order 12345678, seat 12A", "order 12345678, seat 12a"),
        ("Price was ۱۲۰ dollars", "price was 120 dollars"),
    ],
)
def test_english(text: str, expected: str) -> None:
    assert normalize(text, "en") == expected


def test_language_is_detected_when_not_given() -> None:
    assert normalize("كيفيت خوب نبود") == "کیفیت خوب نبود"
    assert normalize("Service was GREAT") == "service was great"
    assert normalize("Kheili KHOOB bood") == "kheili khoob bood"


def test_placeholders_are_documented() -> None:
    assert set(PLACEHOLDERS.values()) == {"<url>", "<email>", "<phone>", "<card>", "<iban>", "<national_id>"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call  ME: 0912-345-6789!!", "Call  ME: <phone>!!"),
        ("شماره من ۰۹۱۲ ۳۴۵ ۶۷۸۹ هست، ایمیلم a.b@gmail.com", "شماره من <phone> هست، ایمیلم <email>"),
        ("كيفيت خـــوب نبود 😡 www.snapp.ir/x", "كيفيت خـــوب نبود 😡 <url>"),
        ("پرداخت با ۶۰۳۷۹۹۱۱۲۲۳۳۴۴۵۵ انجام شد", "پرداخت با <card> انجام شد"),
    ],
)
def test_redact_masks_only_personal_items(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ورژن آپديتون بايد 111.021.0028 باشه !",  # an app version
        "نسخه ۱۱۱.۰۲۱.۰۰۲۸ رو نصب کردم",
        "قیمتش ۱.۲۰۰.۰۰۰ تومان بود، با ۲۵٬۰۰۰ تومان هزینه ارسال",  # prices with thousands separators
        "price went from 1,000,000.00 to 25.000.000 rials",
        "سفارش ۱۴۰۲/۰۵/۱۲ ثبت شد و ۱۴۰۲-۰۵-۲۰ رسید",  # dates
        "delivered on 2023-05-12, order 1234567890, tracking 0123456789",  # order numbers
        "شماره سفارش ۱۲۳۴۵۶۷۸۹۰۱ هنوز نرسیده",
        "flight 111.222.3333 was listed as the booking code",  # not a North-American number: area code 111
    ],
)
def test_versions_prices_dates_and_order_numbers_are_not_personal_data(text: str) -> None:
    assert redact(text) == text


def test_separated_numbers_in_real_feedback_are_never_masked() -> None:
    """Over every Persian text of the shared data (however it grows): a number written with a decimal or
    thousands separator (a price, a version, an amount) is never inside a masked span."""
    separated = re.compile(r"[0-9۰-۹٠-٩]+(?:[.,٫٬][0-9۰-۹٠-٩]+)+")
    masked = []
    for text in _persian_texts():
        spans = find_pii(text)
        for match in separated.finditer(text):
            if any(start < match.end() and match.start() < end for start, end, _ in spans):
                masked.append(match.group())
    assert not masked, masked[:10]


def test_real_persian_feedback_comes_out_clean() -> None:
    """On every Persian text of the shared data: no Arabic letters, diacritics, kashida, non-ASCII digits,
    double spaces or ZWNJ next to a space is left."""
    leftovers = re.compile(f"[يكى\u064b-\u0652\u0640۰-۹٠-٩]|  | {ZWNJ}|{ZWNJ} |{ZWNJ}{ZWNJ}")
    dirty = [
        (text[:60], match.group())
        for text in _persian_texts()
        if (match := leftovers.search(normalize(text, "fa")))
    ]
    assert not dirty, dirty[:10]
