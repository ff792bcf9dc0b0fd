"""The quality gate: is a candidate model worse than the active one, beyond noise, on rows neither trained on?

Why a fixed, id-hashed evaluation set: comparing on rows the active model was trained on favours it, and
re-drawing the held-out rows per training would let yesterday's evaluation rows into today's training.
A user's labelled row is an evaluation row when the hash of its id (its text when it has none) falls
below the share; every training drops those rows and every row whose text equals one of theirs. The
gate scores both models on exactly those rows, head by head, as paired per-row differences (candidate
minus active) with a t interval, and blocks promotion when any head is worse beyond the interval.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from cxtext.model import FeedbackModel
from cxtext.schema import POLARITY_LABELS, Record
from models.artifact import LoadedModel

RULE = "sha256 of the id (of the text without one); rows sharing an evaluation row's text never train"
STARTER_SOURCE = "starter_corpus"
MIN_ROWS = 50
CONFIDENCE = 0.95


def _folded(text: str) -> str:
    return " ".join(text.lower().split())


def evaluation_key(record: Record) -> float:
    """The record's stable position in [0, 1): an evaluation row iff it is below the share."""
    name = f"id\0{record.id}" if record.id else f"text\0{_folded(record.text)}"
    digest = hashlib.sha256(("cxtext-eval-v1\0" + name).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split(records: Sequence[Record], share: float) -> tuple[list[Record], list[Record]]:
    """(training rows, evaluation rows) of the user's records under `share`."""
    if share <= 0:
        return list(records), []
    evaluation = [r for r in records if evaluation_key(r) < share]
    texts = {_folded(r.text) for r in evaluation}
    training = [r for r in records if evaluation_key(r) >= share and _folded(r.text) not in texts]
    return training, evaluation


def unseen_by(card: dict) -> float | None:
    """The share of user rows (lowest keys first) a model with this card never trained on: all of them
    for a model of the starter corpus alone (the default), its evaluation share under `RULE`, else
    unknown (None: a model trained before this rule existed)."""
    sources = set(((card.get("counts") or {}).get("train") or {}).get("source") or {})
    if sources and sources <= {STARTER_SOURCE}:
        return 1.0
    holdout = card.get("holdout") or {}
    if holdout.get("rule") == RULE:
        return float(holdout.get("fraction") or 0.0)
    return None


def _units(model: FeedbackModel, records: Sequence[Record]) -> dict[str, np.ndarray]:
    """Per head, one 1/0 (or fraction) correctness score per gold unit, in a fixed order of units."""
    texts, langs = [r.text for r in records], [r.lang for r in records]
    proba = model.predict_proba(texts, langs)
    shown = model.classify(texts, langs, explain=False)
    units: dict[str, list[float]] = {}

    def polarity(driver: str, i: int) -> str | None:
        column = proba.get(f"driver_sentiment:{driver}")
        if column is None:
            return None
        return model.classes("driver_sentiment")[int(np.argmax(column[i]))]

    for i, record in enumerate(records):
        if record.sentiment:
            if (
                record.two_way
                and "sentiment" in proba
                and set(POLARITY_LABELS) <= set(model.classes("sentiment"))
            ):
                negative, positive = (model.classes("sentiment").index(x) for x in POLARITY_LABELS)
                guess = (
                    "positive"
                    if proba["sentiment"][i][positive] >= proba["sentiment"][i][negative]
                    else "negative"
                )
            else:
                guess = shown[i]["sentiment"]["label"] if shown[i]["sentiment"] else None
            units.setdefault("sentiment", []).append(float(guess == record.sentiment))
        if record.nps_category:
            nps = shown[i]["nps"]
            units.setdefault("nps_category", []).append(
                float(bool(nps) and nps["category"] == record.nps_category)
            )
        if record.drivers is not None:
            found = {d["name"] for d in shown[i]["drivers"]}
            names = model.taxonomy_.names
            agree = sum((name in found) == (name in record.drivers) for name in names)
            units.setdefault("drivers", []).append(agree / len(names))
        for driver, label in (record.driver_sentiment or {}).items():
            units.setdefault("driver_sentiment", []).append(float(polarity(driver, i) == label))
        if record.churn is not None:
            units.setdefault("churn", []).append(
                float((shown[i]["churn"]["probability"] >= 0.5) == record.churn)
            )
    return {head: np.array(values) for head, values in units.items()}


def paired_difference(candidate: np.ndarray, active: np.ndarray, confidence: float = CONFIDENCE) -> dict:
    """Mean of candidate − active over paired units, with a t interval over the differences plus one
    pseudo-pair each way (+1 and −1), the adjustment of Bonett and Price's interval for paired proportions.

    Why adjusted: a handful of rows that all moved the same way have zero sample variance, and a plain t
    interval then shrinks to a point and calls two rows a certain loss; with hundreds of rows the two
    pseudo-pairs change the interval by well under a point.
    """
    d = candidate - active
    n = len(d)
    mean = float(d.mean())
    adjusted = np.r_[d, 1.0, -1.0]
    centre = float(adjusted.mean())
    half = float(stats.t.ppf((1 + confidence) / 2, n + 1) * adjusted.std(ddof=1) / math.sqrt(n + 2))
    low, high = max(-1.0, centre - half), min(1.0, centre + half)  # a difference of shares is in [-1, 1]
    verdict = "worse" if high < 0 else "better" if low > 0 else "same"
    return {
        "n": n,
        "candidate": round(float(candidate.mean()), 4),
        "active": round(float(active.mean()), 4),
        "difference": round(mean, 4),
        "interval": [round(low, 4), round(high, 4)],
        "verdict": verdict,
    }


def gate(
    candidate: FeedbackModel,
    active: FeedbackModel | None,
    evaluation: Sequence[Record],
    *,
    active_version: str | None = None,
    confidence: float = CONFIDENCE,
) -> dict:
    """The gate's report: per head the paired difference and interval, and the verdict — `pass`,
    `blocked` (some head worse beyond noise), or `no-data` (no evaluation row both models can answer)."""
    report: dict = {
        "active_version": active_version,
        "rule": RULE,
        "confidence": confidence,
        "evaluation_rows": len(evaluation),
        "heads": {},
        "warnings": [],
    }
    if len(evaluation) < MIN_ROWS:
        report["warnings"].append(
            f"only {len(evaluation)} evaluation rows (fewer than {MIN_ROWS}): the interval is wide and the "
            "gate can miss a real loss; label more rows"
        )
    if active is None or not evaluation:
        report["verdict"] = "no-data"
        return report
    ours, theirs = _units(candidate, evaluation), _units(active, evaluation)
    for head in sorted(set(ours) & set(theirs)):
        if head in candidate.untrained_heads or head in active.untrained_heads:
            continue
        report["heads"][head] = paired_difference(ours[head], theirs[head], confidence)
    worse = [head for head, result in report["heads"].items() if result["verdict"] == "worse"]
    report["worse"] = worse
    report["verdict"] = "blocked" if worse else "pass" if report["heads"] else "no-data"
    return report


def gate_against(
    candidate: FeedbackModel, active: LoadedModel, evaluation: Sequence[Record], share: float
) -> dict:
    """The gate on the evaluation rows the active model never trained on either."""
    unseen = unseen_by(active.card)
    limit = share if unseen is None else min(share, unseen)
    rows = [r for r in evaluation if evaluation_key(r) < limit]
    report = gate(candidate, active.model, rows, active_version=active.version)
    if unseen is None:
        report["warnings"].append(
            f"the card of {active.version} does not say which of your rows it trained on (it predates the "
            "id-hashed evaluation set): it may have seen evaluation rows, which favours it"
        )
    return report
