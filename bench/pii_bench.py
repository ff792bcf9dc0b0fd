"""Personal-data detection: cxtext's patterns (`cxtext.text.pii`) beside fa-redact on the same cases.

Cases are written for this benchmark (no customer data): Persian and English sentences with Iranian
national IDs (check digit valid; ASCII or Persian digits; plain or 3-6-1 with dashes), mobiles (compact
and spaced), bank cards and Sheba numbers — and the numbers that must stay: app versions, prices, dates,
order and tracking numbers (some of them 10 digits with a valid check digit), invalid check digits.

Each system's spans are compared with the expected ones per kind: true positives (same span and kind),
false positives (a span found where none is expected, or of another kind), false negatives. Speed: spans
per second over the cases repeated, one core.

    .venv/bin/python bench/pii_bench.py        # writes bench/results/pii_bench.json and prints a table
"""

from __future__ import annotations

import json
import platform
import time
from collections import Counter
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from fa_redact import (
    BankCardDetector,
    IranianIBANDetector,
    IranianMobileNumberDetector,
    IranianNationalIDDetector,
)
from fa_redact import detect as fa_detect

from cxtext.text.pii import find_pii

RESULTS = Path(__file__).resolve().parent / "results" / "pii_bench.json"
KINDS = ("national_id", "phone", "card", "iban")
FA_KINDS = {"IR_NATIONAL_ID": "national_id", "IR_MOBILE": "phone", "BANK_CARD": "card", "IR_IBAN": "iban"}
FA_DETECTORS = (
    IranianNationalIDDetector(),
    IranianMobileNumberDetector(),
    BankCardDetector(),
    IranianIBANDetector(),
)

# (language, text, expected [(substring, kind)]); a substring is located by its first occurrence.
CASES: list[tuple[str, str, list[tuple[str, str]]]] = [
    # national IDs that must be masked
    ("fa", "کد ملی من 4311234562 است", [("4311234562", "national_id")]),
    ("fa", "کد ملی: ۴۳۱۱۲۳۴۵۶۲", [("۴۳۱۱۲۳۴۵۶۲", "national_id")]),
    ("fa", "شماره ملی ۴۳۱-۱۲۳۴۵۶-۲ را ثبت کردم", [("۴۳۱-۱۲۳۴۵۶-۲", "national_id")]),
    ("fa", "کدملی 001-234567-9 و هنوز جواب نداده‌اید", [("001-234567-9", "national_id")]),
    ("fa", "با کد ملی 0012345679 پیگیری کنید", [("0012345679", "national_id")]),
    ("fa", "کد ملی همسرم ٠٠٨٤٥٧٥٩٤٨ است", [("٠٠٨٤٥٧٥٩٤٨", "national_id")]),
    ("en", "My national ID is 4311234562, please update it.", [("4311234562", "national_id")]),
    ("en", "National code 0499370899 was rejected twice", [("0499370899", "national_id")]),
    ("en", "ID: 274-123456-6 (melli code)", [("274-123456-6", "national_id")]),
    ("en", "they asked for my code melli 5678123459 again", [("5678123459", "national_id")]),
    (
        "fa",
        "کد ملی ۳۸۶۱۲۳۴۵۶۴ و موبایل ۰۹۱۲۳۴۵۶۷۸۹",
        [("۳۸۶۱۲۳۴۵۶۴", "national_id"), ("۰۹۱۲۳۴۵۶۷۸۹", "phone")],
    ),
    # phones
    ("fa", "با شماره 09123456789 تماس بگیرید", [("09123456789", "phone")]),
    ("fa", "شماره‌ام ۰۹۱۲ ۳۴۵ ۶۷۸۹ است", [("۰۹۱۲ ۳۴۵ ۶۷۸۹", "phone")]),
    ("en", "Call me on 0912 345 6789 tomorrow.", [("0912 345 6789", "phone")]),
    ("en", "my number is +989123456789", [("+989123456789", "phone")]),
    ("en", "reach me at +98 912 345 6789", [("+98 912 345 6789", "phone")]),
    ("fa", "تلفن ثابت 021 8888 1234 جواب نمی‌دهد", [("021 8888 1234", "phone")]),
    # cards and Sheba numbers
    ("fa", "کارت 6037991112345677 را مسدود کنید", [("6037991112345677", "card")]),
    ("en", "card 6037-9911-1234-5677 was charged twice", [("6037-9911-1234-5677", "card")]),
    ("fa", "شبا IR820540102680020817909002 اشتباه ثبت شده", [("IR820540102680020817909002", "iban")]),
    # numbers that must stay
    ("en", "The app version 111.021.0028 keeps crashing", []),
    ("fa", "نسخه ۴.۳۱.۱۲۳۴۵۶۲ هم همین مشکل را دارد", []),
    ("fa", "قیمت 4,311,234,562 ریال شد", []),
    ("fa", "قیمت ۱.۲۰۰.۰۰۰ تومان است", []),
    ("en", "It cost 1,200,000 rials on 2024-05-01", []),
    ("fa", "تاریخ ۱۴۰۳/۰۲/۱۵ سفارش دادم", []),
    ("en", "order #4311234562 never arrived", []),
    ("en", "Order number 0012345679 is still pending", []),
    ("fa", "سفارش شماره ۴۳۱۱۲۳۴۵۶۲ هنوز نرسیده", []),
    ("fa", "کد رهگیری 0499370899 کار نمی‌کند", []),
    ("en", "tracking number 5678123459 shows nothing", []),
    ("en", "invoice 2741234566 was paid", []),
    ("fa", "شماره فاکتور ۳۸۶۱۲۳۴۵۶۴ است", []),
    ("en", "ID 4311234563 has a wrong check digit", []),
    ("fa", "کد ملی ۱۱۱۱۱۱۱۱۱۱ معتبر نیست", []),
    ("en", "we waited 1234567890 milliseconds, it felt like", []),
    ("en", "ticket 20240501123 was closed", []),
    ("fa", "کد تخفیف 12345 کار نکرد", []),
    ("en", "transaction 12345678901234567890 failed", []),
]


def expected_spans(text: str, expected: list[tuple[str, str]]) -> set[tuple[int, int, str]]:
    spans = set()
    for substring, kind in expected:
        start = text.index(substring)
        spans.add((start, start + len(substring), kind))
    return spans


def cxtext_spans(text: str) -> set[tuple[int, int, str]]:
    return {(s.start, s.end, s.placeholder.strip("<>")) for s in find_pii(text)}


def fa_redact_spans(text: str) -> set[tuple[int, int, str]]:
    return {(d.start, d.end, FA_KINDS.get(d.type, d.type)) for d in fa_detect(text, detectors=FA_DETECTORS)}


def score(system: Callable[[str], set[tuple[int, int, str]]]) -> dict:
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    by_language: dict[str, Counter[str]] = {}
    misses: list[dict] = []
    for lang, text, expected in CASES:
        want = expected_spans(text, expected)
        got = {span for span in system(text) if span[2] in KINDS}
        language = by_language.setdefault(lang, Counter())
        for span in got & want:
            counts[span[2]]["tp"] += 1
            language["tp"] += 1
        for span in got - want:
            counts[span[2]]["fp"] += 1
            language["fp"] += 1
        for span in want - got:
            counts[span[2]]["fn"] += 1
            language["fn"] += 1
        if got != want:
            misses.append({"text": text, "expected": sorted(want), "found": sorted(got)})
    return {
        "per_kind": {kind: dict(c) | quality(c) for kind, c in counts.items()},
        "per_language": {lang: dict(c) | quality(c) for lang, c in by_language.items()},
        "all": quality(sum(counts.values(), Counter())),
        "misses": misses,
    }


def quality(c: Counter[str]) -> dict[str, float | None]:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return {"precision": round(precision, 3) if precision is not None else None,
            "recall": round(recall, 3) if recall is not None else None}  # fmt: skip


def texts_per_second(system: Callable[[str], object], repeats: int = 300) -> float:
    texts = [text for _, text, _ in CASES] * repeats
    started = time.process_time()
    for text in texts:
        system(text)
    return round(len(texts) / (time.process_time() - started))


def main() -> None:
    results = {
        "cases": len(CASES),
        "python": platform.python_version(),
        "fa_redact": version("fa-redact"),
        "systems": {},
    }
    for name, system in (("cxtext", cxtext_spans), ("fa-redact", fa_redact_spans)):
        results["systems"][name] = {**score(system), "texts_per_cpu_second": texts_per_second(system)}
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{len(CASES)} cases; fa-redact {results['fa_redact']}")
    print(f"{'system':10} {'kind':12} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>7}")
    for name, outcome in results["systems"].items():
        for kind, c in outcome["per_kind"].items():
            print(f"{name:10} {kind:12} {c.get('tp', 0):3} {c.get('fp', 0):3} {c.get('fn', 0):3} "
                  f"{c['precision']!s:>9} {c['recall']!s:>7}")  # fmt: skip
        print(f"{name:10} {'texts/cpu-s':12} {outcome['texts_per_cpu_second']}")


if __name__ == "__main__":
    main()
