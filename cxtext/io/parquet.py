"""Parquet rows in and out with pyarrow, one row group (or batch) at a time, so a file larger than memory
streams like a CSV. Columns are typed: a score stays a number, a probability a float, a flag a boolean.

Rows are numbered by position in the file (the first row is 1): Parquet has no lines, and this is the
number a person finds with any Parquet viewer. Dates and timestamps are read as ISO text, the form the
data contract uses for them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from cxtext.io.formats import PathLike

if TYPE_CHECKING:  # records imports this module
    from cxtext.io.records import RowError

# Columns with a type other than text when written: everything else is a string column.
TYPED_COLUMNS: Mapping[str, pa.DataType] = {
    "score": pa.float64(),
    "churn": pa.bool_(),
    "churn_probability": pa.float64(),
}
_BATCH_ROWS = 65_536


def open_parquet(path: PathLike, label: str) -> pq.ParquetFile | RowError:
    """The file ready to read, or the RowError (whole file) saying why it cannot be: missing, unreadable,
    or without the columns the data contract requires."""
    from cxtext.io.records import RowError, header_problem

    try:
        source = pq.ParquetFile(path)
    except FileNotFoundError:
        return RowError(label, None, "file not found", "file")
    except (pa.ArrowException, OSError) as exc:
        return RowError(label, None, f"not a readable Parquet file ({first_line(exc)})", "file")
    problem = header_problem([field.name for field in source.schema_arrow])
    return RowError(label, None, problem, "file") if problem else source


def parquet_rows(path: PathLike, label: str) -> Iterator[object]:
    """(row number, cells) per row, or a RowError (whole file when unreadable or without `text`)."""
    from cxtext.io.records import RowError

    source = open_parquet(path, label)
    if isinstance(source, RowError):
        yield source
        return
    number = 0
    try:
        for batch in source.iter_batches(batch_size=_BATCH_ROWS):
            for row in as_text_dates(batch).to_pylist():
                number += 1
                yield number, row
    except (pa.ArrowException, OSError) as exc:
        yield RowError(
            label, number + 1, f"unreadable Parquet data, rest of file not read ({first_line(exc)})", "file"
        )


def parquet_columns(path: PathLike) -> list[str]:
    """The column names of a Parquet file, from its footer (no data is read)."""
    return [field.name for field in pq.read_schema(path)]


def integer_columns(path: PathLike) -> set[str]:
    """Columns stored as integers: written back as integers (a score of 9 stays 9, not 9.0)."""
    return {field.name for field in pq.read_schema(path) if pa.types.is_integer(field.type)}


def output_schema(columns: Sequence[str], integers: set[str] = frozenset()) -> pa.Schema:
    """The typed schema of output rows: `TYPED_COLUMNS` (as integers when `integers` says the input stored
    them so, e.g. a score) and text for every other column."""
    types = {**TYPED_COLUMNS, **{name: pa.int64() for name in integers if name in TYPED_COLUMNS}}
    return pa.schema([(name, types.get(name, pa.string())) for name in columns])


def record_batch(rows: Sequence[Mapping[str, str]], schema: pa.Schema) -> pa.RecordBatch:
    """Rows of text cells (what `record_to_row` and `prediction_cells` produce) as one typed batch: empty
    cells are nulls and typed columns are converted from their canonical text, so the file is typed the
    same whatever the input format."""
    arrays = []
    for field in schema:
        cells = [row.get(field.name, "") for row in rows]
        convert = _CONVERT.get(field.type)
        values = [convert(cell) if cell != "" else None for cell in cells] if convert else cells
        arrays.append(pa.array(values, type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


class ParquetWriter:
    """Appends typed record batches (`record_batch`) to a zstd-compressed Parquet file."""

    def __init__(self, path: PathLike, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(os.fspath(path), schema, compression="zstd")

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self._writer.write_table(pa.Table.from_batches([batch]))

    def close(self) -> None:
        self._writer.close()


def as_text_dates(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Dates, times and decimals as text (ISO for dates), the only forms the data contract knows."""
    columns, changed = [], False
    for column in batch.columns:
        kind = column.type
        if pa.types.is_temporal(kind) or pa.types.is_decimal(kind):
            column = column.cast(pa.string())
            changed = True
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names) if changed else batch


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


_CONVERT = {
    pa.float64(): float,
    pa.int64(): lambda cell: int(float(cell)),
    pa.bool_(): lambda cell: cell in ("1", "true", "True"),
}
