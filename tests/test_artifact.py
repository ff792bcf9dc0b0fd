"""Artifact round trip and every way a model folder can be unusable."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import joblib
import pytest

from cli import main
from models.artifact import CARD_FILE, MODEL_FILE, ArtifactError, load_artifact


def reseal(folder: Path) -> None:
    """Make the card's checksum match a replaced model file, as a deliberate forgery would."""
    from models.artifact import sha256_file

    card_path = folder / CARD_FILE
    card = json.loads(card_path.read_text())
    card["model_sha256"] = sha256_file(folder / MODEL_FILE)
    card_path.write_text(json.dumps(card))


@pytest.fixture
def artifact_copy(small_model_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(small_model_dir, target)
    return target


def test_round_trip_gives_the_same_predictions(small_model, small_model_dir: Path) -> None:
    loaded = load_artifact(small_model_dir)
    texts = ["The staff were lovely", "قیمتش خیلی بالاست"]
    assert loaded.model.predict(texts) == small_model.predict(texts)
    card = loaded.card
    assert card["version"] == loaded.version
    assert card["counts"]["train"]["sentiment"]
    assert card["metrics"]["overall"]["n"] == card["counts"]["held_out"] > 0
    assert {"scikit-learn", "numpy", "hazm", "spacy"} <= set(card["libraries"])
    assert "sentiment" in card["heads"]["trained"]


def test_corrupted_model_file_is_refused(artifact_copy: Path) -> None:
    with open(artifact_copy / MODEL_FILE, "r+b") as fh:
        fh.seek(100)
        fh.write(b"garbage")
    with pytest.raises(ArtifactError, match="checksum mismatch"):
        load_artifact(artifact_copy)


def test_missing_pieces_are_named(artifact_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="no such model folder"):
        load_artifact(tmp_path / "nowhere")
    (artifact_copy / MODEL_FILE).unlink()
    with pytest.raises(ArtifactError, match="missing"):
        load_artifact(artifact_copy)
    (artifact_copy / CARD_FILE).unlink()
    with pytest.raises(ArtifactError, match="not a cxtext model"):
        load_artifact(artifact_copy)


def test_incompatible_versions_are_refused(artifact_copy: Path) -> None:
    card_path = artifact_copy / CARD_FILE
    card = json.loads(card_path.read_text())
    card_path.write_text(json.dumps({**card, "sklearn_version": "0.24.2"}))
    with pytest.raises(ArtifactError, match=r"scikit-learn 0\.24\.2"):
        load_artifact(artifact_copy)
    card_path.write_text(json.dumps({**card, "format_version": 99}))
    with pytest.raises(ArtifactError, match="format 99"):
        load_artifact(artifact_copy)
    card_path.write_text("{not json")
    with pytest.raises(ArtifactError, match="unreadable model card"):
        load_artifact(artifact_copy)


def test_a_foreign_pickle_with_a_matching_checksum_is_refused(artifact_copy: Path) -> None:
    joblib.dump({"not": "a model"}, artifact_copy / MODEL_FILE)
    reseal(artifact_copy)
    with pytest.raises(ArtifactError, match="not a FeedbackModel"):
        load_artifact(artifact_copy)


def test_cli_reports_a_bad_artifact_without_a_traceback(artifact_copy: Path, capsys) -> None:
    (artifact_copy / MODEL_FILE).write_bytes(b"truncated")
    assert main(["classify", "--model", str(artifact_copy), "hello"]) == 2
    err = capsys.readouterr().err
    assert "checksum mismatch" in err and "Traceback" not in err


def test_cli_train_evaluate_classify(tmp_path: Path, capsys) -> None:
    from tests.conftest import shared_file

    data = shared_file("en/churn_intent_en_train.csv")
    out = tmp_path / "m"
    assert (
        main(
            [
                "train",
                "--data",
                str(data),
                str(shared_file("en/semeval14_restaurants_test.csv")),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert (out / MODEL_FILE).is_file()
    report_path = tmp_path / "r.json"
    md_path = tmp_path / "r.md"
    test_file = str(shared_file("en/churn_intent_en_test.csv"))
    assert (
        main(
            [
                "evaluate",
                "--model",
                str(out),
                "--data",
                test_file,
                "--json",
                str(report_path),
                "--md",
                str(md_path),
            ]
        )
        == 0
    )
    report = json.loads(report_path.read_text())
    assert report["overall"]["n"] == 27
    assert report["overall"]["churn"]["f1"] is not None
    assert report["overall"]["nps_category"]["macro_f1"] is None
    assert "churn_intent_en" in report["by_dataset"]
    assert "| overall |" in md_path.read_text()
    capsys.readouterr()
    assert (
        main(["classify", "--model", str(out), "I want to cancel my contract and switch to another provider"])
        == 0
    )
    result = json.loads(capsys.readouterr().out)
    assert result["churn"]["band"] == "high"
    assert result["model_version"] == json.loads((out / CARD_FILE).read_text())["version"]


def test_cli_train_stops_at_a_bad_row_and_writes_nothing(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,sentiment\nfine text,positive\nanother,furious\n", encoding="utf-8")
    out = tmp_path / "never"
    assert main(["train", "--data", str(bad), "--out", str(out)]) == 2
    assert f"{bad}:3" in capsys.readouterr().err
    assert not out.exists()


def test_a_model_from_older_code_is_refused_at_load_not_at_first_use(artifact_copy: Path) -> None:
    model = joblib.load(artifact_copy / MODEL_FILE)
    del model.intercepts_  # what a pickle made before the fused scorer looks like
    joblib.dump(model, artifact_copy / MODEL_FILE)
    reseal(artifact_copy)
    with pytest.raises(ArtifactError, match="incompatible model code"):
        load_artifact(artifact_copy)


def test_a_model_saved_by_an_earlier_version_still_loads(artifact_copy: Path) -> None:
    """Earlier versions wrote a compressed joblib file and no ready-built lexicons: it loads, and predicts
    exactly what the same model saved in this version's format predicts."""
    from models.artifact import LEXICONS_FILE

    current = load_artifact(artifact_copy).model
    texts = ["پیک خیلی دیر رسید و غذا سرد بود", "The staff were rude and the fees too high"]
    expected = current.classify(texts)
    joblib.dump(current, artifact_copy / MODEL_FILE, compress=3)
    (artifact_copy / LEXICONS_FILE).unlink()
    reseal(artifact_copy)
    assert (artifact_copy / MODEL_FILE).read_bytes()[:1] != b"\x80"  # really the compressed format
    assert load_artifact(artifact_copy).model.classify(texts) == expected


def test_stale_or_tampered_ready_built_lexicons_are_not_used(artifact_copy: Path) -> None:
    """The lexicons file is a cache: a checksum other than the card's means it is ignored, not trusted."""
    import pickle

    from cxtext import lexicon
    from models.artifact import LEXICONS_FILE

    with open(artifact_copy / LEXICONS_FILE, "rb") as f:
        stored = pickle.load(f)
    stored["lexicons"]["drivers"][1].counts["en", "forged"] = 1
    with open(artifact_copy / LEXICONS_FILE, "wb") as f:
        pickle.dump(stored, f)
    saved = dict(lexicon._LOADED)
    lexicon._LOADED.clear()
    try:
        load_artifact(artifact_copy)
        assert ("en", "forged") not in lexicon.load_lexicon("drivers").counts
    finally:
        lexicon._LOADED.clear()
        lexicon._LOADED.update(saved)


def test_loading_a_model_to_classify_leaves_scikit_learn_unimported(small_model_dir: Path) -> None:
    """The heads' estimators stay frozen until something needs them (a cold `cxtext classify` skips the
    second scikit-learn's import costs); they thaw, equal, when asked for."""
    import subprocess
    import sys

    code = (
        "import sys; from models.artifact import load_artifact; "
        f"m = load_artifact({str(small_model_dir)!r}).model; m.classify(['قیمتش خیلی بالاست']); "
        "print(sorted(name for name in sys.modules if name.split('.')[0] == 'sklearn'))"
    )
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "[]"

    loaded = load_artifact(small_model_dir).model
    head = loaded.heads_["sentiment"]
    assert "estimator_" not in head.__dict__
    weights, intercepts = head.class_scores()  # reads the estimator: thawed on first use
    assert "estimator_" in head.__dict__ and weights.shape[0] == len(head.classes_) == len(intercepts)
