"""What empty and two-way label cells mean: known sources, a file's own declaration, and training on them."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from cli import main
from cxtext.features import TokenFeaturizer
from cxtext.heads import NOISY_POLE, ClassifierHead
from cxtext.io.records import load_records
from cxtext.model import FeedbackModel, TrainingDataError
from cxtext.polarity_softmax import PolaritySoftmax
from cxtext.schema import Record
from cxtext.tokens import tokenize
from tests.conftest import shared_file
from training.evaluate import evaluate
from training.sources import SOURCES, SemanticsError, sidecar_semantics, with_label_coverage
from training.train import corpus_files

HEADER = ["id", "text", "sentiment", "drivers", "driver_sentiment"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def test_an_undeclared_source_never_reads_empty_drivers_as_none_mentioned() -> None:
    records = [Record("the app keeps crashing", drivers=(), source="my_survey"), Record("fine", drivers=())]
    assert [r.drivers for r in with_label_coverage(records)] == [None, None]
    declared = with_label_coverage(records, SOURCES["semeval14_restaurants"])
    assert [r.drivers for r in declared] == [(), ()]


@pytest.mark.parametrize("name", ["snappfood", "digikala_recommend"])
def test_binary_shared_sources_teach_polarity_only_and_no_drivers(name: str) -> None:
    records = with_label_coverage(load_records([shared_file(f"fa/{name}_dev.csv")]).records)
    assert records and all(r.two_way and r.drivers is None for r in records)
    assert {r.sentiment for r in records} <= {"positive", "negative"}


def test_every_persian_review_set_without_driver_annotation_leaves_drivers_unlabelled() -> None:
    for name in ("snappfood", "digikala_comments", "digikala_recommend", "deepsentipers"):
        records = with_label_coverage(load_records([shared_file(f"fa/{name}_dev.csv")]).records[:200])
        assert all(r.drivers is None for r in records), name


def test_a_sidecar_declares_what_a_file_means(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "mine.csv", [["1", "ok", "neutral", "", ""]])
    assert sidecar_semantics(data) is None
    Path(f"{data}.labels.json").write_text(json.dumps({"empty_drivers": "none-mentioned"}), encoding="utf-8")
    assert sidecar_semantics(data).drivers == "complete"
    Path(f"{data}.labels.json").write_text(json.dumps({"empty_drivers": "maybe"}), encoding="utf-8")
    with pytest.raises(SemanticsError, match="empty_drivers must be one of"):
        sidecar_semantics(data)


def _one_driver_file(tmp_path: Path) -> Path:
    rows = []
    for k in range(20):  # 10 labelled per head: the minimum training accepts
        if k % 2:
            rows.append(
                [
                    f"p{k}",
                    f"the price went up again, bill number {k} is too high",
                    "negative",
                    "price",
                    "price:negative",
                ]
            )
        else:
            rows.append([f"n{k}", f"lovely evening number {k}, thank you", "positive", "", ""])
    return write_csv(tmp_path / "one_driver.csv", rows)


def test_training_fails_loudly_when_a_head_would_learn_one_class(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _one_driver_file(tmp_path)
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "m"), "--holdout", "0"]) == 2
    error = capsys.readouterr().err
    assert "every one of the 10 texts with labelled drivers mentions price" in error
    assert "--empty-drivers none-mentioned" in error and not (tmp_path / "m").exists()
    out = tmp_path / "declared"
    assert (
        main(
            [
                "train",
                "--data",
                str(data),
                "--out",
                str(out),
                "--holdout",
                "0",
                "--empty-drivers",
                "none-mentioned",
            ]
        )
        == 0
    )
    card = json.loads((out / "card.json").read_text(encoding="utf-8"))
    assert card["counts"]["train"]["drivers_labelled"]["texts"] == 20


def test_a_single_sentiment_class_is_refused_with_its_name() -> None:
    with pytest.raises(TrainingDataError, match="all 3 labelled texts are 'positive'"):
        FeedbackModel().fit([Record(t, sentiment="positive") for t in ("good", "great", "nice")])


def test_two_way_labels_move_only_the_two_poles() -> None:
    """A feature seen only in two-way rows gets weight for positive against negative and none for neutral
    or mixed: the binary label says which pole, never that the text is not neutral."""
    X = sp.csr_matrix(
        np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1], [0, 0, 1]], float)
    )
    y = ["positive", "negative", "neutral", "mixed", "positive", "positive", "negative"]
    two_way = [False, False, False, False, True, True, True]
    model = PolaritySoftmax(C=10.0).fit(X, y, two_way)
    classes = list(model.classes_)
    w = model.coef_[:, 2]
    assert model.converged_
    assert abs(w[classes.index("neutral")]) < 1e-6 and abs(w[classes.index("mixed")]) < 1e-6
    assert w[classes.index("positive")] > 0 > w[classes.index("negative")]


@pytest.mark.parametrize("seed", [0, 1])
def test_contradicted_two_way_rows_weigh_less(seed: int) -> None:
    """SnappFood comments, one in ten with its label flipped, beside Persian corpus rows with full labels:
    models fitted without them contradict the flipped ones, so the head down-weighs them and believes their
    labels less than a head that takes every row at its word, while it keeps the others."""
    snappfood = with_label_coverage(load_records([shared_file("fa/snappfood_train.csv")]).records)
    rng = np.random.default_rng(seed)
    snappfood = [snappfood[i] for i in rng.choice(len(snappfood), 1500, replace=False)]
    corpus = [r for r in load_records(corpus_files()).records if r.lang == "fa" and r.sentiment]
    flip = {"positive": "negative", "negative": "positive"}
    flipped = np.arange(len(snappfood)) % 10 == 0
    records = [
        replace(r, sentiment=flip[r.sentiment]) if bad else r
        for r, bad in zip(snappfood, flipped, strict=True)
    ] + corpus
    assert all(r.two_way for r in records[: len(snappfood)]) and not any(r.two_way for r in corpus)
    X = TokenFeaturizer().fit_transform([tokenize(r.text, "fa") for r in records])
    labels = np.array([r.sentiment for r in records])
    two_way = np.array([r.two_way for r in records])

    def belief(noisy_poles: bool) -> tuple[float, float]:
        """Mean P(own label | positive or negative) the fitted head gives the flipped and the kept rows."""
        head = ClassifierHead(1.0, noisy_poles=noisy_poles).fit(X, labels, two_way)
        p = head.predict_proba(X[: len(snappfood)])
        negative, positive = (head.classes_.index(pole) for pole in ("negative", "positive"))
        mine = np.where(labels[: len(snappfood)] == "positive", p[:, positive], p[:, negative])
        own = mine / (p[:, positive] + p[:, negative])
        return float(own[flipped].mean()), float(own[~flipped].mean())

    noisy = ClassifierHead(1.0)._own_pole(X, labels)[: len(snappfood)] < NOISY_POLE
    assert noisy.sum() >= 10 and flipped[noisy].mean() > 0.5  # mostly flipped rows (one in ten is)
    (flipped_plain, kept_plain), (flipped_clean, kept_clean) = belief(False), belief(True)
    assert flipped_clean < flipped_plain - 0.03
    assert kept_clean > kept_plain - 0.01


def test_polarity_accuracy_is_reported_beside_accuracy(small_model) -> None:
    records = load_records([shared_file("fa/snappfood_dev.csv")]).records[:300]
    section = evaluate(small_model, records)["by_dataset"]["snappfood"]["sentiment"]
    assert section["polarity_n"] == 300
    assert 0.5 < section["polarity_accuracy"] <= 1.0
    assert section["polarity_accuracy"] >= section["accuracy"]  # choosing between two poles is never harder


def test_a_model_trains_on_a_two_way_source_alone() -> None:
    """Every label two-way: a plain binary head, calibrated on all its rows."""
    records = with_label_coverage(load_records([shared_file("fa/digikala_recommend_dev.csv")]).records)
    model = FeedbackModel(char_ngram_range=(3, 4)).fit(records)
    assert model.classes("sentiment") == ["negative", "positive"]
    assert model.classes("nps_category") == ["detractor", "promoter"]


def test_an_absent_feature_weighs_nothing_and_the_column_order_changes_nothing() -> None:
    """The solver skips features no training row has and reorders the others by frequency: the weights
    come back in feature order, the same as for the same data with its columns shuffled."""
    rng = np.random.default_rng(0)
    dense = rng.random((80, 9)) * (rng.random((80, 9)) < 0.4)
    dense[:, 4] = 0.0  # a feature of the vocabulary that none of these texts has
    y = rng.choice(["positive", "negative", "neutral", "mixed"], size=80)
    two_way = (np.arange(80) % 3 == 0) & np.isin(y, ["positive", "negative"])
    model = PolaritySoftmax(C=5.0, tol=1e-12).fit(sp.csr_matrix(dense), y, two_way)
    assert model.converged_ and model.coef_.shape == (4, 9)
    assert np.all(model.coef_[:, 4] == 0.0)
    assert np.abs(model.coef_).min(axis=0)[[0, 1, 2, 3, 5, 6, 7, 8]].max() > 0
    perm = rng.permutation(9)
    shuffled = PolaritySoftmax(C=5.0, tol=1e-12).fit(sp.csr_matrix(dense[:, perm]), y, two_way)
    # float32 products: the two solver runs agree to about 1e-4, a wrong column order by the weights themselves
    np.testing.assert_allclose(shuffled.coef_, model.coef_[:, perm], atol=1e-3)
    np.testing.assert_allclose(shuffled.intercept_, model.intercept_, atol=1e-3)


def test_pole_check_takes_rows_at_their_word_when_a_pole_is_too_rare() -> None:
    """Two-way positives beside full labels with one negative: a fold holding it out would train on a single
    pole, so the check is skipped, no row is down-weighted, and fitting does not fail."""
    texts = ["great food", "lovely staff", "fast delivery", "nice price", "ok I guess", "it arrived"] * 4
    labels = ["positive"] * 16 + ["neutral"] * 7 + ["negative"]
    two_way = np.array([True] * 16 + [False] * 8)
    X = TokenFeaturizer(min_df=1).fit_transform([tokenize(t, "en") for t in texts]).astype(np.float32)
    head = ClassifierHead(1.0, noisy_poles=True).fit(X, labels, two_way)
    assert head.n_noisy_ == 0 and set(head.classes_) == {"positive", "neutral", "negative"}
