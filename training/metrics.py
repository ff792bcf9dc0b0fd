"""Pure evaluation metrics. A metric whose gold labels are absent is None, never 0."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float | None:
    if not gold:
        return None
    return float(np.mean([g == p for g, p in zip(gold, pred, strict=True)]))


def per_class_prf(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, dict]:
    out = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(g != label and p == label for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, pred, strict=True))
        out[label] = _prf(tp, fp, fn)
    return out


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float | None:
    """Mean F1 over the classes present in the gold labels (classes only predicted still cost precision)."""
    if not gold:
        return None
    labels = sorted(set(gold))
    return float(np.mean([v["f1"] for v in per_class_prf(gold, pred, labels).values()]))


def binary_f1(gold: Sequence[bool], pred: Sequence[bool]) -> float | None:
    if not gold:
        return None
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum((not g) and p for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    return _prf(tp, fp, fn)["f1"]


def multilabel_scores(
    gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], labels: Sequence[str]
) -> dict[str, object]:
    """Micro and macro F1 over `labels` plus per-label precision/recall/F1/support."""
    if not gold:
        return {"micro_f1": None, "macro_f1": None, "per_driver": {}}
    per: dict[str, dict] = {}
    total_tp = total_fp = total_fn = 0
    for label in labels:
        tp = sum(label in g and label in p for g, p in zip(gold, pred, strict=True))
        fp = sum(label not in g and label in p for g, p in zip(gold, pred, strict=True))
        fn = sum(label in g and label not in p for g, p in zip(gold, pred, strict=True))
        total_tp, total_fp, total_fn = total_tp + tp, total_fp + fp, total_fn + fn
        per[label] = _prf(tp, fp, fn)
    supported = [v["f1"] for v in per.values() if v["support"] > 0]
    return {
        "micro_f1": _prf(total_tp, total_fp, total_fn)["f1"],
        "macro_f1": float(np.mean(supported)) if supported else None,
        "per_driver": per,
    }


def confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, dict[str, int]]:
    """{gold label: {predicted label: count}} over `labels` (a predicted label outside them is kept)."""
    matrix: dict[str, dict[str, int]] = {g: dict.fromkeys(labels, 0) for g in labels}
    for g, p in zip(gold, pred, strict=True):
        row = matrix.setdefault(g, dict.fromkeys(labels, 0))
        row[p] = row.get(p, 0) + 1
    return matrix


def brier(onehot: np.ndarray, proba: np.ndarray) -> float | None:
    """Multi-class Brier score: mean over texts of the squared distance between truth and probabilities."""
    if onehot.size == 0:
        return None
    return float(np.mean(np.sum((proba - onehot) ** 2, axis=1)))


def expected_calibration_error(correct: np.ndarray, confidence: np.ndarray, bins: int = 10) -> float | None:
    """ECE of the top-label confidence with equal-width bins."""
    if correct.size == 0:
        return None
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(ece)


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
