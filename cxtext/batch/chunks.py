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

import numpy as np

from cxtext.io.columns import ColumnBatch, ParquetPiece, column_batches
from cxtext.io.formats import PathLike
from cxtext.io.records import RowError, raw_rows

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


def _chunked(path: PathLike, items: Iterable, size: int) -> Iterator[Chunk | ColumnBatch | ParquetPiece]:
    """A file's row items in chunks of `size`; column batches and Parquet pieces pass through as they are."""
    chunk = Chunk(os.fspath(path))
    for item in items:
        if isinstance(item, ColumnBatch | ParquetPiece):
            yield item
            continue
        if isinstance(item, RowError) and item.row is None:
            raise UnusableInput(str(item))
        chunk.items.append(item)
        if len(chunk.items) >= size:
            yield chunk
            chunk = Chunk(chunk.label)
    if chunk.items:
        yield chunk


def read_chunks(paths: Sequence[PathLike], size: int) -> Iterator[Chunk]:
    for path in paths:
        yield from _chunked(path, raw_rows(path), size)


def read_batches(
    paths: Sequence[PathLike], size: int, columns: set[str] | None, *, pieces: bool = True
) -> Iterator[Chunk | ColumnBatch | ParquetPiece]:
    """Like `read_chunks`, but CSV files come as Arrow batches of the given `columns` (None: all) and
    Parquet files as their row groups, read by the worker that converts them, or with `pieces` False as
    batches of `size` rows (see `cxtext.io.columns`); rows the column reader leaves to the row reader come
    as chunks. Arrow batches cost the reading process a fraction of what rows do, and ship as buffers."""
    for path in paths:
        batches = column_batches(path, columns, size, pieces=pieces)
        yield from _chunked(path, raw_rows(path) if batches is None else batches, size)


class IdCheck:
    """Ids unique within each file, as `cxtext.io.records.iter_records` checks them, across chunks that
    were parsed by different workers."""

    def __init__(self) -> None:
        self._seen: dict[str, dict[str, int]] = {}  # file → id → the row it was first seen on

    def __call__(self, label: str, number: int, record_id: str | None) -> RowError | None:
        if not record_id:
            return None
        first = self._seen.setdefault(label, {}).setdefault(record_id, number)
        if first == number:
            return None
        return duplicate_id(label, number, record_id, first)


def duplicate_id(label: str, number: int, record_id: str, first: int) -> RowError:
    return RowError(label, number, f"duplicate id {record_id!r} (first at {label}:{first})", "id")


class DigestCheck:
    """Ids unique within each file, checked on 64-bit digests (`cxtext.batch.frames.id_digests`, 0 = no
    id) batch by batch: ten million ids take 160 MB instead of the gigabytes a set of strings would.
    Per file, sorted runs of digests with the row each was first seen on, merged as they grow, so a
    batch is looked up in a few binary searches."""

    def __init__(self) -> None:
        self._runs: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}  # file → [(digests, rows)]

    def many(self, label: str, numbers: np.ndarray, digests: np.ndarray) -> list[tuple[int, int]]:
        """(position, first row) of every row of a batch whose id was seen before, in position order."""
        runs = self._runs.setdefault(label, [])
        first = np.full(len(digests), -1, dtype=np.int64)
        for keys, rows in runs:
            if not len(keys):
                continue
            at = np.minimum(np.searchsorted(keys, digests), len(keys) - 1)
            first = np.where((first < 0) & (keys[at] == digests), rows[at], first)
        order = np.argsort(digests, kind="stable")
        ranked = digests[order]
        starts = np.concatenate([[True], ranked[1:] != ranked[:-1]]) if len(ranked) else np.zeros(0, bool)
        run_start = np.maximum.accumulate(np.where(starts, np.arange(len(ranked)), 0))
        repeat = np.zeros(len(digests), dtype=bool)
        repeat[order] = ~starts
        within = np.empty(len(digests), dtype=np.int64)
        within[order] = numbers[order[run_start]]
        first = np.where((first < 0) & repeat, within, first)
        first[digests == 0] = -1
        new = (first < 0) & ~repeat & (digests != 0)
        runs.append((digests[new], numbers[new].astype(np.int64)))
        self._merge(runs)
        return [(int(i), int(first[i])) for i in np.flatnonzero(first >= 0)]

    @staticmethod
    def _merge(runs: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Sort the newest run in and merge runs of similar size (as a binary counter carries)."""
        keys, rows = runs.pop()
        while runs and len(runs[-1][0]) <= 2 * len(keys):
            older_keys, older_rows = runs.pop()
            keys, rows = np.concatenate([older_keys, keys]), np.concatenate([older_rows, rows])
        order = np.argsort(keys, kind="stable")
        runs.append((keys[order], rows[order]))
