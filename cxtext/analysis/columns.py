"""Arrow column batches into a `FrameBuilder` without a `Record` per row: the fast way in for `drivers`.

The data contract's checks depend only on a row's label cells (given labels, scores, `pred_*` labels),
and real files repeat a few hundred combinations of them across millions of rows. So each combination is
checked and coded once, with the contract's own `record_from_row` and the builder's own `_label_row`, and
rows take their codes by index; texts, ids, dates, segments and the per-row probabilities of a scored file
are converted as whole columns. A bad row is checked again on its own, by `parse_row`, so its message is
the one the row reader gives. The frame equals the one built from the same rows as Records.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxtext.analysis.frame import (
    _PRED_LABELS,
    _ROW,
    ABSENT,
    MISSING_LEVEL,
    NONE,
    PRED_COLUMNS,
    PREDICTED,
    FrameBuilder,
    _getter,
    _parse_confidence,
    _parse_date,
    _parse_probability,
)
from cxtext.io.records import RowError, parse_row
from cxtext.schema import COLUMNS, Record, SchemaError, record_from_row
from cxtext.taxonomy import Taxonomy

# The cells a row's label codes depend on: the contract's label columns and the `pred_*` labels.
KEY_COLUMNS: tuple[str, ...] = (
    *(column for column in COLUMNS if column not in ("id", "text")),
    *(f"pred_{column}" for column in _PRED_LABELS),
)
# Characters Python's `str.strip` removes (`str.isspace`), as an RE2 class: a text of only these is blank.
_SPACE = (
    r"\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
)
# Probability cells pyarrow parses exactly as Python's `float` does (no spaces, words or underscores).
_NUMBER = r"[0-9.eE+\-]+"
_CONFIDENCES = rf"^(?:[A-Za-z0-9_\-]+:{_NUMBER}(?:;[A-Za-z0-9_\-]+:{_NUMBER})*)?$"


_CACHE_LIMIT = 200_000  # label combinations kept; emptied beyond that


@dataclass(slots=True)
class Converted:
    """What became of a batch: its bad rows in order, and the row numbers and ids ("" = none) of the
    rows added to the builder, in order."""

    errors: list[RowError]
    numbers: np.ndarray
    ids: np.ndarray


class Unsupported(Exception):
    """The batch has a column this converter does not handle (a list, a struct, a float id): read its
    rows as Records instead."""


class ColumnConverter:
    """Adds column batches to `builder`; keeps the checked label combinations across batches."""

    def __init__(self, builder: FrameBuilder) -> None:
        self.builder = builder
        # label cells → the Record they make (None: they break the contract) and, once a good row used
        # them, their codes
        self._records: dict[tuple, Record | None] = {}
        self._rows: dict[tuple, tuple[float, ...]] = {}

    def add(self, label: str, numbers: np.ndarray, table: pa.Table) -> Converted:
        """Convert one batch (raises `Unsupported` before touching the builder)."""
        names = table.column_names
        text = _string_column(table, "text")
        ids = _ids(table)
        keys, inverse, records = self._combinations(table, [c for c in KEY_COLUMNS if c in names])
        for column in (self.builder.date_column, *self.builder.segment_names):
            if column in ("id", "text"):
                raise Unsupported(column)
        blank = pc.fill_null(pc.match_substring_regex(text, f"^[{_SPACE}]*$"), True)
        bad = (
            blank.to_numpy(zero_copy_only=False) | np.array([r is None for r in records], dtype=bool)[inverse]
        )
        errors = [
            _error(label, int(numbers[i]), table, i, self.builder.taxonomy)
            for i in np.flatnonzero(bad).tolist()
        ]
        good = np.flatnonzero(~bad)
        table, inverse = table.take(pa.array(good)), inverse[good]
        rows, bad_pred = self._label_rows(keys, records, inverse, _scored(names))
        chunk = self._chunk(table, rows, inverse, records, bad_pred)
        chunk["id"] = ids[good] if ids is not None else np.full(len(good), "", dtype=object)
        self.builder._chunks.append(chunk)
        return Converted(errors, numbers[good], chunk["id"])

    # -- label combinations -------------------------------------------------------------------------------
    def _combinations(self, table: pa.Table, columns: list[str]) -> tuple[list[tuple], np.ndarray, list]:
        """The distinct label cells of the batch (as tuples of (column, value)), each row's index into
        them, and the Record each makes (None when it breaks the contract)."""
        code = np.zeros(table.num_rows, dtype=np.int64)
        bound = 1
        values: list[list] = []
        indices: list[np.ndarray] = []
        for column in columns:
            try:
                encoded = table.column(column).combine_chunks().dictionary_encode()
            except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
                raise Unsupported(column) from None
            levels = [*encoded.dictionary.to_pylist(), None]
            index = encoded.indices.fill_null(len(levels) - 1).to_numpy(zero_copy_only=False).astype(np.int64)
            if bound * len(levels) > 2**48:
                code = np.unique(code, return_inverse=True)[1].astype(np.int64)
                bound = int(code.max(initial=0)) + 1
            code = code * len(levels) + index
            bound *= len(levels)
            values.append(levels)
            indices.append(index)
        _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
        keys = [
            tuple(
                (column, levels[index[i]])
                for column, levels, index in zip(columns, values, indices, strict=True)
            )
            for i in first.tolist()
        ]
        records = [self._record(key) for key in keys]
        return keys, inverse.reshape(-1), records

    def _record(self, key: tuple) -> Record | None:
        if key not in self._records:
            if len(self._records) >= _CACHE_LIMIT:
                self._records.clear()
                self._rows.clear()
            try:
                self._records[key] = record_from_row({"text": "-", **dict(key)}, self.builder.taxonomy)
            except SchemaError:
                self._records[key] = None
        return self._records[key]

    def _label_rows(
        self, keys: list[tuple], records: list, inverse: np.ndarray, scored: bool
    ) -> tuple[np.ndarray, list[str | None]]:
        """Per combination, its codes (`_ROW`, driver states, confidences), made in order of first
        appearance as the builder makes them (its level codes are given out in that order), and the
        `pred_*` column at fault when its prediction cells are unreadable."""
        builder = self.builder
        k = len(builder.drivers)
        table = np.zeros((len(keys), len(_ROW) + 2 * k), dtype=np.float64)
        bad_pred: list[str | None] = [None] * len(keys)
        for combination in _first_appearance(inverse, len(keys)).tolist():
            key, record = keys[combination], records[combination]
            pred_key = (
                tuple(record.extra.get(f"pred_{column}") for column in _PRED_LABELS) if scored else None
            )
            row = self._rows.get(key)
            if row is None:
                row = self._rows[key] = builder._label_row(record, builder._pred_labels(pred_key))
            table[combination] = row
            if pred_key is not None and isinstance(builder._pred_cache[pred_key], str):
                bad_pred[combination] = builder._pred_cache[pred_key]
        return table, bad_pred

    # -- the columns of the good rows ---------------------------------------------------------------------
    def _chunk(
        self, table: pa.Table, rows: np.ndarray, inverse: np.ndarray, records: list, bad_pred: list
    ) -> dict[str, np.ndarray]:
        builder = self.builder
        k = len(builder.drivers)
        codes = rows[inverse]
        chunk = {name: codes[:, i].astype(dtype) for i, (name, dtype) in enumerate(_ROW.items())}
        chunk["state"] = codes[:, len(_ROW) : len(_ROW) + k].astype(np.int8)
        chunk["confidence"] = codes[:, len(_ROW) + k :].astype(np.float32)
        chunk["date"] = self._dates(table, inverse, records)
        chunk["text"] = table.column("text").to_numpy(zero_copy_only=False)
        for name in builder.segment_names:
            values, index = self._cells(table, name, inverse, records)
            order = _first_appearance(index, len(values))
            levels = builder._levels[f"segment:{name}"]
            mapping = np.zeros(len(values), dtype=np.int32)
            for i in order.tolist():
                mapping[i] = levels.setdefault(values[i] or MISSING_LEVEL, len(levels))
            chunk[f"segment:{name}"] = mapping[index]
        if _scored(table.column_names):
            for combination, count in enumerate(np.bincount(inverse, minlength=len(bad_pred)).tolist()):
                if bad_pred[combination] is not None:
                    _count(builder, bad_pred[combination], count)
            self._probabilities(chunk, table)
        return chunk

    def _cells(
        self, table: pa.Table, column: str, inverse: np.ndarray, records: list
    ) -> tuple[list[str], np.ndarray]:
        """A date or segment column as the builder reads it (stripped text; "" when absent) per row: the
        distinct values and each row's index into them."""
        if column in Record.__slots__ and column != "extra":
            get = _getter(column)
            return [get(record) if record is not None else "" for record in records], inverse
        if column not in table.column_names:
            return [""], np.zeros(table.num_rows, dtype=np.intp)
        try:
            encoded = table.column(column).combine_chunks().dictionary_encode()
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError):
            raise Unsupported(column) from None
        values = [_extra_text(value).strip() for value in encoded.dictionary.to_pylist()] + [""]
        index = encoded.indices.fill_null(len(values) - 1).to_numpy(zero_copy_only=False).astype(np.intp)
        return values, index

    def _dates(self, table: pa.Table, inverse: np.ndarray, records: list) -> np.ndarray:
        builder = self.builder
        if builder.date_column is None:
            return np.full(table.num_rows, np.datetime64("NaT"), dtype="datetime64[D]")
        values, index = self._cells(table, builder.date_column, inverse, records)
        days = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[D]")
        counts = np.bincount(index, minlength=len(values))
        for i in _first_appearance(index, len(values)).tolist():
            value = values[i]
            if not value:
                continue
            builder._dates_seen += int(counts[i])
            day = value[:10]
            parsed = builder._date_cache.get(day)
            if parsed is None:
                parsed = builder._date_cache[day] = _parse_date(day)
            days[i] = parsed
            if np.isnat(parsed):
                builder._bad_dates[value] = builder._bad_dates.get(value, 0) + int(counts[i])
        return days[index]

    def _probabilities(self, chunk: dict[str, np.ndarray], table: pa.Table) -> None:
        """A scored file's churn probabilities and driver confidences: `FrameBuilder._add_probabilities`
        for whole columns."""
        builder = self.builder
        n = table.num_rows
        churn, bad = _probability_column(table, n)
        _count(builder, "churn_probability", int(bad.sum()))
        take = (chunk["churn_source"] == NONE) & ~np.isnan(churn) & ~bad
        chunk["churn"][take] = churn[take]
        chunk["churn_source"][take] = PREDICTED
        predicted = np.flatnonzero(chunk["drivers_source"] == PREDICTED)
        if not len(predicted):
            return
        confidence, bad = _confidence_column(table, predicted, builder.drivers)
        _count(builder, "pred_driver_confidence", int(bad.sum()))
        mentioned = chunk["state"][predicted] != ABSENT
        block = chunk["confidence"][predicted]
        block[mentioned] = confidence[mentioned]
        chunk["confidence"][predicted] = block


def _scored(names: list[str]) -> bool:
    return not set(names).isdisjoint(PRED_COLUMNS)


def _count(builder: FrameBuilder, column: str, bad: int) -> None:
    if bad:
        builder._bad_pred[column] = builder._bad_pred.get(column, 0) + bad


def _string_column(table: pa.Table, name: str) -> pa.Array:
    column = table.column(name).combine_chunks()
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        raise Unsupported(name)
    return column


def _ids(table: pa.Table) -> np.ndarray | None:
    """The stripped ids ("" = none); None without an id column. Text and integer ids are all the contract
    takes: another type is `Unsupported` (the row path reports every such row)."""
    if "id" not in table.column_names:
        return None
    column = table.column("id").combine_chunks()
    if pa.types.is_integer(column.type):
        column = column.cast(pa.string())
    elif not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        raise Unsupported("id")
    values = column.fill_null("").to_numpy(zero_copy_only=False)
    padded = np.flatnonzero(
        pc.match_substring_regex(column, f"^[{_SPACE}]|[{_SPACE}]$")
        .fill_null(False)
        .to_numpy(zero_copy_only=False)
    )
    for i in padded.tolist():
        values[i] = values[i].strip()
    return values


def _first_appearance(index: np.ndarray, size: int) -> np.ndarray:
    """The values 0..size-1 that occur in `index`, in order of their first occurrence."""
    present, first = np.unique(index, return_index=True)
    return present[np.argsort(first)]


def _extra_text(value: object) -> str:
    """An extra cell as the loader keeps it (`cxtext.schema._extra_value`)."""
    if isinstance(value, str):
        return value
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def _probability_column(table: pa.Table, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`churn_probability` per row (NaN when empty) and which rows hold something else than a number in
    [0, 1] (`_parse_probability`)."""
    if "churn_probability" not in table.column_names:
        return np.full(n, math.nan), np.zeros(n, dtype=bool)
    column = table.column("churn_probability").combine_chunks()
    if pa.types.is_floating(column.type):
        values = column.fill_null(math.nan).to_numpy(zero_copy_only=False).astype(np.float64)
        given = ~column.is_null().to_numpy(zero_copy_only=False)
        bad = given & ~((values >= 0.0) & (values <= 1.0))  # a stored NaN is no probability
        return values, bad
    if (
        pa.types.is_string(column.type)
        and pc.all(pc.match_substring_regex(column.fill_null(""), f"^(?:{_NUMBER})?$")).as_py()
    ):
        empty = pc.equal(column.fill_null(""), "")
        try:
            values = pc.cast(pc.if_else(empty, "0", column.fill_null("0")), pa.float64()).to_numpy()
        except pa.ArrowInvalid:
            pass  # e.g. "1e": Python's reading below says it is no number
        else:
            values = np.where(empty.to_numpy(zero_copy_only=False), math.nan, values)
            bad = ~np.isnan(values) & ~((values >= 0.0) & (values <= 1.0))
            return values, bad
    parsed = [_parse_probability(_extra_text(value)) for value in column.to_pylist()]
    bad = np.array([p is None for p in parsed], dtype=bool)
    return np.array([math.nan if p is None else p for p in parsed], dtype=np.float64), bad


def _confidence_column(
    table: pa.Table, rows: np.ndarray, drivers: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """`pred_driver_confidence` of `rows` as an (len(rows), K) array (NaN: driver not listed) and which of
    them are unreadable (`_parse_confidence` gives None: all NaN)."""
    out = np.full((len(rows), len(drivers)), math.nan, dtype=np.float32)
    bad = np.zeros(len(rows), dtype=bool)
    if "pred_driver_confidence" not in table.column_names:
        return out, bad
    column = table.column("pred_driver_confidence").combine_chunks().take(pa.array(rows))
    if not pa.types.is_string(column.type):
        column = pa.array([_extra_text(value) for value in column.to_pylist()], pa.string())
    column = column.fill_null("")
    plain = pc.match_substring_regex(column, _CONFIDENCES).to_numpy(zero_copy_only=False)
    empty = pc.equal(column, "").to_numpy(zero_copy_only=False)  # no driver: nothing to read
    slow = np.flatnonzero(~plain)
    fast = np.flatnonzero(plain & ~empty)
    parts = pc.split_pattern(column.take(pa.array(fast)), ";")
    flat = pc.split_pattern(parts.flatten(), ":", max_splits=1)
    owner = fast[pc.list_parent_indices(parts).to_numpy()]
    try:
        numbers = pc.cast(pc.list_element(flat, 1), pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:  # a cell such as "price:1e": Python's reading decides
        slow, fast, owner, numbers = np.arange(len(rows)), fast[:0], owner[:0], np.zeros(0)
    else:
        out_of_range = ~((numbers >= 0.0) & (numbers <= 1.0))
        bad[owner[out_of_range]] = True
    position = {name: j for j, name in enumerate(drivers)}
    names = pc.list_element(flat, 0).to_pylist() if len(owner) else []
    column_of = np.array([position.get(name, -1) for name in names], dtype=np.intp)
    known = column_of >= 0
    out[owner[known], column_of[known]] = numbers[known]  # a name listed twice: the last one counts
    out[bad] = math.nan
    for i in slow.tolist():
        parsed = _parse_confidence(column[i].as_py())
        out[i] = math.nan
        if parsed is None:
            bad[i] = True
            continue
        for name, value in parsed.items():
            if name in position:
                out[i, position[name]] = value
    return out, bad


def row_items(numbers: np.ndarray, table: pa.Table) -> list[tuple[int, dict[str, object]]]:
    """A batch as (row number, cells) items for the row path."""
    return list(zip(numbers.tolist(), table.to_pylist(), strict=True))


def _error(label: str, number: int, table: pa.Table, i: int, taxonomy: Taxonomy) -> RowError:
    found = parse_row(label, number, table.slice(i, 1).to_pylist()[0], taxonomy)
    assert isinstance(found, RowError), "a row the column checks refused passes the row checks"
    return found
