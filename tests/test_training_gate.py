"""Training on top of the default (weighted user rows) and the quality gate on rows no model trained on."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from cxtext.io.records import load_records, write_records
from cxtext.model import FeedbackModel
from cxtext.polarity_softmax import PolaritySoftmax
from cxtext.schema import Record
from tests.conftest import FAST_MODEL, shared_file
from training import gate
from training.base import BASE_CORPUS_ENV, BaseError, base_records, combine, user_weight
from training.sources import with_label_coverage
from training.train import corpus_files, train_records


@pytest.fixture(scope="module")
def user_rows() -> list[Record]:
    """Real restaurant reviews: the user's domain."""
    return load_records([shared_file("en/semeval14_restaurants_train.csv")]).records[::8]


@pytest.fixture(scope="module")
def base_slice() -> list[Record]:
    """A slice of the starter corpus standing for the default base (the whole corpus takes a minute)."""
    return load_records(corpus_files()).records[::10]


@pytest.fixture
def small_base(base_slice: list[Record], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Record]:
    folder = tmp_path / "base"
    folder.mkdir()
    write_records(folder / "corpus.csv", base_slice)
    monkeypatch.setenv(BASE_CORPUS_ENV, str(folder))
    return base_slice


def test_integer_weights_equal_repeated_rows() -> None:
    rng = np.random.default_rng(0)
    X = sp.csr_matrix(rng.random((60, 12)) * (rng.random((60, 12)) < 0.4))
    y = np.array(["negative", "neutral", "positive"] * 20)
    two_way = np.arange(60) % 4 == 0
    y[two_way & (y == "neutral")] = "positive"
    weight = np.where(np.arange(60) < 10, 3.0, 1.0)
    weighted = PolaritySoftmax(2.0).fit(X, y, two_way, sample_weight=weight)
    repeat = np.concatenate([np.arange(60), np.repeat(np.arange(10), 2)])
    repeated = PolaritySoftmax(2.0).fit(X[repeat], y[repeat], two_way[repeat])
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-4)


def test_bad_weights_are_refused(user_rows: list[Record]) -> None:
    with pytest.raises(ValueError, match="sample_weight"):
        FeedbackModel().fit(user_rows[:20], sample_weight=[1.0] * 19)
    with pytest.raises(ValueError, match="sample_weight"):
        FeedbackModel().fit(user_rows[:20], sample_weight=[0.0] * 20)


def test_user_weight_and_combination(user_rows: list[Record], base_slice: list[Record]) -> None:
    assert (
        user_weight(10_000, 50) == 10.0 and user_weight(10_000, 4_000) == 2.5 and user_weight(100, 400) == 1.0
    )
    combined = combine("default", base_slice, user_rows)
    assert len(combined.records) == len(base_slice) + len(user_rows)
    assert combined.weights[: len(base_slice)] == [1.0] * len(base_slice)
    assert set(combined.weights[len(base_slice) :]) == {user_weight(len(base_slice), len(user_rows))}
    assert combined.card["weights"]["user"] == user_weight(len(base_slice), len(user_rows))
    with pytest.raises(BaseError, match="ids"):
        combine("default", base_slice, base_slice[:3])
    with pytest.raises(BaseError, match="unknown base"):
        base_records("mine")


def test_evaluation_rows_are_stable_by_id_and_never_train(user_rows: list[Record]) -> None:
    training, evaluation = gate.split(user_rows, 0.2)
    assert 0.1 < len(evaluation) / len(user_rows) < 0.3
    _, again_evaluation = gate.split(list(reversed(user_rows)), 0.2)
    assert {r.id for r in again_evaluation} == {r.id for r in evaluation}
    # the id decides, not the text: an edited text stays where it was
    edited = [dataclasses.replace(r, text=r.text + " (edited)") for r in user_rows]
    assert {r.id for r in gate.split(edited, 0.2)[1]} == {r.id for r in evaluation}
    # a copy of an evaluation text under another id is not trained on either
    copies = (dataclasses.replace(evaluation[0], id=f"copy-{i}") for i in range(100))
    copy = next(c for c in copies if gate.evaluation_key(c) >= 0.2)  # its id alone would make it train
    assert copy.id not in {r.id for r in gate.split([*user_rows, copy], 0.2)[0]}
    assert not {r.id for r in training} & {r.id for r in evaluation}
    # a larger share only adds rows: what was held out stays held out
    assert {r.id for r in evaluation} <= {r.id for r in gate.split(user_rows, 0.3)[1]}


def test_paired_difference_reads_noise_as_noise() -> None:
    same = gate.paired_difference(np.ones(40), np.ones(40))
    assert same["verdict"] == "same" and same["interval"][0] < 0 < same["interval"][1]
    # two rows that both got worse: zero sample variance, yet no evidence of a loss
    few = gate.paired_difference(np.zeros(2), np.ones(2))
    assert few["difference"] == -1.0 and few["verdict"] == "same"
    one = gate.paired_difference(np.zeros(1), np.ones(1))
    assert one["verdict"] == "same" and one["n"] == 1
    worse = gate.paired_difference(np.r_[np.zeros(30), np.ones(30)], np.ones(60))
    assert worse["verdict"] == "worse" and worse["interval"][1] < 0 and worse["difference"] == -0.5
    noisy = gate.paired_difference(
        np.r_[np.zeros(2), np.ones(38)], np.r_[np.ones(2), np.zeros(1), np.ones(37)]
    )
    assert noisy["verdict"] == "same" and noisy["interval"][0] < 0 < noisy["interval"][1]


def test_base_training_lets_the_users_labels_win(small_base, user_rows, tmp_path: Path) -> None:
    """Where the user's rows contradict the base on the very same texts, the model follows the user."""
    polar = [r for r in small_base if r.sentiment in ("positive", "negative") and r.lang == "en"][:40]
    flip = {"positive": "negative", "negative": "positive"}
    contradicting = [
        Record(text=r.text, id=f"user-{i}", lang="en", sentiment=flip[r.sentiment], source="mine")
        for i, r in enumerate(polar)
    ]
    loaded = train_records(
        [*user_rows, *contradicting],
        tmp_path / "based",
        holdout_fraction=0.0,
        model_params=FAST_MODEL,
        base="default",
    )
    card = loaded.card
    assert card["base"]["name"] == "default" and card["base"]["rows"] == len(small_base)
    assert card["base"]["weights"] == {"base": 1.0, "user": user_weight(len(small_base), len(user_rows) + 40)}
    assert card["counts"]["train"]["source"]["starter_corpus"] == len(small_base)

    def follows_user(model: FeedbackModel) -> float:
        predicted = [p["sentiment"] for p in model.predict([r.text for r in polar])]
        return float(np.mean([p == flip[r.sentiment] for p, r in zip(predicted, polar, strict=True)]))

    unweighted = FeedbackModel(**FAST_MODEL).fit(
        with_label_coverage([*small_base, *user_rows, *contradicting])
    )
    assert (
        follows_user(loaded.model) >= 0.6 and follows_user(loaded.model) >= follows_user(unweighted) + 0.2
    ), (
        follows_user(loaded.model),
        follows_user(unweighted),
    )
    alone = train_records(user_rows, tmp_path / "alone", holdout_fraction=0.0, model_params=FAST_MODEL)
    assert alone.card["base"] is None and "starter_corpus" not in alone.card["counts"]["train"]["source"]


def test_the_gate_passes_a_fair_candidate_and_blocks_a_broken_one(
    small_base, user_rows, tmp_path: Path
) -> None:
    active = train_records(small_base, tmp_path / "active", holdout_fraction=0.1, model_params=FAST_MODEL)
    assert gate.unseen_by(active.card) == 1.0  # the base alone never saw a user row
    good = train_records(
        user_rows,
        tmp_path / "good",
        holdout_fraction=0.3,
        model_params=FAST_MODEL,
        base="default",
        active=active,
    )
    report = good.card["gate"]
    _, evaluation = gate.split(user_rows, 0.3)
    assert report["evaluation_rows"] == len(evaluation) == good.card["counts"]["held_out"]
    assert report["evaluation_rows"] >= 50 and not report["warnings"]
    assert report["active_version"] == active.version
    sentiment = report["heads"]["sentiment"]
    assert sentiment["n"] == sum(r.sentiment is not None for r in evaluation)
    low, high = sentiment["interval"]
    assert low <= sentiment["difference"] <= high
    assert report["verdict"] == "pass", report
    # polarity labels swapped: a model that reads praise as complaint
    flip = {"positive": "negative", "negative": "positive"}
    broken_rows = [dataclasses.replace(r, sentiment=flip.get(r.sentiment, r.sentiment)) for r in user_rows]
    broken = train_records(
        broken_rows, tmp_path / "broken", holdout_fraction=0.3, model_params=FAST_MODEL, active=active
    )
    # the gate scores on the gold of the evaluation rows it was given: score the broken model on true labels
    verdict = gate.gate_against(broken.model, active, evaluation, 0.3)
    assert verdict["verdict"] == "blocked" and "sentiment" in verdict["worse"], verdict["heads"]
    few = gate.gate_against(good.model, active, evaluation[:20], 0.3)
    assert few["evaluation_rows"] == 20 and "fewer than 50" in few["warnings"][0]


def test_cli_trains_on_top_of_the_default(small_base, user_rows, tmp_path: Path, capsys) -> None:
    from cli import main
    from models.artifact import read_card

    data = tmp_path / "mine.csv"
    write_records(data, user_rows)
    out = tmp_path / "cli-model"
    assert (
        main(["train", "--data", str(data), "--base", "default", "--out", str(out), "--holdout", "0.2"]) == 0
    )
    card = read_card(out)
    assert card["base"]["name"] == "default" and card["base"]["rows"] == len(small_base)
    assert card["holdout"] == {"fraction": 0.2, "rule": gate.RULE}
    assert card["counts"]["held_out"] == len(gate.split(user_rows, 0.2)[1])
    assert main(["train", "--default", "--base", "default"]) == 2
    assert "--base adds the starter corpus" in capsys.readouterr().err
