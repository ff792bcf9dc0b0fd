"""Churn intent: cue phrases, and the documented rule used when a model has no churn labels to learn from.

Churn is an intent of its own (cancelling, switching, "never again"), not merely negative sentiment, so
the rule needs an explicit cue to go high; sentiment and NPS only move it within the low/medium range.
Look-alikes ("I almost cancelled but you fixed it", "cancelled my order") are guards that cancel a cue.
"""

from __future__ import annotations

import math
import re
import re._constants as sre  # the stdlib regex parser's opcodes, to find the text a cue cannot match without
import re._parser
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
    required: frozenset[str] | None = None
    """Strings one of which every match contains (`required_strings`), None if unknown."""


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
        compiled = re.compile(pattern)
        cues.append(Cue(lang, kind, float(weight), compiled, required_strings(compiled)))
    return tuple(cues)


def required_strings(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings one of which every match of `pattern` contains, or None when none can be named.

    Why: a text is searched with every cue of its language (~100 regexes, a tenth of the classification
    time of a text that needs cues), and for almost every cue the text lacks all the words the cue is
    built from. A few substring tests rule such cues out; only a cue that might match is run.
    """
    parsed = re._parser.parse(pattern.pattern, pattern.flags)
    return None if parsed.state.flags & re.IGNORECASE else _required(parsed)


def _required(items: re._parser.SubPattern) -> frozenset[str] | None:
    """`required_strings` of a parsed sequence: its most selective element (a literal run, a group, a
    branch all of whose alternatives require something, or an item repeated at least once)."""
    candidates: list[frozenset[str]] = []
    run = ""
    for op, av in [*items, (None, None)]:
        if op is sre.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append(frozenset([run]))
            run = ""
        found: frozenset[str] | None = None
        if op is sre.SUBPATTERN:
            _, add_flags, _, sub = av
            if add_flags & re.IGNORECASE:
                return None
            found = _required(sub)
        elif op is sre.BRANCH:
            alternatives = [_required(branch) for branch in av[1]]
            if None not in alternatives:
                found = frozenset().union(*alternatives)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            found = _required(av[2])
        if found is not None:
            candidates.append(found)
    return max(candidates, key=lambda strings: (min(map(len, strings)), -len(strings)), default=None)


@cache
def _language_cues(family: str) -> tuple[tuple[Cue, ...], tuple[str, ...]]:
    """The cues searched in texts of a language family, and every string their `required` sets name."""
    cues = tuple(cue for cue in load_cues() if cue.lang in (family, "any"))
    return cues, tuple(sorted({s for cue in cues for s in cue.required or ()}))


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
    cues, strings = _language_cues("fa" if lang.startswith("fa") else "en")
    present = {s for s in strings if s in joined}
    matches: list[tuple[str, float, int, int]] = []
    for cue in cues:
        if cue.required is not None and present.isdisjoint(cue.required):
            continue  # the cue cannot match: none of the strings every match contains is in the text
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
