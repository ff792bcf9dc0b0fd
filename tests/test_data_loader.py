import csv
import io
import json
from pathlib import Path

import pytest

from cli import main
from cxtext.io.records import DataError, FileCounts, RowError, iter_records, load_records, write_records
from cxtext.paths import shared_data_dir
from cxtext.schema import COLUMNS
from cxtext.taxonomy import TAXONOMY_ENV

TAXONOMY_LIST = "quality, price, access, staff"
POLARITY_LIST = "negative, neutral, positive, mixed"


@pytest.fixture(autouse=True)
def default_taxonomy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TAXONOMY_ENV, raising=False)


def line(**cells: str) -> str:
    """One CSV line with every schema column (empty unless given)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([cells.get(column, "") for column in COLUMNS])
    return out.getvalue()


def write_bytes(path: Path, text: str) -> Path:
    """Write `text` as UTF-8; lone surrogates \\udc80-\\udcff become the invalid bytes they stand for."""
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return path


HEADER = ",".join(COLUMNS) + "\n"
# Line 2, then a row whose text spans lines 3-4, so the row after them starts on line 5. Row g1 is UTF-8
# beyond ASCII, so a later undecodable byte is that row's fault, not a file in another encoding.
GOOD_CSV = HEADER + line(id="g1", lang="en", text="Fine café") + line(id="g2", text="line one\nline two")

BAD_CSV_ROWS = [
    (line(text="x", sentiment="happy"), f"unknown sentiment 'happy' (allowed: {POLARITY_LIST})", "sentiment"),
    (
        line(text="x", nps_category="fan"),
        "unknown nps_category 'fan' (allowed: detractor, passive, promoter)",
        "nps_category",
    ),
    (
        line(text="x", drivers="price", driver_sentiment="price:angry"),
        f"unknown polarity 'angry' for driver 'price' (allowed: {POLARITY_LIST})",
        "driver_sentiment",
    ),
    (
        line(text="x", driver_sentiment="price"),
        "malformed entry 'price' (expected driver:polarity)",
        "driver_sentiment",
    ),
    (
        line(text="x", driver_sentiment="price:negative;price:positive"),
        "driver 'price' appears twice in driver_sentiment",
        "driver_sentiment",
    ),
    (line(text="x", churn="yes"), "churn must be 0, 1, true or false, got 'yes'", "churn"),
    (line(text="x", lang="de"), "unknown lang 'de' (allowed: fa, en, fa-Latn)", "lang"),
    (line(text="x", score="abc"), "score 'abc' is not a number", "score"),
    (line(text="x", score="11", score_scale="0-10"), "score 11 is outside scale 0-10", "score"),
    (line(text="x", score="0", score_scale="1-5"), "score 0 is outside scale 1-5", "score"),
    (
        line(text="x", score="7.5", score_scale="1-10"),
        "score 7.5 is not a whole number (scale 1-10)",
        "score",
    ),
    (
        line(text="x", score="3", score_scale="1-4"),
        "unknown score_scale '1-4' (known: 0-10, 1-10, 1-5, 1-7, 0-100)",
        "score_scale",
    ),
    (line(text=""), "text is empty or whitespace only", "text"),
    (line(text=" \t\n "), "text is empty or whitespace only", "text"),
    (line(id="g1", text="again"), "duplicate id 'g1' (first at {path}:2)", "id"),
    (line(text="x", drivers="delivery"), f"unknown driver 'delivery' (taxonomy: {TAXONOMY_LIST})", "drivers"),
    (
        line(text="x", driver_sentiment="delivery:negative"),
        f"unknown driver 'delivery' in driver_sentiment (taxonomy: {TAXONOMY_LIST})",
        "driver_sentiment",
    ),
    (
        line(text="x", drivers="quality", driver_sentiment="price:negative"),
        "driver_sentiment names 'price', which is not in drivers (quality)",
        "driver_sentiment",
    ),
    (
        line(text="x", nps_category="promoter", score="5", score_scale="1-10"),
        "nps_category 'promoter' contradicts score 5 on scale 1-10 (the 1-10 rule gives 'detractor')",
        "nps_category",
    ),
    (
        line(text="x", nps_category="passive", score="9"),
        "nps_category 'passive' contradicts score 9 on scale 0-10 (the 0-10 rule gives 'promoter')",
        "nps_category",
    ),
    (line(id="u1", text="caf\udce9 au lait"), "invalid UTF-8 in column 'text' (byte 0xe9)", "encoding"),
    ("x,y\n", "row has 2 fields, header has 12", "csv"),
]


@pytest.mark.parametrize(("bad_line", "reason", "kind"), BAD_CSV_ROWS)
def test_each_bad_csv_row_is_named_by_file_and_line_in_both_modes(
    tmp_path: Path, bad_line: str, reason: str, kind: str
) -> None:
    path = write_bytes(tmp_path / "bad.csv", GOOD_CSV + bad_line + line(id="g3", text="After"))
    expected = RowError(str(path), 5, reason.format(path=path), kind)

    with pytest.raises(DataError) as caught:
        load_records(path)
    assert str(caught.value) == f"{path}:5: {expected.reason}"
    assert caught.value.errors == [expected]

    result = load_records(path, strict=False)
    assert result.errors == [expected]
    assert [record.id for record in result.records] == ["g1", "g2", "g3"]
    assert result.counts == {str(path): FileCounts(read=4, loaded=3, skipped=1, reasons={kind: 1})}


def test_lenient_mode_reports_every_bad_row_of_a_file(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "bad.csv", GOOD_CSV + "".join(bad for bad, _, _ in BAD_CSV_ROWS))
    result = load_records(path, strict=False)
    starts = [5 + sum(bad.count("\n") for bad, _, _ in BAD_CSV_ROWS[:i]) for i in range(len(BAD_CSV_ROWS))]
    assert [(error.row, error.reason) for error in result.errors] == [
        (start, reason.format(path=path)) for start, (_, reason, _) in zip(starts, BAD_CSV_ROWS, strict=True)
    ]
    assert starts[-1] == 5 + len(BAD_CSV_ROWS)  # one bad text spans two lines
    counts = result.counts[str(path)]
    assert (counts.read, counts.loaded, counts.skipped) == (2 + len(BAD_CSV_ROWS), 2, len(BAD_CSV_ROWS))
    assert counts.reasons["driver_sentiment"] == 5
    assert sum(counts.reasons.values()) == len(BAD_CSV_ROWS)


# Lines 1 and 3 (line 2 is blank), so the row after them is line 4.
GOOD_JSONL = '{"id": "j1", "text": "Fine café"}\n\n{"id": "j2", "text": "ok \\ud83d\\ude00"}\n'

BAD_JSONL_LINES = [
    (
        b'{"text": "x",\n',
        "malformed JSON: Expecting property name enclosed in double quotes (column 14)",
        "json",
    ),
    (b"[1, 2]\n", "expected one JSON object per line, got list", "json"),
    (b'{"text": "caf\xe9"}\n', "invalid UTF-8 (byte 0xe9 at offset 13)", "encoding"),
    (b'{"text": "x\\ud800"}\n', "lone surrogate escape (not valid Unicode text)", "encoding"),
    (b'{"id": "j9"}\n', "missing text", "text"),
    (b'{"text": 42}\n', "text must be a string, got int", "text"),
    (
        b'{"text": "x", "sentiment": "meh"}\n',
        f"unknown sentiment 'meh' (allowed: {POLARITY_LIST})",
        "sentiment",
    ),
    (b'{"id": "j1", "text": "x"}\n', "duplicate id 'j1' (first at {path}:1)", "id"),
]


@pytest.mark.parametrize(("bad_line", "reason", "kind"), BAD_JSONL_LINES)
def test_each_bad_jsonl_line_is_named_by_file_and_line_in_both_modes(
    tmp_path: Path, bad_line: bytes, reason: str, kind: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(GOOD_JSONL.encode() + bad_line + b'{"text": "after"}\n')
    expected = RowError(str(path), 4, reason.format(path=path), kind)

    with pytest.raises(DataError) as caught:
        load_records(path)
    assert str(caught.value) == f"{path}:4: {expected.reason}"

    result = load_records(path, strict=False)
    assert result.errors == [expected]
    assert [record.text for record in result.records] == ["Fine café", "ok 😀", "after"]
    assert result.counts[str(path)] == FileCounts(read=4, loaded=3, skipped=1, reasons={kind: 1})


def test_a_csv_the_parser_cannot_continue_is_reported_where_it_broke(tmp_path: Path) -> None:
    """An oversized field (typically an unbalanced quote swallowing the file) stops that file only."""
    path = write_bytes(
        tmp_path / "huge.csv", HEADER + line(text="ok") + line(text="x" * 200_000) + line(text="lost")
    )
    result = load_records(path, strict=False)
    assert result.errors == [
        RowError(
            str(path),
            3,
            "malformed CSV, rest of file not read: field larger than field limit (131072)",
            "csv",
        )
    ]
    assert [record.text for record in result.records] == ["ok"]
    assert result.counts[str(path)] == FileCounts(read=2, loaded=1, skipped=1, reasons={"csv": 1})


def test_ids_must_be_unique_across_the_files_loaded_together(tmp_path: Path) -> None:
    first = write_bytes(tmp_path / "a.csv", HEADER + line(id="a1", text="one"))
    second = tmp_path / "b.jsonl"
    second.write_text('{"id": "b1", "text": "two"}\n{"id": "a1", "text": "three"}\n', encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_records([first, second])
    assert str(caught.value) == f"{second}:2: duplicate id 'a1' (first at {first}:2)"
    assert [record.id for record in load_records([first, second], strict=False).records] == ["a1", "b1"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("no_text.csv", "id,body\n1,hello\n", "no 'text' column in the header row (found: id, body)"),
        ("empty.csv", "", "empty file (no header row)"),
        ("twice.csv", "text,id,text\na,1,b\n", "duplicate column 'text' in the header row"),
        (
            "bad_header.csv",
            "t\udcffext\nhello\n",
            "invalid UTF-8 in the header row (line 1); re-save as UTF-8 (e.g. Excel: Save As, CSV UTF-8)",
        ),
        (
            "notes.txt",
            "text\nhello\n",
            "unsupported file type (expected .csv, .jsonl, .ndjson, .json, optionally .gz, or .parquet)",
        ),
        ("missing.csv", None, "file not found"),
        ("broken.csv.gz", "not gzip data", "cannot read file: Not a gzipped file (b'no')"),
    ],
)
def test_unusable_files_are_file_level_errors(
    tmp_path: Path, name: str, content: str | None, reason: str
) -> None:
    path = tmp_path / name
    if content is not None:
        write_bytes(path, content)
    good = write_bytes(tmp_path / "good.csv", HEADER + line(text="fine"))
    expected = RowError(str(path), None, reason, "file")
    assert str(expected) == f"{path}: {reason}"

    with pytest.raises(DataError) as caught:
        load_records([path, good])
    assert caught.value.errors == [expected]

    result = load_records([path, good], strict=False)
    assert result.errors == [expected]
    assert [record.text for record in result.records] == ["fine"]
    assert result.counts[str(path)] == FileCounts(read=0, loaded=0, skipped=0, reasons={"file": 1})


def test_only_text_is_required_and_extra_columns_are_kept(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "survey.csv", "Channel,text,score\napp,Too slow,3\nweb,Lovely,\n")
    records = load_records(path).records
    assert [(r.text, r.score, r.nps_category, r.score_scale, r.drivers, r.extra) for r in records] == [
        ("Too slow", 3.0, "detractor", "0-10", None, {"Channel": "app"}),
        ("Lovely", None, None, None, None, {"Channel": "web"}),
    ]


def test_a_leading_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    csv_path = tmp_path / "excel.csv"
    csv_path.write_bytes(b"\xef\xbb\xbftext\nhello\n")
    jsonl_path = tmp_path / "bom.jsonl"
    jsonl_path.write_bytes(b'\xef\xbb\xbf{"text": "hi"}\n')
    assert [r.text for r in load_records([csv_path, jsonl_path]).records] == ["hello", "hi"]


def shared_csv_files() -> list[Path]:
    files = sorted(shared_data_dir().glob("*/*.csv"))
    assert len(files) >= 26, "the shared labelled data is missing"
    return files


def test_all_shared_data_loads_strictly_without_dropping_a_row() -> None:
    files = shared_csv_files()
    result = load_records(files)

    assert result.errors == []
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = sum(1 for _ in csv.reader(fh)) - 1
        assert result.counts[str(path)] == FileCounts(read=rows, loaded=rows, skipped=0), path
    assert len(result.records) == sum(counts.loaded for counts in result.counts.values()) > 30_000


def test_shared_scores_agree_with_the_documented_nps_rules() -> None:
    """Strict loading checks every labelled category against its score; here: the rules were applied."""
    records = load_records(shared_data_dir() / "en" / "tripadvisor_hotel_aspects_dev.csv").records
    assert {(r.score, r.nps_category) for r in records} <= {
        (1.0, "detractor"), (2.0, "detractor"), (3.0, "detractor"), (4.0, "passive"), (5.0, "promoter")
    }  # fmt: skip
    assert all(r.score_scale == "1-5" for r in records)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json", ".csv.gz", ".jsonl.gz"])
def test_write_records_round_trips(tmp_path: Path, suffix: str) -> None:
    source = [
        shared_data_dir() / "fa" / "parsinlu_food_dev.csv",
        shared_data_dir() / "en" / "skytrax_airline_reviews_dev.csv",
        shared_data_dir() / "en" / "churn_intent_en_dev.csv",
    ]
    records = load_records(source).records
    path = tmp_path / f"out{suffix}"
    assert write_records(path, records) == len(records)
    assert load_records(path).records == records
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_write_records_reproduces_a_shared_csv_byte_for_byte(tmp_path: Path) -> None:
    source = shared_data_dir() / "en" / "skytrax_airline_reviews_dev.csv"
    out = tmp_path / "copy.csv"
    write_records(out, load_records(source).records)
    assert out.read_bytes() == source.read_bytes()


def test_write_records_keeps_extra_columns(tmp_path: Path) -> None:
    source = write_bytes(tmp_path / "in.csv", "text,date,channel\nhi,2024-01-02,app\nyo,,web\n")
    out = tmp_path / "out.csv"
    write_records(out, load_records(source).records)
    assert out.read_text(encoding="utf-8").splitlines() == [
        ",".join(COLUMNS) + ",date,channel",
        "," * 2 + "hi" + "," * 9 + ",2024-01-02,app",
        "," * 2 + "yo" + "," * 9 + ",,web",
    ]


def test_write_records_rejects_unknown_formats(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported file type"):
        write_records(tmp_path / "out.xlsx", [])


def test_iter_records_streams_in_batches(tmp_path: Path) -> None:
    path = shared_data_dir() / "en" / "airline_tweets_dev.csv"
    batches = list(iter_records(path, batch_size=500))
    assert [len(batch.records) for batch in batches] == [500, 500, 443]
    assert [r for batch in batches for r in batch.records] == load_records(path).records


def test_iter_records_carries_bad_rows_in_lenient_mode_and_raises_in_strict(tmp_path: Path) -> None:
    path = write_bytes(
        tmp_path / "mixed.csv", HEADER + line(text="a") + line(text="b", lang="xx") + line(text="c")
    )
    batches = list(iter_records(path, strict=False, batch_size=1))
    assert [[r.text for r in batch.records] for batch in batches] == [["a"], ["c"]]
    assert batches[1].errors == [
        RowError(str(path), 3, "unknown lang 'xx' (allowed: fa, en, fa-Latn)", "lang")
    ]
    with pytest.raises(DataError, match=":3: unknown lang 'xx'"):
        list(iter_records(path))


def test_custom_topics_load_with_their_taxonomy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "topics.json"
    config.write_text(json.dumps({"topics": [{"name": "packaging"}]}), encoding="utf-8")
    path = write_bytes(tmp_path / "custom.csv", HEADER + line(text="box crushed", drivers="packaging"))
    with pytest.raises(DataError, match="unknown driver 'packaging'"):
        load_records(path)
    monkeypatch.setenv(TAXONOMY_ENV, str(config))
    assert load_records(path).records[0].drivers == ("packaging",)


# --- cxtext validate -------------------------------------------------------------------------------


def test_validate_clean_files_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    files = [
        shared_data_dir() / "fa" / "parsinlu_movie_dev.csv",
        shared_data_dir() / "en" / "churn_intent_en_dev.csv",
    ]
    assert main(["validate", *map(str, files)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{files[0]}: 45 rows, 45 loaded, 0 skipped",
        f"{files[1]}: 29 rows, 29 loaded, 0 skipped",
        "total: 74 rows, 74 loaded, 0 skipped",
    ]


def test_validate_lists_every_bad_row_when_lenient(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_bytes(
        tmp_path / "bad.csv",
        HEADER + line(text="ok") + line(text="x", churn="maybe") + line(text=" ") + line(text="fine"),
    )
    assert main(["validate", "--lenient", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:3: churn must be 0, 1, true or false, got 'maybe'",
        f"{path}:4: text is empty or whitespace only",
        f"{path}: 4 rows, 2 loaded, 2 skipped (churn 1, text 1)",
    ]


def test_validate_stops_at_the_first_bad_row_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_bytes(tmp_path / "bad.csv", HEADER + line(text="x", churn="maybe") + line(text=" "))
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:2: churn must be 0, 1, true or false, got 'maybe'",
        "stopped at the first bad row; --lenient lists every bad row",
    ]


def test_validate_exits_2_on_file_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_bytes(tmp_path / "good.csv", HEADER + line(text="fine"))
    missing = tmp_path / "missing.jsonl"
    assert main(["validate", "--lenient", str(missing), str(good)]) == 2
    assert capsys.readouterr().out.splitlines() == [
        f"{missing}: file not found",
        f"{missing}: 0 rows, 0 loaded, 0 skipped (file 1)",
        f"{good}: 1 rows, 1 loaded, 0 skipped",
        "total: 1 rows, 1 loaded, 0 skipped",
    ]
    assert main(["validate", str(missing)]) == 2
    assert capsys.readouterr().out.splitlines() == [f"{missing}: file not found"]


def test_validate_uses_the_given_taxonomy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_bytes(
        tmp_path / "custom.csv", HEADER + line(text="box crushed", driver_sentiment="packaging:negative")
    )
    config = tmp_path / "topics.json"
    config.write_text(json.dumps({"topics": [{"name": "packaging"}]}), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert main(["validate", "--taxonomy", str(config), str(path)]) == 0
    capsys.readouterr()

    config.write_text(json.dumps({"topics": [{"name": "staff"}]}), encoding="utf-8")
    assert main(["validate", "--taxonomy", str(config), str(path)]) == 2
    assert capsys.readouterr().err == (
        f"cxtext validate: error: {config}: topic 'staff' clashes with an existing driver\n"
    )
