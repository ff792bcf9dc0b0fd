"""Tokens with spans in the customer's original text, normalised forms and negation.

`tokenize(text, lang=None) -> list[Token]`: `start`/`end` index the ORIGINAL text (explanations highlight
what the customer wrote); `norm` is the normalised token (`cxtext.normalize` rules); `negated` marks
tokens inside a negation scope (`cxtext.text.negation`).

- Persian: hazm's `word_tokenize` on hazm-normalised text (verb parts joined with `_`: «رفته_است»), but
  ZWNJ words stay whole and a spaced «نمی خوام» is one token «نمی‌خوام» spanning both parts.
- English, Finglish and unknown: spaCy's blank English tokenisation rules (`don't` → `do`, `n't`), applied
  by `cxtext.text.affixes` without importing spaCy; a full stop between two words splits ("food.bad").
- Personal items are one placeholder token each (`<url>`, `<phone>` …).

`model_tokens(text, lang=None) -> list[str]` is the stream a classifier consumes: the norms, a negated
token as `NOT_<norm>`. A Persian negative verb carries its own negation, so it is emitted as itself
(«نخریدم», a word of its own) plus `NOT_<lemma>` («NOT_خرید»): the lemma pools every person, tense and
register («نخریدم»، «نمی‌خرم»، «نخریده_بود») into one "did not buy" feature, which sparse data needs; the
surface keeps what the lemma drops (hazm's Lemmatizer maps «نخریدم» to «خرید», losing the negation, so a
lemma is never emitted without its `NOT_`).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

from cxtext.language import detect_language
from cxtext.text.common import Line
from cxtext.text.english import english_line
from cxtext.text.hazm_lexicon import hazm_lexicon
from cxtext.text.negation import english_negation, persian_negation
from cxtext.text.persian import glue_runs, join_verb_parts, persian_lines
from cxtext.text.persian_verbs import negative_verb_lemma

NEGATION_PREFIX = "NOT_"


class Token(NamedTuple):
    """One token: normalised form, span in the original text, and whether a negation covers it."""

    norm: str
    start: int
    end: int
    negated: bool


_make_token = partial(tuple.__new__, Token)  # C-level construction: a third of the cost of Token(...)


def _persian(text: str) -> tuple[Line, list[bool]]:
    lex = hazm_lexicon()
    lines = persian_lines(text)
    if len(lines) == 1:
        line = lines[0]
    else:  # hazm's word_tokenize sees newlines as spaces
        line = Line([], [], [])
        for part in lines:
            for column, values in zip(line, part, strict=True):
                column.extend(values)
    line = join_verb_parts(glue_runs(line, text), lex)
    return line, persian_negation(line.norms, lex.verbs)


def tokenize(text: str, lang: str | None = None) -> list[Token]:
    """Tokens of `text` in language `lang` (detected when None)."""
    lang = lang or detect_language(text)
    if lang == "fa":
        line, negated = _persian(text)
    else:
        line = english_line(text)
        negated = english_negation(line.norms, finglish=lang == "fa-Latn")
    return list(map(_make_token, zip(line.norms, line.starts, line.ends, negated, strict=True)))


def model_tokens(text: str, lang: str | None = None) -> list[str]:
    """The classifier's token stream: norms, `NOT_` on negated ones, Persian negative verbs + `NOT_<lemma>`."""
    lang = lang or detect_language(text)
    out: list[str] = []
    for token in tokenize(text, lang):
        if not token.negated:
            out.append(token.norm)
        elif lang == "fa" and (lemma := negative_verb_lemma(token.norm)) is not None:
            out += (token.norm, NEGATION_PREFIX + lemma)
        else:
            out.append(NEGATION_PREFIX + token.norm)
    return out
