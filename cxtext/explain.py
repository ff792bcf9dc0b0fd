"""Turn per-token contributions into the phrases a person can check, with spans into the original text."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from cxtext.rounding import rounded
from cxtext.tokens import Token


@lru_cache(maxsize=4096)
def _is_punctuation(form: str) -> bool:
    return all(unicodedata.category(ch).startswith("P") for ch in form)


def _punctuation_rows(tokens: Sequence[Sequence[Token]]) -> np.ndarray:
    """For every token occurrence of the batch, in attribution-row order: is it punctuation only?"""
    return np.fromiter(
        (_is_punctuation(token.norm) for doc in tokens for token in doc),
        dtype=bool,
        count=sum(map(len, tokens)),
    )


def evidence(
    texts: Sequence[str],
    tokens: Sequence[Sequence[Token]],
    contributions: np.ndarray,
    offsets: np.ndarray,
    requests: Sequence[tuple[int, int]],
    top: int = 3,
    min_weight: float = 0.05,
    max_tokens: int = 4,
) -> list[list[dict[str, object]]]:
    """For each (text, score column) request, the `top` phrases pushing that score up, strongest first.

    `contributions` is (token occurrence × score column) for the whole batch, text i's tokens being rows
    `offsets[i]:offsets[i + 1]`. Neighbouring tokens that clearly push the same way (each at least a
    quarter of the strongest token's push) are merged into one phrase of at most `max_tokens` tokens ("not
    good", "خیلی بد"), because that is how a reader sees them; weak glue tokens end a phrase, so highlights
    stay short. A phrase's weight is the sum of its tokens' contributions, added left to right.

    Every request is handled at once with numpy (a per-token Python loop per request was a tenth of the
    classification time); only the phrases returned become Python objects.
    """
    out: list[list[dict[str, object]]] = [[] for _ in requests]
    if not requests:
        return out
    text_of, column = (np.asarray(values, dtype=np.int64) for values in zip(*requests, strict=True))
    lengths = offsets[text_of + 1] - offsets[text_of]
    owner = np.repeat(np.arange(len(requests)), lengths)  # request of each flat position
    if owner.size == 0:
        return out
    seg_start = np.cumsum(lengths) - lengths
    local = np.arange(owner.size) - seg_start[owner]  # token position within its text
    cells = (offsets[text_of][owner] + local) * contributions.shape[1] + column[owner]
    weights = contributions.ravel()[cells]  # float32, as scored; compared and added as float64 below
    # punctuation may carry weight (a corpus habit), but "." is no reason a person can check: never shown
    weights = np.where(_punctuation_rows(tokens)[offsets[text_of][owner] + local], 0.0, weights)
    present = lengths > 0
    strongest = np.zeros(len(requests))
    strongest[present] = np.maximum.reduceat(weights, seg_start[present])
    floor = np.maximum(min_weight / 2, 0.25 * strongest)
    strong = np.flatnonzero(weights >= floor[owner])
    # a phrase starts at a strong token after a weak one (or at its text's start), and every max_tokens on
    run_start = np.ones(strong.size, dtype=bool)
    run_start[1:] = (np.diff(strong) != 1) | (local[strong[1:]] == 0)
    nth = np.arange(strong.size)
    head = (nth - np.maximum.accumulate(np.where(run_start, nth, 0))) % max_tokens == 0
    first = strong[head]
    size = np.bincount(np.cumsum(head) - 1, minlength=first.size)  # strong tokens per phrase
    total = weights[first].astype(np.float64)
    for k in range(1, max_tokens):  # left to right, as a running sum would add them
        longer = size > k
        total[longer] += weights[first[longer] + k]
    request = owner[first]
    ranked = np.lexsort((first, -total, request))
    rank = np.arange(ranked.size) - np.searchsorted(request[ranked], request[ranked])
    kept = ranked[(rank < top) & (total[ranked] >= min_weight)]
    for r, a, b, weight in zip(
        request[kept].tolist(),
        local[first[kept]].tolist(),
        (local[first[kept]] + size[kept] - 1).tolist(),
        rounded(total[kept], 3),
        strict=True,
    ):
        text, doc = texts[requests[r][0]], tokens[requests[r][0]]
        start, end = doc[a].start, doc[b].end
        out[r].append({"phrase": text[start:end], "start": start, "end": end, "weight": weight})
    return out
