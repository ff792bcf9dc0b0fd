"""`cxtext score` and `cxtext drivers` end to end on real files."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cli import main
from cxtext.analysis.frame import PRED_COLUMNS
from cxtext.io.records import load_records
from tests import test_analysis_predict
from tests.conftest import shared_file


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return test_analysis_predict.train_tiny_model(
        tmp_path_factory.getbasetemp()
    )  # the same model, trained once


REQUIRED_DRIVER_KEYS = {
    "mentions",
    "share",
    "nps",
    "nps_without",
    "impact",
    "impact_ci",
    "weight",
    "churn_risk",
}


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def survey(tmp_path: Path) -> Path:
    """Real texts with a channel, a date and some given sentiments; row 4 and row 6 are bad."""
    texts = [r.text for r in load_records([shared_file("en/semeval14_restaurants_test.csv")]).records[:40]]
    rows = [[f"r{i}", text, "app" if i % 2 else "web", f"2024-02-{1 + i % 28:02d}", "positive" if i == 0 else ""]
            for i, text in enumerate(texts)]  # fmt: skip
    rows[2][4] = "furious"  # line 4: unknown sentiment
    rows[4][1] = "   "  # line 6: empty text
    return write_csv(tmp_path / "survey.csv", ["id", "text", "channel", "date", "sentiment"], rows)


def test_score_keeps_every_column_adds_predictions_and_reports_bad_rows(
    survey: Path, tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "scored.csv"
    code = main(
        ["score", "--model", str(tiny_model_dir), "--in", str(survey), "--out", str(out), "--batch-size", "7"]
    )
    err = capsys.readouterr().err
    assert code == 1  # rows were skipped
    assert f"{survey}:4: unknown sentiment 'furious'" in err
    assert f"{survey}:6: text is empty or whitespace only" in err
    assert "38 rows scored, 2 bad rows skipped (sentiment 1, text 1; listed above)" in err
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["id", "text", "channel", "date", "sentiment", *PRED_COLUMNS]
    assert len(rows) == 38 and rows[0]["id"] == "r0" and rows[1]["channel"] == "app"
    assert rows[0]["sentiment"] == "positive"  # the given label is kept, not replaced
    assert all(r["pred_sentiment"] in ("negative", "neutral", "positive", "mixed") for r in rows)
    assert all(0 <= float(r["churn_probability"]) <= 1 for r in rows)
    assert not list(tmp_path.glob(".partial-*"))


@pytest.mark.parametrize(
    ("workers", "suffix"), [("1", "csv"), ("2", "csv"), ("2", "parquet"), ("2", "jsonl")]
)
def test_score_skips_repeated_ids_across_chunks(
    survey: Path,
    tiny_model_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    workers: str,
    suffix: str,
) -> None:
    """Workers render their chunks' rows; the writer drops those whose id an earlier chunk had, so the
    output is that of the file without the repeats, in every format."""
    with open(survey, encoding="utf-8", newline="") as source:
        header, *rows = list(csv.reader(source))
    repeated = [*rows, [rows[0][0], "another text", "app", "2024-02-03", ""], [rows[30][0], *rows[30][1:]]]
    outputs = {}
    for path in (
        write_csv(tmp_path / "repeats.csv", header, repeated),
        write_csv(tmp_path / "without.csv", header, rows),
    ):
        out = tmp_path / f"{path.stem}-scored.{suffix}"
        args = ["score", "--model", str(tiny_model_dir), "--in", str(path), "--out", str(out), "--no-progress",
                "--chunk-rows", "7", "--workers", workers]  # fmt: skip
        assert main(args) == 1  # the survey's two bad rows, and the repeats
        outputs[path.stem] = out.read_bytes() if suffix != "parquet" else pq.read_table(out)
    err = capsys.readouterr().err
    assert f"repeats.csv:42: duplicate id 'r0' (first at {tmp_path / 'repeats.csv'}:2)" in err
    assert "38 rows scored, 4 bad rows skipped (id 2, sentiment 1, text 1; listed above)" in err
    if suffix == "parquet":
        assert outputs["repeats"].equals(outputs["without"]) and outputs["repeats"].num_rows == 38
    else:
        assert outputs["repeats"] == outputs["without"]


def test_score_streams_json_lines_and_refuses_to_rescore_silently(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl.gz"
    with gzip.open(source, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"text": "The food was cold and overpriced", "store": "north"}) + "\n\n")
        f.write(json.dumps({"text": "کارمند خیلی مودب بود", "score": 9}) + "\n")
    out = tmp_path / "out.jsonl"
    assert (
        main(
            ["score", "--model", str(tiny_model_dir), "--in", str(source), "--out", str(out), "--no-progress"]
        )
        == 0
    )
    first, second = (json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())
    # the input's keys in order of first appearance, then the predictions
    assert list(first) == ["text", "store", "score", *PRED_COLUMNS]
    # JSON types survive: a score 9 stays the number 9, an empty cell is null, probabilities are numbers
    assert (first["store"], first["score"], first["pred_lang"]) == ("north", None, "en")
    assert (second["store"], second["score"], second["pred_lang"]) == ("", 9, "fa")
    assert isinstance(second["churn_probability"], float)

    again = tmp_path / "again.jsonl"
    assert main(["score", "--model", str(tiny_model_dir), "--in", str(out), "--out", str(again)]) == 2
    assert "already has pred_lang" in capsys.readouterr().err
    args = ["score", "--model", str(tiny_model_dir), "--in", str(out), "--out", str(again), "--replace"]
    assert main(args) == 0


def test_drivers_on_a_scored_file_uses_its_predictions(
    survey: Path, tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scored = tmp_path / "scored.csv"
    main(
        ["score", "--model", str(tiny_model_dir), "--in", str(survey), "--out", str(scored), "--no-progress"]
    )
    report, page = tmp_path / "analysis.json", tmp_path / "report.html"
    args = ["drivers", "--in", str(scored), "--segment", "channel", "--period", "week", "--min-n", "5",
            "--json", str(report), "--html", str(page), "--no-progress"]  # fmt: skip
    assert main(args) == 0
    result = json.loads(report.read_text(encoding="utf-8"))
    assert {"value", "ci_low", "ci_high", "n", "source"} <= set(result["nps"])
    assert result["nps"]["source"] == "predicted" and result["nps"]["n"] == 38
    assert result["coverage"]["driver_sources"] == {"predicted": 38}
    for stats in result["drivers"].values():
        assert set(stats) >= REQUIRED_DRIVER_KEYS
    assert [e["value"] for e in result["segments"]["channel"]] == ["app", "web"]
    assert len(result["trends"]["periods"]) == 5 and result["trends"]["dated"] == 38
    html = page.read_text(encoding="utf-8")
    assert "Trends by week" in html and "By channel" in html
    assert "38 responses analysed" in capsys.readouterr().err


def test_drivers_predicts_raw_text_with_a_model(tiny_model_dir: Path, tmp_path: Path) -> None:
    raw = write_csv(
        tmp_path / "raw.csv", ["text"], [["Rude staff and long queues"], ["غذا سرد بود"], ["Great!"]]
    )
    report = tmp_path / "a.json"
    args = [
        "drivers",
        "--in",
        str(raw),
        "--model",
        str(tiny_model_dir),
        "--json",
        str(report),
        "--no-progress",
    ]
    assert main(args) == 0
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["coverage"]["predicted"]["sentiment"] == 3 and result["nps"]["n"] == 3


def test_drivers_on_labelled_shared_data_without_a_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [
        str(shared_file(name))
        for name in ("en/tripadvisor_hotel_aspects_test.csv", "fa/parsinlu_food_test.csv")
    ]
    assert main(["drivers", "--in", *files, "--segment", "source", "--no-progress"]) == 0
    result = json.loads(capsys.readouterr().out)
    # only the hotel reviews have scores
    assert result["nps"]["source"] == "score" and result["nps"]["n"] == 95
    assert {e["value"]: e["n"] for e in result["segments"]["source"]} == {
        "parsinlu_food": 192,
        "tripadvisor_hotel_aspects": 95,
    }
    assert result["inputs"] == {"files": files, "skipped_rows": 0}


def test_drivers_reports_an_unusable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write_csv(tmp_path / "bad.csv", ["comment"], [["no text column"]])
    assert main(["drivers", "--in", str(bad), "--no-progress"]) == 2
    assert "no 'text' column" in capsys.readouterr().err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_drivers_skips_repeated_ids_across_chunks(
    survey: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], workers: str
) -> None:
    """Rows whose id was seen in an earlier chunk (or earlier in theirs) are listed and left out: the
    analysis equals that of the file without them."""
    with open(survey, encoding="utf-8", newline="") as source:
        header, *rows = list(csv.reader(source))
    repeated = [*rows, [rows[0][0], "another text", "app", "2024-02-03", ""], [rows[30][0], *rows[30][1:]]]
    with_repeats = write_csv(tmp_path / "repeats.csv", header, repeated)
    without = write_csv(tmp_path / "without.csv", header, rows)
    outputs = {}
    for path in (with_repeats, without):
        out = tmp_path / f"{path.stem}.json"
        args = ["drivers", "--in", str(path), "--segment", "channel", "--json", str(out), "--no-progress",
                "--chunk-rows", "7", "--workers", workers]  # fmt: skip
        assert main(args) == 1  # the survey's two bad rows, and the repeats
        outputs[path.stem] = json.loads(out.read_text(encoding="utf-8"))
        outputs[path.stem].pop("inputs")
    err = capsys.readouterr().err
    assert f"{with_repeats}:42: duplicate id 'r0' (first at {with_repeats}:2)" in err
    assert f"{with_repeats}:43: duplicate id 'r30' (first at {with_repeats}:32)" in err
    assert outputs["repeats"] == outputs["without"]
