"""Normalised text for both languages, and redaction of personal data.

`normalize(text, lang=None)`:

- Persian (`fa`): hazm 0.10 `Normalizer()` rules (letters ي ك ى → ی ک ی and Arabic presentation forms,
  diacritics/kashida removed, «ة»/«ۀ» left as hazm leaves them, repeated letters reduced by hazm's word list,
  ZWNJ fixed: «می خواهم»/«میخواهم» → «می‌خواهم», «نمی خوام» → «نمی‌خوام», «کتاب ها» → «کتاب‌ها»), see
  `cxtext.text.persian` for the list of intended differences;
- English, Finglish and anything else: NFKC, lower case, whitespace runs collapsed;
- both: every digit (ASCII, Persian ۰-۹, Arabic-Indic ٠-٩) becomes ASCII 0-9 — one form, the one regexes,
  numbers and English text already use; URLs, e-mails, phone and card numbers become `<url>`, `<email>`,
  `<phone>`, `<card>`, `<iban>`, `<national_id>` (table in `cxtext.text.pii`).

`redact(text)` returns the original text with only those personal items replaced by the same placeholders:
what gets stored when feedback is kept.
"""

from __future__ import annotations

import re

from cxtext.language import detect_language
from cxtext.text.english import normalize_english
from cxtext.text.persian import join_line, persian_lines
from cxtext.text.pii import PLACEHOLDERS, redact

__all__ = ["PLACEHOLDERS", "normalize", "redact"]

_BLANK_LINES = re.compile(r"\n{3,}")


def normalize(text: str, lang: str | None = None) -> str:
    """The normalised form of `text` in language `lang` (detected when None)."""
    lang = lang or detect_language(text)
    if lang == "fa":
        return _BLANK_LINES.sub("\n\n", "\n".join(map(join_line, persian_lines(text))))
    return normalize_english(redact(text))
