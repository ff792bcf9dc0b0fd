"""The rough edges a new user hits on the command line: files in another encoding, several texts at once,
JSON types, and training on too few labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import main
from tests import test_analysis_predict

PERSIAN_ROWS = [
    ("غذا سرد بود و دیر رسید", "negative"),
    ("کارمند خیلی مودب بود", "positive"),
    ("قیمت‌ها خیلی بالا رفته", "negative"),
]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return test_analysis_predict.train_tiny_model(tmp_path_factory.getbasetemp())


def cp1256(text: str) -> bytes:
    """Persian as Windows-1256 stores it (its yeh is the Arabic one)."""
    return text.replace("ی", "ي").encode("cp1256")


def windows_1256_csv(path: Path) -> Path:
    """What Excel on a Persian Windows writes by default: the header is ASCII, the Persian is cp1256."""
    path.write_bytes(cp1256("text,sentiment\n" + "".join(f"{t},{s}\n" for t, s in PERSIAN_ROWS)))
    return path


def test_a_windows_1256_file_exits_2_asking_to_resave_as_utf8(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = windows_1256_csv(tmp_path / "export.csv")
    jsonl = tmp_path / "export.jsonl"
    jsonl.write_bytes(
        b"".join(cp1256(json.dumps({"text": t}, ensure_ascii=False)) + b"\n" for t, _ in PERSIAN_ROWS)
    )
    for command in (
        ["validate", str(source)],
        ["validate", "--lenient", str(source)],
        ["validate", str(jsonl)],
        ["score", "--model", str(tiny_model_dir), "--in", str(source), "--out", str(tmp_path / "o.csv")],
        ["score", "--model", str(tiny_model_dir), "--in", str(jsonl), "--out", str(tmp_path / "o.jsonl")],
        ["train", "--data", str(source), "--out", str(tmp_path / "model")],
    ):
        assert main(command) == 2, command
        captured = capsys.readouterr()
        said = captured.out + captured.err
        where = (
            f"{jsonl}: not UTF-8 text: line 1"
            if str(jsonl) in command
            else f"{source}: not UTF-8 text: line 2"
        )
        assert where in said and "re-save as UTF-8" in said, (command, said)
    assert not (tmp_path / "o.csv").exists() and not (tmp_path / "model").exists()


def test_a_stray_byte_in_a_utf8_file_is_still_one_bad_row(tmp_path: Path, capsys) -> None:
    path = tmp_path / "mixed.csv"
    path.write_bytes("text,sentiment\nکیفیت عالی بود,positive\n".encode() + b"caf\xe9,positive\n")
    assert main(["validate", "--lenient", str(path)]) == 1
    assert f"{path}:3: invalid UTF-8 in column 'text' (byte 0xe9)" in capsys.readouterr().out


def test_classify_prints_one_object_an_array_or_json_lines(tiny_model_dir: Path, capsys) -> None:
    texts = ["The food was cold", "کارمند خیلی مودب بود", "ok"]
    assert main(["classify", "--model", str(tiny_model_dir), texts[0]]) == 0
    single = json.loads(capsys.readouterr().out)
    assert isinstance(single, dict) and single["text"] == texts[0]
    assert main(["classify", "--model", str(tiny_model_dir), *texts]) == 0
    several = json.loads(capsys.readouterr().out)  # one JSON document, not concatenated objects
    assert [answer["text"] for answer in several] == texts
    assert main(["classify", "--model", str(tiny_model_dir), "--jsonl", *texts]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["text"] for line in lines] == texts


def test_training_on_too_few_labels_exits_2_before_training(tmp_path: Path, capsys) -> None:
    path = tmp_path / "four.csv"
    path.write_text(
        "text,sentiment\n" + "".join(f"text {i},{('positive', 'negative')[i % 2]}\n" for i in range(4)),
        encoding="utf-8",
    )
    out = tmp_path / "model"
    assert main(["train", "--data", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "too few labelled texts to train on: sentiment has 4; each head needs at least 10" in err
    assert "Traceback" not in err and not out.exists()
