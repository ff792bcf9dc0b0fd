"""Which format a path holds (by its extension) and how to open it: one place for every reader and writer."""

from __future__ import annotations

import gzip
import os
from typing import IO

PathLike = str | os.PathLike[str]

FORMATS = ("csv", "jsonl", "parquet")
UNSUPPORTED = "unsupported file type (expected .csv, .jsonl, .ndjson, .json, optionally .gz, or .parquet)"


def file_format(path: PathLike) -> str | None:
    """ "csv", "jsonl" or "parquet" by extension (CSV and JSON Lines may be gzipped); None otherwise."""
    name = os.fspath(path).lower()
    if name.endswith((".parquet", ".parq")):
        return "parquet"
    name = name.removesuffix(".gz")
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl"
    return None


def open_binary(path: PathLike, mode: str = "rb") -> IO[bytes]:
    """`path` opened in binary mode, through gzip when its name ends in `.gz`; the caller closes it."""
    if os.fspath(path).lower().endswith(".gz"):
        return gzip.open(path, mode)  # type: ignore[return-value]
    return open(path, mode)
