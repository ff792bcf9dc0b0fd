"""Representative quotes per driver and polarity: confident, on-topic, readable, distinct, redacted.

Ranking, best first (vectorised; only the top of the ranking is touched as strings):
1. the driver's confidence is at least `min_confidence` (given labels count as 1; a prediction without
   a stored confidence passes, ranked as `min_confidence`);
2. the text's overall sentiment agrees with the polarity asked for (a negative quote from a negative text);
3. it mentions as few other drivers as possible (a quote about price should be about price);
4. higher confidence, in steps of 0.1;
5. length closest to `IDEAL_LENGTH` characters (long reviews are cut at a word with "…", and whitespace
   runs are shown as one space, HTML entities such as `&amp;` as the character they stand for);
6. a checksum of the text, then the text and id (then language, sentiment and confidence), so the choice
   does not depend on the order of the records.
Texts that are equal after case-folding and whitespace collapsing count once. Personal data (URLs,
e-mails, phone and card numbers) is masked before a quote leaves this module.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

import numpy as np

from cxtext.analysis.frame import ABSENT, STATE_CODE, STATES, Frame
from cxtext.schema import SENTIMENTS
from cxtext.text.pii import redact  # what cxtext.normalize re-exports, without the tokenisers

KINDS: dict[str, tuple[int, ...]] = {
    "negative": (STATE_CODE["negative"],),
    "positive": (STATE_CODE["positive"],),
    "other": (STATE_CODE["unknown"], STATE_CODE["neutral"], STATE_CODE["mixed"]),
}
# each state's index in KINDS (-1: absent): one lookup per driver instead of a set test per kind
_KIND_OF_STATE = np.array(
    [
        next((k for k, states in enumerate(KINDS.values()) if code in states), -1)
        for code in range(len(STATES))
    ],
    dtype=np.int8,
)
_AGREEING = {"negative": SENTIMENTS.index("negative"), "positive": SENTIMENTS.index("positive")}
IDEAL_LENGTH = 140
MIN_QUOTE_CONFIDENCE = 0.6  # the default of `analyze`
MAX_CHARS = 300


class Candidate(NamedTuple):
    """A quote as it ranks (best first = smallest tuple): `rank` is the negated ranking key of the module
    doc, then the text's checksum, the text and the id; the rest is what the quote shows."""

    rank: int
    checksum: int
    text: str
    id: str
    lang: str
    sentiment: int
    confidence: float


def quote_candidates(
    frame: Frame, lengths: np.ndarray, *, limit: int, min_confidence: float
) -> dict[str, dict[str, list[Candidate]]]:
    """For every driver, the `limit` best distinct texts of each kind (negative, positive, other)."""
    mentioned = (frame.state > ABSENT).sum(axis=1)
    distance = np.minimum(np.abs(lengths - IDEAL_LENGTH), 0xFFFF)
    out: dict[str, dict[str, list[Candidate]]] = {}
    for j, driver in enumerate(frame.drivers):
        confidence = np.nan_to_num(frame.confidence[:, j], nan=min_confidence)
        out[driver] = {}
        kind_of_row = _KIND_OF_STATE[frame.state[:, j]]
        kind_of_row[confidence < min_confidence] = -1
        for k, kind in enumerate(KINDS):
            rows = np.flatnonzero(kind_of_row == k)
            agree = (
                frame.sentiment[rows] == _AGREEING[kind] if kind in _AGREEING else np.zeros(len(rows), bool)
            )
            key = (
                agree.astype(np.int64) << 40
                | (15 - np.minimum(mentioned[rows] - 1, 15)).astype(np.int64) << 32
                | np.floor(confidence[rows] * 10).astype(np.int64) << 16
                | (0xFFFF - distance[rows]).astype(np.int64)
            )
            out[driver][kind] = _best(frame, confidence, rows, key, limit)
    return out


def merge_candidates(parts: Sequence[Sequence[Candidate]], limit: int) -> list[Candidate]:
    """The best distinct texts of several parts' rows, from each part's own best (`quote_candidates`).

    Exact: a text the whole picks is among its part's `limit` best, since every distinct text that ranks
    before it in its part also ranks before it in the whole, and fewer than `limit` do."""
    return first_distinct(sorted(candidate for part in parts for candidate in part), limit)


def quote_entries(candidates: Iterable[Candidate]) -> list[dict]:
    """Picked candidates as the quotes of the output, redacted and shortened."""
    return [
        {
            "text": display_text(c.text),
            "id": c.id or None,
            "lang": c.lang or None,
            "sentiment": SENTIMENTS[c.sentiment] if c.sentiment >= 0 else None,
            "confidence": round(c.confidence, 3),
        }
        for c in candidates
    ]


def first_distinct(ranked: Iterable[Candidate], limit: int) -> list[Candidate]:
    """The first `limit` candidates of `ranked` whose texts differ after case-folding and whitespace
    collapsing."""
    picked: list[Candidate] = []
    seen: set[str] = set()
    if limit <= 0:
        return picked
    for candidate in ranked:
        norm = " ".join(candidate.text.casefold().split())
        if norm not in seen:
            seen.add(norm)
            picked.append(candidate)
            if len(picked) == limit:
                break
    return picked


def _best(
    frame: Frame, confidence: np.ndarray, rows: np.ndarray, key: np.ndarray, limit: int
) -> list[Candidate]:
    """The `limit` best distinct texts among `rows` (`key`: their ranking key, higher first).

    Only the top of the ranking is hashed: the pool grows only when its rows are copies of fewer than
    `limit` distinct texts.
    """
    if limit <= 0:
        return []
    pool = 8 * limit
    while True:
        if len(rows) > pool:
            threshold = np.partition(key, len(key) - pool)[len(key) - pool]
            top = rows[key >= threshold]  # every tie at the threshold is in
            top_key = key[key >= threshold]
        else:
            top, top_key = rows, key
        picked = first_distinct(_ranked(frame, confidence, top, top_key), limit)
        if len(picked) == limit or len(top) == len(rows):
            return picked
        pool *= 8


def _ranked(frame: Frame, confidence: np.ndarray, rows: np.ndarray, key: np.ndarray) -> Iterator[Candidate]:
    """`rows` as candidates, best first. Rows with equal key and checksum (usually copies of one text) form
    a run that is ordered in Python; runs are few because the walk stops at `limit` picks."""
    if not len(rows):
        return
    texts = frame.text
    checksum = np.fromiter(
        (zlib.crc32(texts[i].encode("utf-8")) for i in rows), dtype=np.int64, count=len(rows)
    )
    order = np.lexsort((checksum, -key))
    ranked_key, ranked_sum = key[order], checksum[order]
    starts = np.flatnonzero(
        np.concatenate([[True], (ranked_key[1:] != ranked_key[:-1]) | (ranked_sum[1:] != ranked_sum[:-1])])
    )
    ends = np.append(starts[1:], len(order))
    levels, codes = frame.lang.levels, frame.lang.codes
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        rank, crc = -int(ranked_key[start]), int(ranked_sum[start])
        yield from sorted(
            Candidate(
                rank,
                crc,
                texts[i],
                frame.id[i],
                levels[codes[i]],
                int(frame.sentiment[i]),
                float(confidence[i]),
            )
            for i in rows[order[start:end]].tolist()
        )


def display_text(text: str) -> str:
    """A comment as a quote shows it: redacted, entities decoded, whitespace runs as one space, long
    texts cut at a word with "…"."""
    # tweets carry HTML entities (&amp;); line breaks and runs of spaces read as one space
    text = " ".join(redact(html.unescape(text)).split())
    if len(text) > MAX_CHARS:
        cut = text[:MAX_CHARS].rsplit(maxsplit=1)[0] if " " in text[:MAX_CHARS] else text[:MAX_CHARS]
        text = cut.rstrip(" ,.;:،؛") + "…"
    return text


def highlight(text: str, phrases: Iterable[str]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_evidence) runs: each phrase marked where it occurs (case-insensitively,
    longest first, never overlapping). Phrases are found by their words, not their offsets, because a
    quote is a cleaned, shortened copy of the stored text."""
    folded = text.casefold()
    taken = [False] * len(text)
    for phrase in sorted({p.strip() for p in phrases if p and p.strip()}, key=len, reverse=True):
        needle, start = phrase.casefold(), 0
        while (found := folded.find(needle, start)) >= 0:
            end = found + len(needle)
            if len(folded) == len(text) and not any(taken[found:end]):
                taken[found:end] = [True] * (end - found)
            start = end
    pieces: list[tuple[str, bool]] = []
    for char, marked in zip(text, taken, strict=True):
        if pieces and pieces[-1][1] == marked:
            pieces[-1] = (pieces[-1][0] + char, marked)
        else:
            pieces.append((char, marked))
    return pieces


def marked(text: str, spans: Iterable[Sequence[int]]) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_marked) runs at sorted, non-overlapping [start, end) `spans`."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in spans:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces
