"""Evaluation report of a `FeedbackModel` on labelled records: overall, per dataset, per language."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from cxtext.model import FeedbackModel
from cxtext.schema import POLARITY_LABELS, Record
from training import metrics
from training.sources import Declared, with_label_coverage


def evaluate(
    model: FeedbackModel,
    records: Sequence[Record],
    max_errors: int = 20,
    declared: Declared = None,
    use_sources: bool = True,
) -> dict:
    """The report `cxtext evaluate` writes: `overall`, `by_dataset` (by `source`), `by_language`;
    `declared` says what the files' empty cells mean (see `training.sources`). With `use_sources`, a
    record's `source` is given to the model (a source it was trained on applies its label conventions);
    without, every text is read as one of unknown origin, as a new customer's."""
    records = with_label_coverage(records, declared)
    texts = [r.text for r in records]
    langs = [r.lang for r in records]
    sources = [r.source for r in records] if use_sources else None
    predicted = model.classify(texts, langs, explain=False, sources=sources)
    proba = model.predict_proba(texts, langs, sources=sources)
    outcome = _Outcome(model, records, predicted, proba)
    by_dataset: dict[str, list[int]] = defaultdict(list)
    by_language: dict[str, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        by_dataset[record.source or "(no source)"].append(i)
        by_language[predicted[i]["language"]].append(i)
    everything = list(range(len(records)))
    return {
        "overall": outcome.section(everything, max_errors),
        "by_dataset": {name: outcome.section(rows, max_errors) for name, rows in sorted(by_dataset.items())},
        "by_language": {name: outcome.section(rows, 0) for name, rows in sorted(by_language.items())},
    }


class _Outcome:
    """Gold labels next to predictions, sliced into report sections."""

    def __init__(self, model: FeedbackModel, records, predicted, proba) -> None:
        self.model = model
        self.records = records
        self.predicted = predicted
        self.proba = proba

    def section(self, rows: list[int], max_errors: int) -> dict:
        return {
            "n": len(rows),
            "sentiment": self._labelled(rows, "sentiment", max_errors),
            "drivers": self._drivers(rows),
            "driver_sentiment": self._driver_sentiment(rows),
            "nps_category": self._labelled(rows, "nps_category", 0),
            "churn": self._churn(rows),
        }

    def _labelled(self, rows: list[int], head: str, max_errors: int) -> dict:
        gold_rows = [i for i in rows if getattr(self.records[i], head)]
        key = "nps" if head == "nps_category" else head
        trained = self.predicted and self.predicted[0][key] is not None
        if not gold_rows or not trained:
            empty = {"n": len(gold_rows), "accuracy": None, "macro_f1": None}
            return empty | ({"polarity_n": 0, "polarity_accuracy": None} if head == "sentiment" else {})
        gold = [getattr(self.records[i], head) for i in gold_rows]
        label_key = "category" if head == "nps_category" else "label"
        pred = [self.predicted[i][key][label_key] for i in gold_rows]
        classes = self.model.classes(head)
        labels = sorted(set(gold) | set(classes))
        p = self.proba[head][gold_rows]
        onehot = np.array([[g == c for c in classes] for g in gold], dtype=float)
        correct = np.array([g == q for g, q in zip(gold, pred, strict=True)], dtype=float)
        errors = [
            {"id": self.records[i].id, "text": self.records[i].text[:300], "gold": g, "predicted": q}
            for i, g, q in zip(gold_rows, gold, pred, strict=True)
            if g != q
        ][:max_errors]
        polar = [k for k, g in enumerate(gold) if g in POLARITY_LABELS]
        polarity = None
        if head == "sentiment" and polar and set(POLARITY_LABELS) <= set(classes):
            negative, positive = (classes.index(label) for label in POLARITY_LABELS)
            chosen = np.where(p[polar, positive] >= p[polar, negative], "positive", "negative")
            polarity = metrics.accuracy([gold[k] for k in polar], chosen.tolist())
        return {
            "n": len(gold_rows),
            "accuracy": metrics.accuracy(gold, pred),
            "macro_f1": metrics.macro_f1(gold, pred),
            **({"polarity_n": len(polar), "polarity_accuracy": polarity} if head == "sentiment" else {}),
            "per_class": metrics.per_class_prf(gold, pred, sorted(set(gold))),
            "confusion": metrics.confusion(gold, pred, labels),
            "brier": metrics.brier(onehot, p),
            "ece": metrics.expected_calibration_error(correct, p.max(axis=1)),
            "errors": errors,
        }

    def _drivers(self, rows: list[int]) -> dict:
        gold_rows = [i for i in rows if self.records[i].drivers is not None]
        if not gold_rows or "drivers" not in self.proba:
            return {"n": len(gold_rows), "micro_f1": None, "macro_f1": None, "per_driver": {}}
        gold = [set(self.records[i].drivers or ()) for i in gold_rows]
        pred = [{d["name"] for d in self.predicted[i]["drivers"]} for i in gold_rows]
        labels = [d for d in self.model.classes("drivers") if any(d in g for g in gold)]
        return {"n": len(gold_rows), **metrics.multilabel_scores(gold, pred, labels)}

    def _driver_sentiment(self, rows: list[int]) -> dict:
        """Polarity toward each driver the gold data marks, whether or not the driver head found it."""
        gold, pred = [], []
        for i in rows:
            for driver, polarity in (self.records[i].driver_sentiment or {}).items():
                column = self.proba.get(f"driver_sentiment:{driver}")
                if column is None:
                    continue
                gold.append(polarity)
                pred.append(self.model.classes("driver_sentiment")[int(np.argmax(column[i]))])
        accuracy, macro_f1 = metrics.accuracy(gold, pred), metrics.macro_f1(gold, pred)
        return {"n": len(gold), "accuracy": accuracy, "macro_f1": macro_f1}

    def _churn(self, rows: list[int]) -> dict:
        gold_rows = [i for i in rows if self.records[i].churn is not None]
        if not gold_rows:
            return {"n": 0, "accuracy": None, "f1": None, "brier": None}
        gold = [bool(self.records[i].churn) for i in gold_rows]
        p = self.proba["churn"][gold_rows]
        pred = [bool(q >= 0.5) for q in p]
        return {
            "n": len(gold_rows),
            "method": self.predicted[gold_rows[0]]["churn"]["method"],
            "accuracy": metrics.accuracy([str(g) for g in gold], [str(q) for q in pred]),
            "f1": metrics.binary_f1(gold, pred),
            "brier": float(np.mean((p - np.array(gold, dtype=float)) ** 2)),
        }
