"""Representative quotes per driver and polarity: confident, on-topic, readable, distinct, redacted.

Ranking, best first (vectorised; only the top of the ranking is touched as strings):
1. the driver's confidence is at least `min_confidence` (given labels count as 1; a prediction without
   a stored confidence passes, ranked as `min_confidence`);
2. the text's overall sentiment agrees with the polarity asked for (a negative quote from a negative text);
3. it mentions as few other drivers as possible (a quote about price should be about price);
4. higher confidence, in steps of 0.1;
5. length closest to `IDEAL_LENGTH` characters (long reviews are cut at a word with "…", and whitespace
   runs are shown as one space, HTML entities such as `&amp;` as the character they stand for);
6. a checksum of the text, then the text and id, so the choice does not depend on the order of the records.
Texts that are equal after case-folding and whitespace collapsing count once. Personal data (URLs,
e-mails, phone and card numbers) is masked before a quote leaves this module.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Iterable, Sequence

import numpy as np

from cxtext.analysis.frame import ABSENT, STATE_CODE, Frame
from cxtext.schema import SENTIMENTS
from cxtext.text.pii import redact  # what cxtext.normalize re-exports, without the tokenisers

KINDS: dict[str, tuple[int, ...]] = {
    "negative": (STATE_CODE["negative"],),
    "positive": (STATE_CODE["positive"],),
    "other": (STATE_CODE["unknown"], STATE_CODE["neutral"], STATE_CODE["mixed"]),
}
_AGREEING = {"negative": SENTIMENTS.index("negative"), "positive": SENTIMENTS.index("positive")}
IDEAL_LENGTH = 140
MAX_CHARS = 300


def select_quotes(
    frame: Frame, lengths: np.ndarray, *, limit: int, min_confidence: float
) -> dict[str, dict[str, list[dict]]]:
    """For every driver, up to `limit` quotes of each kind (negative, positive, other)."""
    mentioned = (frame.state > ABSENT).sum(axis=1)
    distance = np.minimum(np.abs(lengths - IDEAL_LENGTH), 0xFFFF)
    out: dict[str, dict[str, list[dict]]] = {}
    for j, driver in enumerate(frame.drivers):
        confidence = np.nan_to_num(frame.confidence[:, j], nan=min_confidence)
        out[driver] = {}
        for kind, states in KINDS.items():
            rows = np.flatnonzero(np.isin(frame.state[:, j], states) & (confidence >= min_confidence))
            agree = (
                frame.sentiment[rows] == _AGREEING[kind] if kind in _AGREEING else np.zeros(len(rows), bool)
            )
            key = (
                agree.astype(np.int64) << 40
                | (15 - np.minimum(mentioned[rows] - 1, 15)).astype(np.int64) << 32
                | np.floor(confidence[rows] * 10).astype(np.int64) << 16
                | (0xFFFF - distance[rows]).astype(np.int64)
            )
            out[driver][kind] = [
                _quote(frame, i, confidence[i]) for i in _best(frame.text, frame.id, rows, key, limit)
            ]
    return out


def _best(texts: np.ndarray, ids: np.ndarray, rows: np.ndarray, key: np.ndarray, limit: int) -> list[int]:
    """The `limit` best distinct texts among `rows`: higher key first, then checksum, text and id.

    Only the top of the ranking is hashed: the pool grows only when its rows are copies of fewer than
    `limit` distinct texts. Rows with equal key and checksum (usually copies of one text) form a run that
    is ordered by text and id in Python; runs are few because the walk stops at `limit` picks.
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
        checksum = np.fromiter(
            (zlib.crc32(texts[i].encode("utf-8")) for i in top), dtype=np.int64, count=len(top)
        )
        order = np.lexsort((checksum, -top_key))
        ranked_key, ranked_sum = top_key[order], checksum[order]
        starts = np.flatnonzero(
            np.concatenate(
                [[True], (ranked_key[1:] != ranked_key[:-1]) | (ranked_sum[1:] != ranked_sum[:-1])]
            )
        )
        ends = np.append(starts[1:], len(order))
        picked: list[int] = []
        seen: set[str] = set()
        for start, end in zip(starts, ends, strict=True):
            for row in sorted((int(i) for i in top[order[start:end]]), key=lambda i: (texts[i], ids[i])):
                norm = " ".join(texts[row].casefold().split())
                if norm not in seen:
                    seen.add(norm)
                    picked.append(row)
                    if len(picked) == limit:
                        return picked
        if len(top) == len(rows):
            return picked
        pool *= 8


def display_text(text: str) -> str:
    """A comment as a quote shows it: redacted, entities decoded, whitespace runs as one space, long
    texts cut at a word with "…"."""
    # tweets carry HTML entities (&amp;); line breaks and runs of spaces read as one space
    text = " ".join(redact(html.unescape(text)).split())
    if len(text) > MAX_CHARS:
        cut = text[:MAX_CHARS].rsplit(maxsplit=1)[0] if " " in text[:MAX_CHARS] else text[:MAX_CHARS]
        text = cut.rstrip(" ,.;:،؛") + "…"
    return text


def _quote(frame: Frame, row: int, confidence: float) -> dict:
    text = display_text(frame.text[row])
    sentiment = int(frame.sentiment[row])
    return {
        "text": text,
        "id": frame.id[row] or None,
        "lang": frame.lang.levels[frame.lang.codes[row]] or None,
        "sentiment": SENTIMENTS[sentiment] if sentiment >= 0 else None,
        "confidence": round(float(confidence), 3),
    }


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
