"""Churn intent: cue phrases, and the documented rule used when a model has no churn labels to learn from.

Churn is an intent of its own (cancelling, switching, "never again"), not merely negative sentiment, so
the rule needs an explicit cue to go high; sentiment and NPS only move it within the low/medium range.
Look-alikes ("I almost cancelled but you fixed it", "cancelled my order") are guards that cancel a cue.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from cxtext.tokens import Token

# Risk bands (documented in README): probability below LOW is low, below HIGH is medium, else high.
LOW, HIGH = 0.3, 0.6

# The no-label rule: p = sigmoid(BIAS + INTENT * intent + DETRACTOR * p_detractor + NEGATIVE * p_negative).
# With no cue, an angry detractor tops out near 0.34 (medium); a clear cue lifts anyone above 0.8.
BIAS, INTENT, DETRACTOR, NEGATIVE = -3.0, 4.5, 1.5, 1.0


@dataclass(frozen=True, slots=True)
class Cue:
    lang: str
    kind: str  # "intent" or "guard"
    weight: float
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class CueMatch:
    kind: str
    weight: float
    start: int  # span in the original text
    end: int


@cache
def load_cues() -> tuple[Cue, ...]:
    """The cue lexicon shipped in `cxtext/lexicons/churn.tsv`."""
    text = resources.files("cxtext.lexicons").joinpath("churn.tsv").read_text(encoding="utf-8")
    cues = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, kind, weight, pattern = line.split("\t", 3)
        cues.append(Cue(lang, kind, float(weight), re.compile(pattern)))
    return tuple(cues)


def find_cues(text: str, tokens: Sequence[Token], lang: str) -> list[CueMatch]:
    """Intent cues not overlapped by a guard, plus the guards themselves, with spans in `text`."""
    joined_parts: list[str] = []
    starts: list[int] = []
    position = 0
    for token in tokens:
        starts.append(position)
        joined_parts.append(token.norm)
        position += len(token.norm) + 1
    joined = " ".join(joined_parts)
    family = "fa" if lang.startswith("fa") else "en"
    matches: list[tuple[str, float, int, int]] = []
    for cue in load_cues():
        if cue.lang not in (family, "any"):
            continue
        for m in cue.pattern.finditer(joined):
            first = _token_at(starts, m.start())
            last = _token_at(starts, max(m.end() - 1, m.start()))
            matches.append((cue.kind, cue.weight, first, last))
    guards = [(a, b) for kind, _, a, b in matches if kind == "guard"]
    out = []
    for kind, weight, first, last in matches:
        if kind == "intent" and any(a <= last and first <= b for a, b in guards):
            continue
        out.append(CueMatch(kind, weight, tokens[first].start, tokens[last].end))
    return out


def _token_at(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


def intent_strength(matches: Sequence[CueMatch]) -> float:
    return max((m.weight for m in matches if m.kind == "intent"), default=0.0)


def rule_probability(intent: float, p_detractor: float, p_negative: float) -> float:
    """The documented no-label churn rule (see module constants)."""
    z = BIAS + INTENT * intent + DETRACTOR * p_detractor + NEGATIVE * p_negative
    return 1.0 / (1.0 + math.exp(-z))


def band(probability: float) -> str:
    return "low" if probability < LOW else "medium" if probability < HIGH else "high"
