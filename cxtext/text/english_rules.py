"""spaCy's blank-English tokenizer rules and English stop words, read from `english_rules.json`.

The file is written by `scripts/english_rules.py` from the installed spaCy and checked against it by
`tests/test_english_tokenizer.py`, so cxtext keeps spaCy's rules exactly without importing spaCy at run
time. One rule is ours: `RUN_ON_STOP`, an infix (see `cxtext.text.affixes`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import NamedTuple

RUN_ON_STOP = r"(?<=[^\W\d_])\.(?=[^\W\d_]{2})"
"""A full stop between a letter and a word of two letters or more: "food.bad" → "food" "." "bad"."""


class EnglishRules(NamedTuple):
    """The tokenizer's rules: anchored prefix/suffix searches, infix finder, exception table."""

    spacy: str
    """The spaCy version they were taken from."""
    prefix: Callable[[str], re.Match[str] | None]
    suffix: Callable[[str], re.Match[str] | None]
    infixes: Callable[[str], list[re.Match[str]]]
    specials: dict[str, tuple[str, ...]]


@cache
def _stored() -> dict:
    return json.loads(resources.files("cxtext.text").joinpath("english_rules.json").read_text("utf-8"))


@cache
def english_rules() -> EnglishRules:
    """The stored rules, compiled once per process."""
    raw = _stored()
    infix = re.compile(f"{raw['infix']}|{RUN_ON_STOP}")
    return EnglishRules(
        spacy=raw["spacy"],
        prefix=re.compile(raw["prefix"]).search,
        suffix=re.compile(raw["suffix"]).search,
        infixes=lambda text: list(infix.finditer(text)),
        specials={text: tuple(pieces) for text, pieces in raw["specials"].items()},
    )


@cache
def english_stop_words() -> frozenset[str]:
    """spaCy's English stop words (language detection and themes), without importing spaCy."""
    return frozenset(_stored()["stop_words"])
