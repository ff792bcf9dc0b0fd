"""CSV and Parquet rows as Arrow column batches: the fast way in for analyses that read a few columns of
millions of rows, with the same cells and row numbers as the row reader (`cxtext.io.records.raw_rows`).

Parquet is read by row group, only the columns asked for. CSV goes through pyarrow's C++ parser when the
file is plain UTF-8 without blank lines or NUL bytes, which the row reader would treat specially; a row
pyarrow refuses (wrong number of fields, invalid UTF-8) hands the rest of the file over to the row reader,
which reports it exactly as before. Gzipped CSV is left to the row reader.
"""

from __future__ import annotations

import csv
import io
import mmap
import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cxtext.io.formats import PathLike, file_format
from cxtext.io.parquet import as_text_dates, first_line, open_parquet
from cxtext.io.records import RowError, header_problem, raw_rows

_BLOCK_BYTES = 8 << 20  # pyarrow CSV block: about 25,000 rows of feedback
# Blank lines between rows are skipped by both readers but counted as lines by the row reader
_BLANK_LINES = (b"\n\n", b"\n\r\n", b"\r\r")


@dataclass(slots=True)
class ColumnBatch:
    """Consecutive good rows of one file: `numbers` are their row numbers (as `raw_rows` gives them),
    `table` their cells (only the columns asked for that the file has)."""

    label: str
    numbers: np.ndarray  # int64
    table: pa.Table


@dataclass(frozen=True, slots=True)
class ParquetPiece:
    """One row group of a Parquet file, to be read where it is converted (a local worker, or a Dask worker
    that sees the same file system), so the command's process never holds or ships the rows."""

    label: str
    row_group: int
    first: int  # the row number of its first row
    columns: tuple[str, ...]

    def read(self) -> ColumnBatch | RowError:
        try:
            source = pq.ParquetFile(self.label)
            table = source.read_row_group(self.row_group, columns=list(self.columns))
        except (pa.ArrowException, OSError) as exc:
            reason = f"unreadable Parquet data, rest of file not read ({first_line(exc)})"
            return RowError(self.label, self.first, reason, "file")
        batches = [as_text_dates(batch) for batch in table.to_batches()]
        table = pa.Table.from_batches(batches) if batches else table
        numbers = np.arange(self.first, self.first + table.num_rows, dtype=np.int64)
        return ColumnBatch(self.label, numbers, table)


Item = ColumnBatch | ParquetPiece | tuple[int, dict[str, object]] | RowError


def column_batches(
    path: PathLike, columns: set[str] | None, rows: int, *, pieces: bool = False
) -> Iterator[Item] | None:
    """Batches of about `rows` rows of a CSV or Parquet file, each holding `columns` (None: all) when
    present; after a row pyarrow refuses, the rest of the file as `raw_rows` items. With `pieces`, a
    Parquet file comes as its row groups, unread (`ParquetPiece`). None when the file is better read row
    by row (JSON Lines, gzip, a CSV with blank lines, NUL bytes or a multi-line header)."""
    fmt = file_format(path)
    if fmt == "parquet":
        return _parquet_batches(path, columns, rows, pieces)
    if fmt == "csv" and not os.fspath(path).lower().endswith(".gz"):
        plain = _plain_csv(path)
        if plain is not None:
            return _csv_batches(path, *plain, columns, rows)
    return None


def _parquet_batches(path: PathLike, columns: set[str] | None, rows: int, pieces: bool) -> Iterator[Item]:
    label = os.fspath(path)
    source = open_parquet(path, label)
    if isinstance(source, RowError):
        yield source
        return
    names = [field.name for field in source.schema_arrow]
    wanted = names if columns is None else [name for name in names if name in columns]
    if pieces:
        first = 1
        for group in range(source.metadata.num_row_groups):
            yield ParquetPiece(label, group, first, tuple(wanted))
            first += source.metadata.row_group(group).num_rows
        return
    number = 0
    try:
        for batch in source.iter_batches(batch_size=rows, columns=wanted):
            table = pa.Table.from_batches([as_text_dates(batch)])
            yield ColumnBatch(label, np.arange(number + 1, number + 1 + len(table), dtype=np.int64), table)
            number += len(table)
    except (pa.ArrowException, OSError) as exc:
        yield RowError(
            label, number + 1, f"unreadable Parquet data, rest of file not read ({first_line(exc)})", "file"
        )


def _plain_csv(path: PathLike) -> tuple[list[str], bool] | None:
    """The stripped header of a CSV file whose rows pyarrow numbers like the row reader, and whether
    it holds any carriage return; None for another file."""
    try:
        with open(path, "rb") as raw:
            if os.fstat(raw.fileno()).st_size == 0:
                return None
            with mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ) as data:
                returns = data.find(b"\r") >= 0
                if data.find(b"\x00") >= 0 or _blank_line_between_rows(data, returns):
                    return None  # the row reader refuses NUL bytes, and numbers blank lines
            raw.seek(0)
            stream = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
            reader = csv.reader(stream)
            header = [name.strip() for name in next(reader, [])]
            if reader.line_num != 1 or header_problem(header):
                return None  # a header over several lines, or a problem the row reader reports
            return header, returns
    except (OSError, UnicodeDecodeError, csv.Error, ValueError):
        return None  # the row reader says what is wrong


def _blank_line_between_rows(data: mmap.mmap, returns: bool) -> bool:
    """Whether a blank line stands outside quotes (an even number of `"` before it), other than at the
    end of the file; blank lines inside a quoted text are line breaks of that text."""
    end = len(data)
    while end and data[end - 1 : end] in (b"\n", b"\r"):
        end -= 1
    for pattern in _BLANK_LINES if returns else _BLANK_LINES[:1]:
        position, quotes, counted = data.find(pattern, 0, end), 0, 0
        while position >= 0:
            quotes += data[counted:position].count(b'"')
            counted = position
            if quotes % 2 == 0:
                return True
            position = data.find(pattern, position + 1, end)
    return False


def _csv_batches(
    path: PathLike, header: list[str], returns: bool, columns: set[str] | None, rows: int
) -> Iterator[Item]:
    label = os.fspath(path)
    wanted = header if columns is None else [name for name in header if name in columns]
    options = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    read = pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=_BLOCK_BYTES)
    parse = pacsv.ParseOptions(newlines_in_values=True)
    done, line = 0, 1  # rows handed out; the line the last of them ended on (the header is line 1)
    try:
        with pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=options) as reader:
            for batch in reader:
                for start in range(0, batch.num_rows, rows):
                    table = pa.Table.from_batches([_own_buffers(batch.slice(start, rows))])
                    numbers, line = _line_numbers(table, line, returns)  # any column may hold breaks
                    done += len(table)
                    yield ColumnBatch(label, numbers, table.select(wanted))
    except (pa.ArrowException, OSError):
        # the row reader takes over after the rows already handed out, and reports what pyarrow refused
        rest = raw_rows(path)
        for _ in range(done):
            next(rest)
        yield from rest


def _own_buffers(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A slice of a record batch copied into buffers of its own. pyarrow pickles a slice with its parent's
    whole buffers: a 2,048-row slice of an 8 MB CSV block shipped all 8 MB to a worker (measured: 419 MB
    pickled for 100,000 rows, 25 MB copied), piped and unpickled for nothing."""
    return pa.RecordBatch.from_arrays(
        [pa.concat_arrays([column]) for column in batch.columns], schema=batch.schema
    )


def _line_numbers(table: pa.Table, line: int, returns: bool) -> tuple[np.ndarray, int]:
    """The line each row starts on, given the line the previous row ended on: one line per row plus the
    line breaks inside its cells (`\\r\\n`, `\\n` or `\\r`, as Python's csv module counts them)."""
    breaks = np.zeros(len(table), dtype=np.int64)
    for column in table.columns:
        found = pc.match_substring(column, "\n")
        if returns:
            found = pc.or_(found, pc.match_substring(column, "\r"))
        rows = np.flatnonzero(found.to_numpy(zero_copy_only=False))
        if len(rows):
            for i, cell in zip(rows.tolist(), column.take(pa.array(rows)).to_pylist(), strict=True):
                breaks[i] += cell.count("\n") + cell.count("\r") - cell.count("\r\n")
    ends = line + np.cumsum(1 + breaks)
    starts = ends - breaks
    return starts.astype(np.int64), int(ends[-1]) if len(ends) else line
