"""Personal data in feedback: URLs, e-mails, phone, card and Iranian national ID numbers, found by position.

Why positions: `redact` must return the customer's text untouched except for the masked items, and the
tokeniser turns each item into one placeholder token whose span still points at the original characters.
Digits may be ASCII, Persian (۰-۹) or Arabic-Indic (٠-٩): Iranian customers type phone numbers in all three.

Placeholders (also the normalised form of such a token):

| placeholder | what it replaces |
|---|---|
| `<url>` | `http(s)://…`, `ftp://…`, `www.…`, bare domains with a common TLD (`digikala.com/…`, `snapp.ir`) |
| `<email>` | `name@host.tld` |
| `<phone>` | `+<country>…` / `00<country>…` with 8–15 digits; Iranian `09xx xxx xxxx`, `0xx xxxx xxxx` (11 digits); North-American `(800) 555-1234`, `1-800-555-1234` (separators required, area code and exchange starting 2–9) |
| `<card>` | 16 digits, optionally grouped 4-4-4-4 by spaces or dashes (bank cards) |
| `<iban>` | Iranian Sheba account numbers: `IR` + 24 digits |
| `<national_id>` | Iranian national ID (code melli): 10 digits, or 3-6-1 with dashes, whose check digit is valid |

A number that continues past a decimal or thousands separator (`1.200.000`, `111.021.0028`) is a price,
version or amount, never a phone or an ID. A number right after an order, tracking, invoice or ticket cue
(`order #`, `سفارش`, `کد رهگیری`, ...) is that reference, not a person's number. The national ID's check
digit is verified by fa-redact's `is_valid_national_id` (measured against these patterns in
`bench/pii_bench.py`: its own detector misses dashed IDs and masks order numbers, so only its validator is
used). Each kind has its own pattern, run only when a cheap test says it can match (an "@" inside a word, a dot
before a letter, a digit): most feedback has none of them and costs three substring tests.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from fa_redact import is_valid_national_id

PLACEHOLDERS: dict[str, str] = {
    "url": "<url>",
    "email": "<email>",
    "phone": "<phone>",
    "card": "<card>",
    "iban": "<iban>",
    "national_id": "<national_id>",
}

_D = "[0-9۰-۹٠-٩]"
_NANP_LEAD = "[2-9۲-۹٢-٩]"  # North-American area codes and exchanges never start with 0 or 1
_URL_END = r"[^\s<>\"'«».,;:!?؟،)\]}]"
_URL_BODY = r"[^\s<>\"'«»]*"
_TLDS = "com|ir|org|net|io|me|info|biz|app|shop|store|online|site|xyz|dev|ai"
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(
    rf"(?i:https?://|ftp://|www\.){_URL_BODY}{_URL_END}"
    rf"|(?<![\w@.])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?i:{_TLDS})\b(?:/{_URL_BODY}{_URL_END})?"
)
_SEP = "[.,٫٬]"  # decimal and thousands separators: a number continuing past one is not a phone
_NOT_AFTER_NUMBER = rf"(?<!{_D})(?<!{_D}{_SEP})"
_NOT_BEFORE_NUMBER = rf"(?!{_D})(?!{_SEP}{_D})"
_NUMBER = re.compile(
    rf"(?P<iban>\b(?i:ir)(?:[ -]?{_D}){{24}}(?!{_D}))"
    rf"|(?P<card>(?<!{_D}){_D}{{4}}(?:[ -]?{_D}{{4}}){{3}}(?!{_D}))"
    rf"|(?P<intl>(?:\+|{_NOT_AFTER_NUMBER}[0۰٠]{{2}}){_D}{{1,3}}(?:[ .-]?\(?{_D}{{2,4}}\)?){{2,5}}{_NOT_BEFORE_NUMBER})"
    rf"|(?P<iran>{_NOT_AFTER_NUMBER}[0۰٠]{_D}{{2,3}}[ -]?{_D}{{3,4}}[ -]?{_D}{{4}}{_NOT_BEFORE_NUMBER})"
    rf"|(?P<nanp>{_NOT_AFTER_NUMBER}(?:[1۱١][ .-]?)?\(?{_NANP_LEAD}{_D}{{2}}\)?[ .-]{_NANP_LEAD}{_D}{{2}}[ .-]{_D}{{4}}{_NOT_BEFORE_NUMBER})"
)
_NATIONAL_ID = re.compile(
    rf"{_NOT_AFTER_NUMBER}(?<!-){_D}{{3}}(-?){_D}{{6}}\1{_D}{_NOT_BEFORE_NUMBER}(?!-{_D})"
)
# Words after which a number is a reference (order, tracking, invoice, ticket), not a person's number.
_REFERENCE_CUE = re.compile(
    r"(?i:order|tracking|invoice|ticket|ref(?:erence)?|booking|transaction)\W{0,3}(?:n(?:o|umber)\W{0,2})?\W{0,2}$"
    r"|#\s?$|(?:سفارش|رهگیری|پیگیری|فاکتور|بلیط|تراکنش|مرسوله)\W{0,2}(?:شماره\W{0,2})?$"
)
_CUE_WINDOW = 24
# Digits each phone form must have: Iranian numbers are 0 + 10 digits, international ones 8 or more.
_PHONE_DIGITS: dict[str, range] = {"intl": range(8, 16), "iran": range(11, 12), "nanp": range(10, 12)}
_AT = re.compile(r"[A-Za-z0-9._%+-]@[A-Za-z0-9-]")  # in every e-mail; not in "@handle" mentions
_DOTTED = re.compile(r"\.[A-Za-z]|://")
_DIGITS = re.compile(f"{_D}{{3}}")  # every number item has a run of three digits
_DIGIT = re.compile(_D)


class PiiSpan(NamedTuple):
    """One personal item: its span in the text and the placeholder that replaces it."""

    start: int
    end: int
    placeholder: str


def find_pii(text: str) -> list[PiiSpan]:
    """All personal items in `text`, left to right, non-overlapping (the earlier, then longer, one wins)."""
    found: list[PiiSpan] = []
    if "@" in text and _AT.search(text):
        found += (PiiSpan(*m.span(), PLACEHOLDERS["email"]) for m in _EMAIL.finditer(text))
    if _DOTTED.search(text):
        found += (PiiSpan(*m.span(), PLACEHOLDERS["url"]) for m in _URL.finditer(text))
    if _DIGITS.search(text):
        # national IDs first: on the same span (a 10-digit ID starting 00) the ID wins over a phone
        for match in _NATIONAL_ID.finditer(text):
            if is_valid_national_id(match.group().replace("-", "")) and not _reference(text, match.start()):
                found.append(PiiSpan(*match.span(), PLACEHOLDERS["national_id"]))
        for match in _NUMBER.finditer(text):
            kind = match.lastgroup
            assert kind is not None
            if kind in _PHONE_DIGITS:
                if len(_DIGIT.findall(match.group())) not in _PHONE_DIGITS[kind]:
                    continue
                if _reference(text, match.start()):
                    continue
                kind = "phone"
            found.append(PiiSpan(*match.span(), PLACEHOLDERS[kind]))
    if len(found) < 2:
        return found
    found.sort(key=lambda span: (span.start, -span.end))
    kept = [found[0]]
    for span in found[1:]:
        if span.start >= kept[-1].end:
            kept.append(span)
    return kept


def _reference(text: str, start: int) -> bool:
    """Whether the number at `start` follows an order, tracking, invoice or ticket cue."""
    return bool(_REFERENCE_CUE.search(text[max(0, start - _CUE_WINDOW) : start]))


def redact(text: str) -> str:
    """The original text with only its personal items replaced by their placeholders."""
    spans = find_pii(text)
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for start, end, placeholder in spans:
        parts.append(text[last:start])
        parts.append(placeholder)
        last = end
    parts.append(text[last:])
    return "".join(parts)
