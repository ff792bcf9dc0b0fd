"""English (and Finglish) tokens: spaCy's blank-English tokenisation rules, with spans and normalised forms.

The tokenizer is `cxtext.text.affixes` (spaCy's algorithm and rules without importing spaCy, which cost
≈0.6 s of every cold start). Personal items are cut out first and become one placeholder token each. A
token's norm is NFKC + lower case, digits in ASCII.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from cxtext.text.affixes import AffixTokenizer
from cxtext.text.common import DIGITS, Line
from cxtext.text.english_rules import english_rules
from cxtext.text.pii import find_pii


def normalize_english(text: str) -> str:
    """NFKC, lower case, ASCII digits; whitespace runs become one space (the form dedupe and display use)."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().translate(DIGITS).split())


def _norm(token: str) -> str:
    if token.isascii():
        return token.lower()
    return unicodedata.normalize("NFKC", token).lower().translate(DIGITS).strip()  # "´" → " ́"


@cache
def english_tokenizer() -> AffixTokenizer:
    """The process's English tokenizer, giving norms (its chunk cache is shared by every caller)."""
    return AffixTokenizer(english_rules(), _norm)


def english_line(text: str) -> Line:
    """All tokens of the text (newlines are spaces), personal items as placeholder tokens."""
    line = Line([], [], [])
    position = 0
    for start, end, placeholder in find_pii(text):
        english_tokenizer().extend(line, text[position:start], position)
        line.norms.append(placeholder)
        line.starts.append(start)
        line.ends.append(end)
        position = end
    english_tokenizer().extend(line, text[position:], position)
    return line
