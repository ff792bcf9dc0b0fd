"""Iranian national IDs (code melli) are masked as their own kind, in both languages, and nothing that
only looks like one is: versions, prices, dates, order and tracking numbers, wrong check digits."""

from __future__ import annotations

import pytest

from cxtext.normalize import normalize, redact
from cxtext.text.pii import find_pii


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("کد ملی من 4311234562 است", "کد ملی من <national_id> است"),
        ("کد ملی: ۴۳۱۱۲۳۴۵۶۲", "کد ملی: <national_id>"),
        ("شماره ملی ۴۳۱-۱۲۳۴۵۶-۲ را ثبت کردم", "شماره ملی <national_id> را ثبت کردم"),
        ("کد ملی همسرم ٠٠٨٤٥٧٥٩٤٨ است", "کد ملی همسرم <national_id> است"),  # starts with 00: not a phone
        (
            "My national ID is 4311234562, please update it.",
            "My national ID is <national_id>, please update it.",
        ),
        ("ID: 001-234567-9 (melli code)", "ID: <national_id> (melli code)"),
        ("code 0012345679 and phone 09123456789", "code <national_id> and phone <phone>"),
    ],
)
def test_national_ids_are_masked_as_their_own_kind(text: str, masked: str) -> None:
    assert redact(text) == masked
    assert "<national_id>" in normalize(text)


@pytest.mark.parametrize(
    "text",
    [
        "The app version 111.021.0028 keeps crashing",
        "نسخه ۴.۳۱.۱۲۳۴۵۶۲ هم همین مشکل را دارد",
        "قیمت 4,311,234,562 ریال شد",
        "قیمت ۱.۲۰۰.۰۰۰ تومان است",
        "It cost 1,200,000 rials on 2024-05-01",
        "تاریخ ۱۴۰۳/۰۲/۱۵ سفارش دادم",
        "order #4311234562 never arrived",
        "Order number 0012345679 is still pending",
        "سفارش شماره ۴۳۱۱۲۳۴۵۶۲ هنوز نرسیده",
        "کد رهگیری 0499370899 کار نمی‌کند",
        "ID 4311234563 has a wrong check digit",
        "کد ملی ۱۱۱۱۱۱۱۱۱۱ معتبر نیست",
        "431-1234562 is dashed the wrong way",
    ],
)
def test_numbers_that_only_look_like_ids_stay(text: str) -> None:
    assert find_pii(text) == [] and redact(text) == text


def test_the_api_stores_national_ids_masked(client, auth) -> None:
    item = {"id": "nid-1", "text": "کد ملی من ۴۳۱۱۲۳۴۵۶۲ است و پیک دیر آمد"}
    assert client.post("/v1/feedback", json={"items": [item]}, headers=auth("ingest")).status_code == 200
    [stored] = client.get("/v1/feedback", headers=auth("read")).json()["items"]
    assert stored["text"] == "کد ملی من <national_id> است و پیک دیر آمد" and stored["text_redacted"]
