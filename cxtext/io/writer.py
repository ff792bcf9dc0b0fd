"""Streaming output of rows (CSV, JSON Lines, Parquet by extension) that never poses as complete early.

Rows go to `.partial-NAME` beside the destination, which is renamed into place only when every row is
written: an interrupted or failed run leaves no file under the destination's name (and removes its
partial file), so a reader never takes half an output for the whole.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from cxtext.io.formats import UNSUPPORTED, PathLike, file_format, open_binary
from cxtext.schema import COLUMNS

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


class RowWriter:
    """`with RowWriter(path, columns) as out: out.write(rows)`; `integers` are Parquet columns kept integral."""

    def __init__(self, path: PathLike, columns: Sequence[str], *, integers: set[str] = frozenset()) -> None:
        self.format = file_format(path)
        if self.format is None:
            raise ValueError(f"{path}: {UNSUPPORTED}")
        self.target = Path(path)
        self.partial = self.target.with_name(f".partial-{self.target.name}")  # same suffix, same format
        self.columns = list(columns)
        self.integers = integers
        self.rows = 0

    def __enter__(self) -> RowWriter:
        if self.format == "parquet":
            from cxtext.io.parquet import ParquetWriter

            self._parquet = ParquetWriter(self.partial, self.columns, self.integers)
        else:
            raw = open_binary(self.partial, "wb")
            self._stream = io.TextIOWrapper(raw, encoding="utf-8", errors="surrogateescape", newline="")
            if self.format == "csv":
                self._csv = csv.DictWriter(
                    self._stream, fieldnames=self.columns, restval="", lineterminator="\n"
                )
                self._csv.writeheader()
        return self

    def write(self, rows: Sequence[Mapping[str, str]]) -> None:
        """Append rows (cells by column; a missing cell is empty)."""
        if self.format == "parquet":
            self._parquet.write(rows)
        elif self.format == "csv":
            self._csv.writerows(rows)
        else:
            self._stream.writelines(json.dumps(json_cells(row), ensure_ascii=False) + "\n" for row in rows)
        self.rows += len(rows)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.format == "parquet":
                self._parquet.close()
            else:
                self._stream.close()
            if kind is None:
                self.partial.replace(self.target)
        finally:
            self.partial.unlink(missing_ok=True)
