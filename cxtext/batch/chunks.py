"""Input files cut into chunks of raw rows: what the engine's workers parse, classify or convert.

Rows are read (not checked) here, in file order; every chunk holds up to `size` rows and the read errors
met among them, in order. A file that cannot be used at all stops the run with `UnusableInput`.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cxtext.io.formats import PathLike
from cxtext.io.records import Record, RowError, check_id, raw_rows

Item = tuple[int, dict[str, object]] | RowError


class UnusableInput(Exception):
    """A whole input file cannot be read (missing, not Parquet, no `text` column); one line, file first."""


@dataclass(slots=True)
class Chunk:
    label: str
    items: list[Item] = field(default_factory=list)


def expand_inputs(paths: Iterable[PathLike]) -> list[str]:
    """Files named directly, every `*.parquet` file of a directory (a partitioned dataset), or a glob's
    matches, each in sorted order so partitions are read in a stable order."""
    out: list[str] = []
    for path in map(os.fspath, paths):
        if Path(path).is_dir():
            out += sorted(str(p) for p in Path(path).rglob("*.parquet"))
        elif glob.has_magic(path):
            out += sorted(glob.glob(path)) or [path]
        else:
            out.append(path)
    return out


def read_chunks(paths: Sequence[PathLike], size: int) -> Iterator[Chunk]:
    for path in paths:
        chunk = Chunk(os.fspath(path))
        for item in raw_rows(path):
            if isinstance(item, RowError) and item.row is None:
                raise UnusableInput(str(item))
            chunk.items.append(item)
            if len(chunk.items) >= size:
                yield chunk
                chunk = Chunk(chunk.label)
        if chunk.items:
            yield chunk


class IdCheck:
    """Ids unique within each file, as `cxtext.io.records.iter_records` checks them, across chunks that
    were parsed by different workers."""

    def __init__(self) -> None:
        self._seen: dict[str, dict[str, str]] = {}

    def __call__(self, label: str, number: int, record_id: str | None) -> RowError | None:
        if record_id is None:
            return None
        probe = Record(text="", id=record_id)
        found = check_id(label, number, probe, self._seen.setdefault(label, {}))
        return found if isinstance(found, RowError) else None
