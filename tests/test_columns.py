"""`cxtext drivers` reads CSV and Parquet as Arrow columns: the frame, the bad rows (with their row numbers
and messages) and the ids must be exactly what the row reader and `Record`s give, on real shared files and
on files with every kind of bad cell."""

from __future__ import annotations

import csv
import dataclasses
import pickle
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxtext.analysis.frame import Categorical, Frame, FrameBuilder
from cxtext.batch.chunks import read_batches, read_chunks
from cxtext.batch.frames import frame_chunk
from cxtext.io.columns import ColumnBatch, ParquetPiece
from cxtext.taxonomy import Taxonomy
from tests.conftest import shared_file

TAXONOMY = Taxonomy.default()
HEADER = ["id", "text", "score", "sentiment", "source", "date", "channel",
          "pred_lang", "pred_sentiment", "pred_drivers", "pred_driver_sentiment", "pred_driver_confidence",
          "pred_nps_category", "churn_probability", "churn_band"]  # fmt: skip
GOOD = ["", "fine", "9", "", "web", "2024-03-01", "app",
        "en", "positive", "price", "price:negative", "price:0.91", "promoter", "0.12", "low"]  # fmt: skip


def row(**cells: str) -> list[str]:
    out = dict(zip(HEADER, GOOD, strict=True))
    out.update(cells)
    return [out[name] for name in HEADER]


def awkward_rows() -> list[list[str]]:
    """Good rows around every kind of bad cell the contract and the scored columns know."""
    rows = []
    for i in range(40):
        rows.append(row(id=f"r{i}", text=f"text {i}\nover two lines" if i % 7 == 0 else f"text {i}",
                        score=str(i % 11), channel=["app", "web", " branch ", ""][i % 4],
                        date=["2024-03-01", "2024-04-02T10:00", "", "1403-02-15", "soon"][i % 5]))  # fmt: skip
    rows += [
        row(id="b1", text="   "),  # blank text
        row(id="b2", sentiment="furious"),  # unknown label
        row(id="b3", score="nine"),  # not a number
        row(id="b4", score="11"),  # out of the scale
        row(id="r3"),  # duplicate id
        row(id="p1", pred_sentiment="ecstatic"),  # unreadable prediction: the row counts, the cell does not
        row(id="p2", churn_probability="1.5"),
        row(id="p3", churn_probability="high"),
        row(id="p4", churn_probability=" 0.3 "),
        row(id="p5", churn_probability=""),
        row(id="p6", pred_driver_confidence="price:2"),
        row(id="p7", pred_driver_confidence="price:0.5;staff:0.75;price:0.25"),
        row(id="p8", pred_driver_confidence=" price : 0.4 "),
        row(id="p9", pred_driver_confidence="price"),
        row(id="p10", pred_drivers="", pred_driver_sentiment="", pred_driver_confidence=""),
        row(id="  padded  ", text="text with\r\nwindows line break"),
        row(id="", text="no id"),
    ]
    return rows


def write_csv(path: Path, rows: list[list[str]], *, tail: str = "") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as out:
        csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
        out.write(tail)
    return path


def both_ways(paths: list[Path], size: int, segments: tuple[str, ...]) -> tuple[tuple, tuple, int]:
    """(frame, errors) from rows as Records and from Arrow columns, and how many batches were columnar."""
    settings = {"taxonomy": TAXONOMY, "date_column": "date", "segments": segments}
    out, columnar = [], 0
    for chunks in (read_chunks(paths, size), read_batches(paths, size, None)):
        builder, errors, seen = FrameBuilder(TAXONOMY, date_column="date", segments=segments), [], {}
        for chunk in chunks:
            columnar += isinstance(chunk, ColumnBatch | ParquetPiece)
            label, bad, numbers, ids, part = frame_chunk(None, chunk, **settings)
            errors += [str(e) for e in bad]
            drop = []
            for position, (number, record_id) in enumerate(zip(numbers.tolist(), ids.tolist(), strict=True)):
                if record_id and seen.setdefault((label, record_id), number) != number:
                    drop.append(position)
                    errors.append(f"{label}:{number}: duplicate")
            builder.absorb(part.without(drop) if drop else part)
        out.append((builder.build(), sorted(errors)))
    return out[0], out[1], columnar


def assert_same_frame(a: Frame, b: Frame) -> None:
    for field in dataclasses.fields(Frame):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=x.dtype.kind in "fM"), field.name
        elif isinstance(x, Categorical):
            assert x.levels == y.levels and np.array_equal(x.codes, y.codes), field.name
        elif field.name == "segments":
            assert x.keys() == y.keys()
            for name in x:
                assert x[name].levels == y[name].levels and np.array_equal(x[name].codes, y[name].codes)
        else:
            assert x == y, field.name


@pytest.mark.parametrize(
    "name", ["en/skytrax_airline_reviews_test.csv", "fa/digikala_comments_dev.csv", "en/mams_acsa_test.csv"]
)
def test_real_files_read_as_columns_give_the_same_frame(name: str) -> None:
    (rows, row_errors), (columns, column_errors), columnar = both_ways([shared_file(name)], 500, ("source",))
    assert columnar > 0
    assert len(rows) > 100
    assert_same_frame(rows, columns)
    assert row_errors == column_errors


@pytest.mark.parametrize("tail", ["", "\n\n", ",".join(["x"] * 3) + "\n"])
def test_bad_cells_give_the_same_errors_and_frame(
    tmp_path: Path, tail: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bad labels, blank texts, duplicate ids, unreadable predictions, texts over several lines; a
    trailing blank line; a short row that hands the rest of the file to the row reader (pyarrow reads
    1 kB blocks here, so that rows before it were read as columns)."""
    monkeypatch.setattr("cxtext.io.columns._BLOCK_BYTES", 1024)
    path = write_csv(tmp_path / "awkward.csv", awkward_rows(), tail=tail)
    (rows, row_errors), (columns, column_errors), columnar = both_ways([path], 16, ("channel", "source"))
    assert columnar > 0
    assert_same_frame(rows, columns)
    assert row_errors == column_errors
    assert any(
        ":48: text is empty" in error for error in row_errors
    )  # line numbers count the texts' line breaks
    assert any("cells of column 'pred_driver_confidence'" in w for w in columns.warnings)
    assert any("cells of column 'churn_probability'" in w for w in columns.warnings)
    if tail.count(",") == 2:
        assert any("row has 3 fields" in error for error in column_errors)


def test_parquet_with_typed_columns_gives_the_same_frame(tmp_path: Path) -> None:
    rows = awkward_rows()
    table = pa.table({name: [r[i] for r in rows] for i, name in enumerate(HEADER)})
    typed = {
        "score": pa.array([int(r[2]) if r[2].isdigit() else None for r in rows], pa.int64()),
        "churn_probability": pa.array(
            [float(r[13]) if r[13].strip().replace(".", "").isdigit() else None for r in rows], pa.float64()
        ),
        "date": pa.array(
            [date.fromisoformat(r[5][:10]) if r[5].startswith("2024") else None for r in rows], pa.date32()
        ),
    }
    for name, values in typed.items():
        table = table.set_column(HEADER.index(name), name, values)
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path, row_group_size=10)
    (rows_frame, row_errors), (columns, column_errors), columnar = both_ways([path], 16, ("channel",))
    assert columnar > 0
    assert_same_frame(rows_frame, columns)
    assert row_errors == column_errors


def test_csv_chunks_ship_their_own_rows_not_the_whole_block() -> None:
    """A worker gets each chunk pickled: a slice of pyarrow's CSV block must not carry the block along
    (it did: 16× the bytes of its rows, all of it parsed and piped by the reading process)."""
    path = shared_file("en/airline_tweets_train.csv")
    chunks = [c for c in read_batches([path], 500, None, pieces=False) if isinstance(c, ColumnBatch)]
    assert len(chunks) > 3
    assert sum(c.table.num_rows for c in chunks) == sum(len(c.items) for c in read_chunks([path], 1000))
    for chunk in chunks:
        assert len(pickle.dumps(chunk, protocol=5)) < 2 * chunk.table.nbytes + 20_000
