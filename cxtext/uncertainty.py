"""How much a label would teach the model: uncertainty of a prediction across heads, and a diversity step.

The review queue asks analysts to label what the model is least sure of. Per head the uncertainty is a
number in [0, 1] computed from that head's probabilities (`margin`: one minus the gap between the two
most likely labels — "breaking ties"; `entropy`: the normalised entropy); a text's informativeness is
the mean over the heads that answered it. Ranking by uncertainty alone fills a page with near-copies
of one confusing comment, so `diverse_order` skips texts too similar to ones already chosen.
`bench/learning_curve.py` measures the strategies against random choice on real data. None beats random
by the two points the issue hoped for at 100 labels with the base: margin +0.6 on SnappFood and none on
SemEval, entropy worse, the diversity step no change (bench/results/learning_curve.md); margin within
k-means clusters and density-weighted margin did no better than margin beyond the spread
(bench/results/learning_curve_strategies.md). `STRATEGY` stays margin, the best measured overall.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

from cxtext.normalize import normalize

STRATEGIES = ("margin", "entropy")
STRATEGY = "margin"
SIMILAR = 0.5  # Jaccard similarity of character 3-gram sets above which two texts are near-duplicates


def margin(p: Sequence[float]) -> float:
    """1 − (p₁ − p₂): 1 when the two most likely labels tie, 0 when one label has all the mass."""
    if len(p) < 2:
        return 0.0
    first, second = sorted(p, reverse=True)[:2]
    return float(min(1.0, max(0.0, 1.0 - (first - second))))


def entropy(p: Sequence[float]) -> float:
    """Shannon entropy divided by its maximum log(k): 1 for a uniform distribution."""
    if len(p) < 2:
        return 0.0
    total = sum(p)
    if total <= 0:
        return 0.0
    h = -sum(q / total * math.log(q / total) for q in p if q > 0)
    return float(min(1.0, max(0.0, h / math.log(len(p)))))


MEASURES: dict[str, Callable[[Sequence[float]], float]] = {"margin": margin, "entropy": entropy}


def head_distributions(prediction: Mapping) -> list[list[float]]:
    """The probability distributions a classification shows: sentiment, predicted NPS, each driver found
    (found / not found) and its polarity, churn (yes / no). A head that did not answer adds nothing."""
    found: list[list[float]] = []
    sentiment = prediction.get("sentiment")
    if sentiment and sentiment.get("probabilities"):
        found.append(list(sentiment["probabilities"].values()))
    nps = prediction.get("nps")
    if nps and nps.get("source") == "predicted" and nps.get("probabilities"):
        found.append(list(nps["probabilities"].values()))
    for driver in prediction.get("drivers") or ():
        p = float(driver.get("probability") or 0.0)
        found.append([p, 1.0 - p])
        polarity = driver.get("sentiment")
        if polarity and polarity.get("probabilities"):
            found.append(list(polarity["probabilities"].values()))
    churn = prediction.get("churn")
    if churn and churn.get("method") == "learned":  # the cue rule's probability is not a model's doubt
        p = float(churn.get("probability") or 0.0)
        found.append([p, 1.0 - p])
    return found


def informativeness(prediction: Mapping, strategy: str = STRATEGY) -> float:
    """Mean uncertainty over the heads of one classification (0 when no head answered)."""
    measure = MEASURES[strategy]
    values = [measure(p) for p in head_distributions(prediction)]
    return round(sum(values) / len(values), 6) if values else 0.0


def shingles(text: str, n: int = 3) -> frozenset[str]:
    """Character n-grams of the normalised text, with spaces collapsed: what near-duplicates share."""
    folded = " ".join(normalize(text).split())
    if len(folded) <= n:
        return frozenset((folded,)) if folded else frozenset()
    return frozenset(folded[i : i + n] for i in range(len(folded) - n + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def diverse_order(texts: Sequence[str], limit: int, threshold: float = SIMILAR) -> list[int]:
    """Indices of up to `limit` texts, taken in the given (ranked) order, skipping any text whose
    similarity to one already taken exceeds `threshold`; skipped texts fill the end only if too few
    distinct ones exist, so the result is as long as it can be."""
    taken: list[int] = []
    kept: list[frozenset[str]] = []
    skipped: list[int] = []
    for i, text in enumerate(texts):
        if len(taken) >= limit:
            break
        grams = shingles(text)
        if any(jaccard(grams, other) > threshold for other in kept):
            skipped.append(i)
            continue
        taken.append(i)
        kept.append(grams)
    return taken + skipped[: max(0, limit - len(taken))]
