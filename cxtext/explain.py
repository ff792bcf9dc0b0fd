"""Turn per-token contributions into the phrases a person can check, with spans into the original text."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cxtext.tokens import Token


def evidence(
    text: str,
    tokens: Sequence[Token],
    contributions: np.ndarray,
    top: int = 3,
    min_weight: float = 0.05,
    max_tokens: int = 4,
) -> list[dict[str, object]]:
    """The `top` phrases pushing a score up, strongest first.

    Neighbouring tokens that clearly push the same way (each at least a quarter of the strongest token's
    push) are merged into one phrase of at most `max_tokens` tokens ("not good", "خیلی بد"), because that
    is how a reader sees them; weak glue tokens end a phrase, so highlights stay short. A phrase's weight
    is the sum of its tokens' contributions.
    """
    weights = contributions.tolist()
    floor = max(min_weight / 2, 0.25 * max(weights, default=0.0))
    phrases: list[tuple[float, int, int]] = []
    run_start, run_weight = -1, 0.0
    for i, weight in enumerate(weights):
        if weight >= floor and (run_start < 0 or i - run_start < max_tokens):
            if run_start < 0:
                run_start, run_weight = i, 0.0
            run_weight += weight
            continue
        if run_start >= 0:
            phrases.append((run_weight, run_start, i - 1))
            run_start, run_weight = (i, weight) if weight >= floor else (-1, 0.0)
    if run_start >= 0:
        phrases.append((run_weight, run_start, len(weights) - 1))
    phrases.sort(key=lambda p: -p[0])
    out = []
    for weight, first, last in phrases[:top]:
        if weight < min_weight:
            break
        start, end = tokens[first].start, tokens[last].end
        out.append({"phrase": text[start:end], "start": start, "end": end, "weight": round(weight, 3)})
    return out
