"""Train a `FeedbackModel` from labelled files and write a versioned artifact with its model card."""

from __future__ import annotations

import os
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy
import scipy
import sklearn

import cxtext
from cxtext.io.records import load_records
from cxtext.model import FeedbackModel
from cxtext.schema import Record
from cxtext.taxonomy import Taxonomy
from models.artifact import LoadedModel, load_artifact, save_artifact, sha256_file
from training import gate
from training.base import base_records, combine
from training.evaluate import evaluate
from training.minimum import check_enough_labels
from training.sources import (
    Declared,
    file_declarations,
    semantics_from_flag,
    undeclared_empty_drivers,
    with_label_coverage,
)

Progress = Callable[[str], None]

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"


def corpus_files() -> list[Path]:
    """The starter corpus shipped with cxtext (written by the project, no third-party text)."""
    return sorted(CORPUS_DIR.glob("*/*.csv"))


def label_counts(records: Sequence[Record]) -> dict[str, dict[str, int]]:
    return {
        "lang": dict(Counter(r.lang or "unknown" for r in records)),
        "source": dict(Counter(r.source or "(none)" for r in records)),
        "sentiment": dict(Counter(r.sentiment for r in records if r.sentiment)),
        "drivers": dict(Counter(d for r in records for d in r.drivers or ())),
        "drivers_labelled": {"texts": sum(r.drivers is not None for r in records)},
        "driver_sentiment": dict(Counter(p for r in records for p in (r.driver_sentiment or {}).values())),
        "nps_category": dict(Counter(r.nps_category for r in records if r.nps_category)),
        "churn": dict(Counter(str(int(r.churn)) for r in records if r.churn is not None)),
    }


def library_versions() -> dict[str, str]:
    import hazm

    from cxtext.text.english_rules import english_rules

    return {
        "cxtext": cxtext.__version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "hazm": getattr(hazm, "__version__", "0.10.0"),
        "spacy": english_rules().spacy,  # the English tokenizer's rules come from it (cxtext.text.affixes)
    }


def _strip_errors(report: dict) -> dict:
    """Model cards keep the numbers, not example texts."""
    if isinstance(report, dict):
        return {k: _strip_errors(v) for k, v in report.items() if k != "errors"}
    return report


def train_records(
    records: Sequence[Record],
    out_dir: str | os.PathLike[str],
    *,
    data_files: Iterable[str | os.PathLike[str]] = (),
    taxonomy: Taxonomy | None = None,
    holdout_fraction: float = 0.1,
    progress: Progress | None = None,
    model_params: dict | None = None,
    declared: Declared = None,
    bars: bool = False,
    base: str | None = None,
    active: LoadedModel | None = None,
) -> LoadedModel:
    """Fit on all but the evaluation rows, evaluate on them, write the artifact and its card.

    The evaluation rows are the stable, id-hashed share `holdout_fraction` of `records` (`training.gate`).
    `base` ("default") adds the starter corpus, the user's rows weighted up (`training.base`). With an
    `active` model, the card carries the gate's comparison of the two on rows neither trained on.
    `declared` says what the files' empty cells mean (see `training.sources`); undeclared sources are
    read cautiously, and the count of empty drivers cells read as "not annotated" is reported.
    """
    say = progress or (lambda _msg: None)
    undeclared = undeclared_empty_drivers(records, declared)
    if undeclared:
        say(
            f"{undeclared} empty drivers cells come from sources that do not say what empty means: read as "
            "'not annotated' (declare --empty-drivers none-mentioned, or FILE.labels.json, if they mean none)"
        )
    records = with_label_coverage(records, declared)
    if base is None:  # on top of a base, the base's corpus labels every head
        check_enough_labels(records)
    training, held_out = gate.split(records, holdout_fraction)
    fit_rows, weights, base_card = training, None, None
    if base is not None:
        combined = combine(base, with_label_coverage(base_records(base)), training)
        fit_rows, weights, base_card = combined.records, combined.weights, combined.card
        say(
            f"training on the {base} base ({base_card['rows']} rows) plus {len(training)} of your rows, "
            f"each of yours weighing {base_card['weights']['user']:g}"
        )
    started = time.perf_counter()
    model = FeedbackModel(taxonomy=taxonomy, **(model_params or {})).fit(
        fit_rows, progress=say, bars=bars, sample_weight=weights
    )
    seconds = time.perf_counter() - started
    say(f"evaluating on {len(held_out)} held-out texts")
    report = _strip_errors(evaluate(model, held_out)) if held_out else None
    card = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": [{"file": Path(p).name, "sha256": sha256_file(Path(p))} for p in data_files],
        "counts": {"train": label_counts(fit_rows), "held_out": len(held_out)},
        "holdout": {"fraction": holdout_fraction, "rule": gate.RULE},
        "base": base_card,
        "heads": {
            "trained": sorted(model.heads_),
            "untrained": model.untrained_heads,
            "churn_method": "learned" if "churn" in model.heads_ else "rules",
        },
        "labels": {head: model.classes(head) for head in sorted(model.heads_)},
        "taxonomy": model.taxonomy_.to_dict(),
        "params": {k: v for k, v in vars(model).items() if not k.endswith("_") and k != "taxonomy"},
        "metrics": report,
        "training_seconds": round(seconds, 1),
        "libraries": library_versions(),
    }
    if active is not None:
        say(f"comparing with the active model {active.version} on the evaluation rows")
        card["gate"] = gate.gate_against(model, active, held_out, holdout_fraction)
    say(f"writing {out_dir}")
    save_artifact(model, card, out_dir)
    return load_artifact(out_dir)


def train_files(
    paths: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    taxonomy: Taxonomy | None = None,
    strict: bool = True,
    holdout_fraction: float = 0.1,
    progress: Progress | None = None,
    empty_drivers: str | None = None,
    bars: bool = False,
    model_params: dict | None = None,
    base: str | None = None,
) -> LoadedModel:
    """Load labelled files (strict by default: a bad row stops training before anything is written).

    `empty_drivers` (the command line's declaration) applies to every file; otherwise each file's sidecar
    `FILE.labels.json`, if any, says what its empty cells mean.
    """
    result = load_records(paths, strict=strict, taxonomy=taxonomy)
    if progress:
        progress(f"loaded {len(result.records)} records, skipped {len(result.errors)} bad rows")
    return train_records(
        result.records,
        out_dir,
        data_files=paths,
        taxonomy=taxonomy,
        holdout_fraction=holdout_fraction,
        progress=progress,
        declared=file_declarations(paths, result.counts, semantics_from_flag(empty_drivers)),
        bars=bars,
        model_params=model_params,
        base=base,
    )
