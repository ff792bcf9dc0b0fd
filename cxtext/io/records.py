"""The one loader for labelled feedback files (CSV or JSON Lines in the schema of `cxtext.schema`).

Every bad row is reported as `file:row: reason` — rows are never dropped silently. Strict mode stops at
the first bad row (training on half-checked data is worse than not training); lenient mode skips bad
rows and reports each one, with counts per file and per kind of problem.

Row numbers are what a person sees in an editor: for CSV the line on which the row starts, counting the
header as line 1 (so the first data row is 2; a text with line breaks makes later rows start further
down); for JSON Lines the line number. Blank lines are not rows.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cxtext.io.formats import UNSUPPORTED, PathLike, file_format, open_binary
from cxtext.schema import Record, SchemaError, record_from_row, record_to_row
from cxtext.taxonomy import Taxonomy

# Undecodable bytes come through `surrogateescape` as U+DC80..U+DCFF; JSON can also smuggle in lone
# surrogates as \ud800-style escapes. Either cannot be written back as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad row (`row` is None when the whole file is unusable); `kind` is the column at fault or
    one of "id" (duplicate), "encoding", "json", "csv", "file"."""

    file: str
    row: int | None
    reason: str
    kind: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}" if self.row is None else f"{self.file}:{self.row}: {self.reason}"


@dataclass(slots=True)
class FileCounts:
    """Rows read, loaded and skipped in one file; `reasons` counts the errors by kind."""

    read: int = 0
    loaded: int = 0
    skipped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class LoadResult:
    records: list[Record]
    errors: list[RowError]
    counts: dict[str, FileCounts]


@dataclass(slots=True)
class Batch:
    """A slice of a streamed file: up to `batch_size` records and the bad rows met while reading them."""

    records: list[Record]
    errors: list[RowError]


class DataError(ValueError):
    """Raised in strict mode at the first bad row; the message is `file:row: reason`."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(str(errors[-1]))
        self.errors = errors


def load_records(
    paths: PathLike | Iterable[PathLike], *, strict: bool = True, taxonomy: Taxonomy | None = None
) -> LoadResult:
    """All records of `paths` (ids unique across them); `taxonomy` defaults to `Taxonomy.from_env()`."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    taxonomy = taxonomy or Taxonomy.from_env()
    result = LoadResult(records=[], errors=[], counts={})
    seen_ids: dict[str, str] = {}
    for path in paths:
        counts = result.counts.setdefault(str(path), FileCounts())
        for item in _read(path, taxonomy, seen_ids):
            if isinstance(item, Record):
                counts.read += 1
                counts.loaded += 1
                result.records.append(item)
                continue
            if item.row is not None:
                counts.read += 1
                counts.skipped += 1
            counts.reasons[item.kind] = counts.reasons.get(item.kind, 0) + 1
            result.errors.append(item)
            if strict:
                raise DataError(result.errors)
    return result


def iter_records(
    path: PathLike, *, strict: bool = True, taxonomy: Taxonomy | None = None, batch_size: int = 1000
) -> Iterator[Batch]:
    """Stream one file in batches (for files too large to hold in memory); bad rows ride along in
    `Batch.errors` in lenient mode and raise DataError in strict mode."""
    taxonomy = taxonomy or Taxonomy.from_env()
    batch = Batch(records=[], errors=[])
    for item in _read(path, taxonomy, {}):
        if isinstance(item, Record):
            batch.records.append(item)
            if len(batch.records) >= batch_size:
                yield batch
                batch = Batch(records=[], errors=[])
        elif strict:
            raise DataError([item])
        else:
            batch.errors.append(item)
    if batch.records or batch.errors:
        yield batch


def write_records(path: PathLike, records: Iterable[Record], *, taxonomy: Taxonomy | None = None) -> int:
    """Write records in the schema (CSV or JSON Lines by extension, `.gz` compressed); returns the count.

    CSV columns are the schema columns, then every extra column in order of first appearance. The file
    is written next to its destination and moved into place, so readers never see half a file.
    """
    fmt = file_format(path)
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"{path}: {UNSUPPORTED}")
    rows = [record_to_row(record, taxonomy) for record in records]
    target = Path(path)
    partial = target.with_name(f".partial-{target.name}")  # same suffix, so the same format
    with open_binary(partial, "wb") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as out:
        if fmt == "csv":
            header = list(dict.fromkeys(key for row in rows for key in row))
            writer = csv.DictWriter(out, fieldnames=header, restval="", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        else:
            out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    partial.replace(target)
    return len(rows)


def _read(path: PathLike, taxonomy: Taxonomy, seen_ids: dict[str, str]) -> Iterator[Record | RowError]:
    """Records and RowErrors of one file, in file order; registers ids in `seen_ids` (id → file:row)."""
    label = os.fspath(path)
    for item in raw_rows(path):
        if isinstance(item, RowError):
            yield item
            continue
        record = parse_row(label, *item, taxonomy)
        if isinstance(record, Record):
            record = check_id(label, item[0], record, seen_ids)
        yield record


def raw_rows(path: PathLike) -> Iterator[tuple[int, dict[str, object]] | RowError]:
    """(row number, cells) per row of one file, before any check of the cells: what a parallel reader
    hands to its workers. File-level problems (missing, unreadable, no `text` column) are a RowError
    with `row` None; a bad row is a RowError with its number."""
    label = os.fspath(path)
    fmt = file_format(path)
    if fmt is None:
        yield RowError(label, None, UNSUPPORTED, "file")
        return
    if fmt == "parquet":
        from cxtext.io.parquet import parquet_rows  # pyarrow only when a Parquet file is read

        rows = parquet_rows(path, label)
    else:
        rows = _csv_rows(path, label) if fmt == "csv" else _jsonl_rows(path, label)
    try:
        yield from rows
    except FileNotFoundError:
        yield RowError(label, None, "file not found", "file")
    except (OSError, EOFError, zlib.error) as exc:
        yield RowError(label, None, f"cannot read file: {exc}", "file")


def parse_row(label: str, number: int, row: dict[str, object], taxonomy: Taxonomy) -> Record | RowError:
    """One row checked against the data contract (ids are checked across rows by `check_id`)."""
    try:
        return record_from_row(row, taxonomy)
    except SchemaError as exc:
        return RowError(label, number, str(exc), exc.column)


def check_id(label: str, number: int, record: Record, seen_ids: dict[str, str]) -> Record | RowError:
    """The record, or a RowError when its id was seen before (`seen_ids`: id → first file:row)."""
    if record.id is None:
        return record
    where = f"{label}:{number}"
    first = seen_ids.setdefault(record.id, where)
    if first != where:
        return RowError(label, number, f"duplicate id {record.id!r} (first at {first})", "id")
    return record


def _csv_rows(path: PathLike, label: str) -> Iterator[tuple[int, dict[str, str]] | RowError]:
    """(line, cells by column) per data row. Bytes are decoded with `surrogateescape` so a row with
    invalid UTF-8 is reported on its own instead of making the whole file unreadable."""
    with (
        open_binary(path) as raw,
        io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="") as stream,
    ):
        reader = csv.reader(stream)
        line = 0  # last line of the previous row; 0 while the header is read
        try:
            header = [name.strip() for name in next(reader, [])]
            problem = header_problem(header)
            if problem:
                yield RowError(label, None, problem, "file")
                return
            width, line = len(header), reader.line_num
            utf8_seen = not "".join(header).isascii()  # UTF-8 beyond ASCII decoded: the file is UTF-8
            for cells in reader:
                start, line = line + 1, reader.line_num
                if not cells:
                    continue
                if len(cells) != width:
                    yield RowError(label, start, f"row has {len(cells)} fields, header has {width}", "csv")
                    continue
                joined = "".join(cells)
                if _SURROGATE.search(joined):
                    if not utf8_seen:
                        yield not_utf8(label, start, _bad_bytes(header, cells))
                        return
                    yield RowError(label, start, _bad_bytes(header, cells), "encoding")
                    continue
                utf8_seen = utf8_seen or not joined.isascii()
                yield start, dict(zip(header, cells, strict=True))
        except csv.Error as exc:
            if line == 0:
                yield RowError(label, None, f"malformed CSV header: {exc}", "file")
            else:
                yield RowError(label, line + 1, f"malformed CSV, rest of file not read: {exc}", "csv")


def header_problem(header: list[str]) -> str | None:
    if not header:
        return "empty file (no header row)"
    if _SURROGATE.search("".join(header)):
        return f"invalid UTF-8 in the header row (line 1); {RESAVE}"
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        return f"duplicate column {duplicates[0]!r} in the header row"
    if "text" not in header:
        return f"no 'text' column in the header row (found: {', '.join(header)})"
    return None


RESAVE = "re-save as UTF-8 (e.g. Excel: Save As, CSV UTF-8)"


def not_utf8(label: str, line: int, detail: str) -> RowError:
    """The whole file is refused when its first non-ASCII text is not UTF-8: it was saved in another
    encoding (Windows-1256 Persian from Excel, Latin-1), and every row would fail the same way. A stray
    bad byte after valid UTF-8 text stays an error of its row."""
    return RowError(label, None, f"not UTF-8 text: line {line}: {detail}; {RESAVE}", "file")


def _bad_bytes(header: list[str], cells: list[str]) -> str:
    for column, cell in zip(header, cells, strict=True):
        found = _SURROGATE.search(cell)
        if found:
            return f"invalid UTF-8 in column {column!r} (byte 0x{ord(found.group()) - 0xDC00:02x})"
    raise AssertionError("called for a row without undecodable bytes")


def _jsonl_rows(path: PathLike, label: str) -> Iterator[tuple[int, dict[str, object]] | RowError]:
    """(line, object) per non-blank line; each line is decoded on its own, so one bad line is one error."""
    with open_binary(path) as raw:
        utf8_seen = False
        for number, line in enumerate(raw, start=1):
            line = line.rstrip(b"\r\n")
            if number == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if not line.strip():
                continue
            try:
                decoded = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                reason = f"invalid UTF-8 (byte 0x{line[exc.start]:02x} at offset {exc.start})"
                if not utf8_seen:
                    yield not_utf8(label, number, reason)
                    return
                yield RowError(label, number, reason, "encoding")
                continue
            utf8_seen = utf8_seen or not line.isascii()
            try:
                obj = json.loads(decoded)
            except json.JSONDecodeError as exc:
                yield RowError(label, number, f"malformed JSON: {exc.msg} (column {exc.colno})", "json")
                continue
            if not isinstance(obj, dict):
                reason = f"expected one JSON object per line, got {type(obj).__name__}"
                yield RowError(label, number, reason, "json")
                continue
            if _JSON_SURROGATE_ESCAPE.search(line) and _SURROGATE.search(json.dumps(obj, ensure_ascii=False)):
                yield RowError(label, number, "lone surrogate escape (not valid Unicode text)", "encoding")
                continue
            yield number, obj
