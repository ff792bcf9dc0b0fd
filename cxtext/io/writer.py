"""Streaming output of rows (CSV, JSON Lines, Parquet by extension) that never poses as complete early.

Rows go to `.partial-NAME` beside the destination, which is renamed into place only when every row is
written: an interrupted or failed run leaves no file under the destination's name (and removes its
partial file), so a reader never takes half an output for the whole.

Rendering rows in the output format (`RowRenderer`) is apart from appending them (`RowWriter`): batch
workers render their own chunks in parallel, and the one process that owns the file only appends, so it
does not hold the workers back.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from itertools import accumulate, compress, pairwise
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from cxtext.io.formats import UNSUPPORTED, PathLike, file_format, open_binary
from cxtext.schema import COLUMNS

if TYPE_CHECKING:
    import pyarrow as pa

# Data-contract columns whose empty cell means "no value" (null in JSON Lines); `text` is never empty.
LABEL_COLUMNS = tuple(column for column in COLUMNS if column != "text")


def json_cells(row: Mapping[str, str]) -> dict[str, object]:
    """A row for JSON Lines with the types a JSON reader expects: numbers as numbers (a score `9` stays
    `9`), churn as a boolean, an empty label cell as null (what the loader reads as empty)."""
    typed: dict[str, object] = dict(row)
    for column in ("score", "churn_probability"):
        if row.get(column):
            number = float(row[column])
            typed[column] = int(number) if number.is_integer() and column == "score" else number
    if row.get("churn") in ("0", "1"):
        typed["churn"] = row["churn"] == "1"
    for column in LABEL_COLUMNS:
        if row.get(column) == "":
            typed[column] = None
    return typed


class RowRenderer:
    """Rows of text cells in an output format: CSV and JSON Lines as one string per row, Parquet as one
    typed record batch (`cxtext.io.parquet.record_batch`). Picklable, so a worker can render its chunk."""

    def __init__(self, fmt: str, columns: Sequence[str], integers: set[str] = frozenset()) -> None:
        self.format = fmt
        self.columns = list(columns)
        if fmt == "parquet":
            from cxtext.io.parquet import output_schema

            self.schema = output_schema(self.columns, integers)

    def render(self, rows: Sequence[Mapping[str, str]]) -> list[str] | pa.RecordBatch:
        """`rows` rendered, in order (a missing cell is empty)."""
        if self.format == "parquet":
            from cxtext.io.parquet import record_batch

            return record_batch(rows, self.schema)
        if self.format == "jsonl":
            return [json.dumps(json_cells(row), ensure_ascii=False) + "\n" for row in rows]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")  # writerow returns the characters it wrote
        ends = list(accumulate(writer.writerow([row.get(c, "") for c in self.columns]) for row in rows))
        text = buffer.getvalue()
        return [text[start:end] for start, end in pairwise([0, *ends])]


class RowWriter:
    """`with RowWriter(path, columns) as out: out.write(rows)`; `integers` are Parquet columns kept integral.

    `write_rendered` appends rows that `renderer` (or a copy of it in a worker) has already rendered.
    """

    def __init__(self, path: PathLike, columns: Sequence[str], *, integers: set[str] = frozenset()) -> None:
        fmt = file_format(path)
        if fmt is None:
            raise ValueError(f"{path}: {UNSUPPORTED}")
        self.target = Path(path)
        self.partial = self.target.with_name(f".partial-{self.target.name}")  # same suffix, same format
        self.renderer = RowRenderer(fmt, columns, integers)

    def __enter__(self) -> RowWriter:
        if self.renderer.format == "parquet":
            from cxtext.io.parquet import ParquetWriter

            self._parquet = ParquetWriter(self.partial, self.renderer.schema)
        else:
            raw = open_binary(self.partial, "wb")
            self._stream = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
            if self.renderer.format == "csv":
                csv.writer(self._stream, lineterminator="\n").writerow(self.renderer.columns)
        return self

    def write(self, rows: Sequence[Mapping[str, str]]) -> None:
        """Append rows (cells by column; a missing cell is empty)."""
        self.write_rendered(self.renderer.render(rows))

    def write_rendered(self, rendered: Any, keep: Sequence[bool] | None = None) -> None:
        """Append rows as `renderer.render` gave them; with `keep`, only those whose flag is true."""
        if self.renderer.format == "parquet":
            if keep is not None:
                import pyarrow as pa

                rendered = rendered.filter(pa.array(keep, pa.bool_()))
            self._parquet.write(rendered)
        else:
            self._stream.writelines(rendered if keep is None else compress(rendered, keep))

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.renderer.format == "parquet":
                self._parquet.close()
            else:
                self._stream.close()
            if kind is None:
                self.partial.replace(self.target)
        finally:
            self.partial.unlink(missing_ok=True)
