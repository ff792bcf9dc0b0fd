"""Columnar feedback for analysis: one numpy array per column, one row per record.

Why columnar: NPS, impact and key-driver weights depend only on counts, so with categories as small ints
and every driver's mention and polarity as one int8 "state" per (record, driver), each statistic is a few
vectorised reductions. A million `Record` objects, by contrast, cost about a gigabyte and a Python loop
per statistic. Records are converted batch by batch (`FrameBuilder`), so a file is never held as Records.

Where a value comes from is kept per row (`SOURCES`): a category read from a score, a given label, or a
prediction (a `pred_*` column written by `cxtext score`, or `cxtext.analysis.predict`). Given labels always
win over predictions; predictions only fill what is missing.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from cxtext.schema import NPS_CATEGORIES, POLARITIES, SENTIMENTS, Record, SchemaError, record_from_row
from cxtext.scores import nps_category_from_score
from cxtext.taxonomy import Taxonomy

if TYPE_CHECKING:
    from cxtext.model import Prediction

# A driver's state in one record: not mentioned, mentioned without a known polarity, or its polarity.
STATES: tuple[str, ...] = ("absent", "unknown", *POLARITIES)
ABSENT, UNKNOWN = 0, 1
STATE_CODE = {name: code for code, name in enumerate(STATES)}

# Where a row's value came from; "score" only applies to the NPS category.
SOURCES: tuple[str, ...] = ("none", "score", "label", "predicted")
NONE, SCORE, LABEL, PREDICTED = range(4)

SENTIMENT_CODE = {name: code for code, name in enumerate(SENTIMENTS)}
CATEGORY_CODE = {name: code for code, name in enumerate(NPS_CATEGORIES)}
DETRACTOR, PASSIVE, PROMOTER = (CATEGORY_CODE[c] for c in ("detractor", "passive", "promoter"))

# Columns `cxtext score` adds; read back as predictions so `score` then `drivers` needs no second model run.
PRED_COLUMNS: tuple[str, ...] = (
    "pred_lang",
    "pred_sentiment",
    "pred_drivers",
    "pred_driver_sentiment",
    "pred_driver_confidence",
    "pred_nps_category",
    "churn_probability",
    "churn_band",
)


# The `pred_*` columns of each model head: left out of a scored file when the head is untrained, so that an
# empty column never reads as "predicted: nothing".
_HEAD_COLUMNS = {
    "sentiment": ("pred_sentiment",),
    "drivers": ("pred_drivers", "pred_driver_sentiment", "pred_driver_confidence"),
    "driver_sentiment": ("pred_driver_sentiment",),
    "nps_category": ("pred_nps_category",),
}
_PRED_LABELS = ("sentiment", "drivers", "driver_sentiment", "nps_category")
MISSING_LEVEL = "(missing)"
# Dates before this year are almost certainly Jalali (1403-02-15), which would silently land in the
# Middle Ages if read as Gregorian; they are rejected instead. Dates after MAX_YEAR are typos (9999-12-31),
# and a daily trend from today to one of them would be millions of periods: rejected too.
MIN_YEAR = 1900
MAX_YEAR = 2099
_ISO_DAY = re.compile(r"\d{4}[-/]\d{2}[-/]\d{2}")


@dataclass(frozen=True, slots=True)
class Categorical:
    """A string column as codes into its distinct values (`levels`), in order of first appearance."""

    codes: np.ndarray  # int32
    levels: tuple[str, ...]

    def take(self, index: np.ndarray) -> Categorical:
        return Categorical(self.codes[index], self.levels)

    def values(self) -> list[str]:
        return [self.levels[code] for code in self.codes]


@dataclass(frozen=True)
class Notes:
    """The counts behind a frame's warnings (unreadable dates and `pred_*` cells): counts, not sentences,
    so that the notes of partitions analysed apart add up to those of the whole."""

    date_column: str | None
    bad_dates: Mapping[str, int] = field(default_factory=dict)
    dates_seen: int = 0
    bad_pred: Mapping[str, int] = field(default_factory=dict)

    def __add__(self, other: Notes) -> Notes:
        return Notes(
            self.date_column,
            _add_counts(self.bad_dates, other.bad_dates),
            self.dates_seen + other.dates_seen,
            _add_counts(self.bad_pred, other.bad_pred),
        )

    def warnings(self) -> list[str]:
        out = []
        if self.bad_dates:
            bad = sum(self.bad_dates.values())
            examples = ", ".join(repr(v) for v in list(self.bad_dates)[:3])
            out.append(
                f"{bad} of {self.dates_seen} values in column {self.date_column!r} are not ISO dates "
                f"(YYYY-MM-DD, Gregorian, {MIN_YEAR} to {MAX_YEAR}) and were left out of trends, e.g. {examples}"
            )
        for column, count in sorted(self.bad_pred.items()):
            out.append(f"{count} cells of column {column!r} could not be read and were ignored")
        return out


def _add_counts(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    """Counts by key, keys in order of first appearance (a's, then b's new ones)."""
    out = dict(a)
    for key, count in b.items():
        out[key] = out.get(key, 0) + count
    return out


@dataclass(frozen=True)
class Frame:
    """Feedback as columns. Codes index `SENTIMENTS`, `NPS_CATEGORIES`, `STATES` and `SOURCES`; -1 = unknown."""

    drivers: tuple[str, ...]
    text: np.ndarray  # object array of str
    id: np.ndarray  # object array of str, "" when the record has none
    lang: Categorical  # "" = not given
    sentiment: np.ndarray  # int8
    sentiment_source: np.ndarray  # int8
    state: np.ndarray  # (n, K) int8
    confidence: np.ndarray  # (n, K) float32: 1 for labels, the model's probability for predictions
    drivers_source: np.ndarray  # int8; NONE = nobody said which drivers the text mentions
    category: np.ndarray  # int8
    category_source: np.ndarray  # int8
    score: np.ndarray  # float64, NaN = none
    scale: Categorical  # "" = no score
    churn: np.ndarray  # float32 probability (a 0/1 label is 0 or 1), NaN = unknown
    churn_source: np.ndarray  # int8
    date: np.ndarray  # datetime64[D], NaT = none
    segments: Mapping[str, Categorical] = field(default_factory=dict)
    notes: Notes = field(default_factory=lambda: Notes(None))

    def __len__(self) -> int:
        return len(self.text)

    @property
    def warnings(self) -> list[str]:
        return self.notes.warnings()

    def take(self, index: np.ndarray) -> Frame:
        """The rows at `index` (any order, repeats allowed): subsets, shuffles and replications."""
        index = np.asarray(index, dtype=np.intp)
        changes: dict[str, object] = {}
        for column in dataclasses.fields(self):
            value = getattr(self, column.name)
            if isinstance(value, np.ndarray | Categorical):
                changes[column.name] = value.take(index) if isinstance(value, Categorical) else value[index]
        changes["segments"] = {name: values.take(index) for name, values in self.segments.items()}
        return dataclasses.replace(self, **changes)


# The per-record numbers a cached label row holds, in order, then K driver states and K confidences.
_ROW: dict[str, type] = {
    "sentiment": np.int8,
    "sentiment_source": np.int8,
    "drivers_source": np.int8,
    "category": np.int8,
    "category_source": np.int8,
    "score": np.float64,
    "scale": np.int32,
    "churn": np.float32,
    "churn_source": np.int8,
    "lang": np.int32,
}
_ROW_CACHE_LIMIT = 200_000  # distinct label combinations kept; the cache is emptied beyond that


@dataclass(slots=True)
class FramePart:
    """Converted rows (column chunks whose codes index `levels`) and the counts behind the warnings."""

    chunks: list[dict[str, np.ndarray]]
    levels: dict[str, tuple[str, ...]]
    bad_dates: dict[str, int]
    dates_seen: int
    bad_pred: dict[str, int]

    def without(self, rows: Sequence[int]) -> FramePart:
        """The part less the given rows (counted across its chunks), e.g. rows whose id was seen before."""
        drop = np.asarray(rows, dtype=np.intp)
        chunks, start = [], 0
        for chunk in self.chunks:
            size = len(chunk["text"])
            local = drop[(drop >= start) & (drop < start + size)] - start
            keep = np.setdiff1d(np.arange(size), local)
            chunks.append({name: values[keep] for name, values in chunk.items()})
            start += size
        return dataclasses.replace(self, chunks=chunks)


class FrameBuilder:
    """Turns batches of Records into a Frame; `date_column` and `segments` name extra (or contract) columns.

    Records that share their label cells share one cached row of codes, so converting a record costs a
    tuple, a dict lookup and a few appends; the contract's rules run once per distinct combination.
    """

    def __init__(
        self,
        taxonomy: Taxonomy | None = None,
        *,
        date_column: str | None = "date",
        segments: Sequence[str] = (),
    ) -> None:
        self.taxonomy = taxonomy or Taxonomy.default()
        self.drivers = self.taxonomy.names
        self.date_column = date_column
        self._date_of = _getter(date_column) if date_column is not None else None
        self.segment_names = tuple(dict.fromkeys(segments))
        self._chunks: list[dict[str, np.ndarray]] = []
        self._levels: dict[str, dict[str, int]] = {
            name: {} for name in ("lang", "scale", *(f"segment:{s}" for s in self.segment_names))
        }
        self._row_cache: dict[tuple, tuple[float, ...]] = {}
        self._pred_cache: dict[tuple, Record | str] = {}  # the parsed cells, or the column at fault
        self._date_cache: dict[str, np.datetime64] = {}
        self._bad_pred: dict[str, int] = {}
        self._bad_dates: dict[str, int] = {}
        self._dates_seen = 0

    def add(self, records: Iterable[Record]) -> None:
        """Convert one batch; only its columns are kept, not the Records."""
        texts: list[str] = []
        ids: list[str] = []
        rows: list[tuple[float, ...]] = []
        scored: list[tuple[int, Mapping[str, str], tuple]] = []  # rows with `pred_*` cells
        dates: list[np.datetime64] = []
        segments = [(_getter(name), self._levels[f"segment:{name}"], []) for name in self.segment_names]
        for record in records:
            texts.append(record.text)
            ids.append(record.id or "")
            extra = record.extra
            pred_key = (
                None
                if extra.keys().isdisjoint(PRED_COLUMNS)
                else tuple(extra.get(f"pred_{column}") for column in _PRED_LABELS)
            )
            if pred_key is not None:
                scored.append((len(rows), extra, pred_key))
            rows.append(self._row(record, _label_key(record), pred_key))
            dates.append(self._date(self._date_of(record) if self._date_of is not None else ""))
            for get, levels, codes in segments:
                codes.append(levels.setdefault(get(record) or MISSING_LEVEL, len(levels)))
        chunk = self._chunk(rows, texts, ids, dates, [codes for _, _, codes in segments])
        for i, extra, pred_key in scored:
            self._add_probabilities(chunk, i, extra, pred_key)
        self._chunks.append(chunk)

    def add_columns(
        self,
        texts: Sequence[str],
        ids: Sequence[str],
        labels: Sequence[Record],
        predicted: Sequence[tuple[str | None, ...]],
        confidence: np.ndarray,
        churn: np.ndarray,
        dates: Sequence[str],
        segments: Mapping[str, Sequence[str]],
    ) -> None:
        """Convert one batch given as columns, by the same rules as `add`, for a caller that holds
        predictions as values rather than as `pred_*` cells (the service's store). Row i has: `labels[i]`,
        a Record of its given labels, score and language only (rows that share these may share one
        object, which is then converted once); `predicted[i]`, its `pred_*` label cells in
        `_PRED_LABELS` order (None where a head did not answer); `confidence[i]`, each driver's predicted
        probability in taxonomy order (NaN: none); `churn[i]`, the predicted churn probability (NaN:
        none); its date (`""`: none) and each segment's value (`""`: missing)."""
        rows: list[tuple[float, ...]] = []
        label_keys: dict[int, tuple] = {}  # by object identity: each distinct labels object keyed once
        for record, pred_key in zip(labels, predicted, strict=True):
            key = label_keys.get(id(record))
            if key is None:
                key = label_keys[id(record)] = _label_key(record)
            rows.append(self._row(record, key, pred_key))
        codes = []
        for name in self.segment_names:
            levels = self._levels[f"segment:{name}"]
            values = segments.get(name) or [""] * len(rows)
            codes.append([levels.setdefault(value.strip() or MISSING_LEVEL, len(levels)) for value in values])
        chunk = self._chunk(rows, list(texts), list(ids), [self._date(value) for value in dates], codes)
        for pred_key in predicted:
            if isinstance(fault := self._pred_cache.get(pred_key), str):
                self._count_bad(fault)
        predicted_churn = (chunk["churn_source"] == NONE) & ~np.isnan(churn)
        chunk["churn"][predicted_churn] = churn[predicted_churn]
        chunk["churn_source"][predicted_churn] = PREDICTED
        mentioned = (chunk["drivers_source"] == PREDICTED)[:, None] & (chunk["state"] != ABSENT)
        chunk["confidence"][mentioned] = confidence.astype(np.float32)[mentioned]
        self._chunks.append(chunk)

    def replace_last(self, positions: np.ndarray) -> None:
        """Make the batch added last new versions of rows added before: its row i replaces the row at
        `positions[i]` (counted over every row added before), or is appended where that is -1. Why: a
        store whose items are updated in place refreshes its frame by re-reading only what changed."""
        last = self._chunks.pop()
        merged = {
            name: np.concatenate([chunk[name] for chunk in (*self._chunks, {name: values[:0]})])
            for name, values in last.items()
        }
        old = positions >= 0
        for name, values in last.items():
            merged[name][positions[old]] = values[old]
            merged[name] = np.concatenate([merged[name], values[~old]])
        self._chunks = [merged]

    def _row(self, record: Record, label_key: tuple, pred_key: tuple | None) -> tuple[float, ...]:
        """The cached codes of one combination of given labels and predicted label cells."""
        key = (label_key, pred_key)
        row = self._row_cache.get(key)
        if row is None:
            if len(self._row_cache) >= _ROW_CACHE_LIMIT:
                self._row_cache.clear()
            row = self._row_cache[key] = self._label_row(record, self._pred_labels(pred_key))
        return row

    def _chunk(
        self,
        rows: list[tuple[float, ...]],
        texts: list[str],
        ids: list[str],
        dates: list[np.datetime64],
        segment_codes: list[list[int]],
    ) -> dict[str, np.ndarray]:
        k = len(self.drivers)
        table = np.array(rows, dtype=np.float64).reshape(len(rows), len(_ROW) + 2 * k)
        chunk = {name: table[:, i].astype(dtype) for i, (name, dtype) in enumerate(_ROW.items())}
        chunk["state"] = table[:, len(_ROW) : len(_ROW) + k].astype(np.int8)
        chunk["confidence"] = table[:, len(_ROW) + k :].astype(np.float32)
        chunk["date"] = np.array(dates, dtype="datetime64[D]")
        chunk["text"] = _strings(texts)
        chunk["id"] = _strings(ids)
        for name, codes in zip(self.segment_names, segment_codes, strict=True):
            chunk[f"segment:{name}"] = np.array(codes, dtype=np.int32)
        return chunk

    def build(self) -> Frame:
        if not self._chunks:
            self.add(())

        def cat(name: str) -> np.ndarray:
            return np.concatenate([chunk[name] for chunk in self._chunks])

        def categorical(name: str, levels: str) -> Categorical:
            return Categorical(cat(name), tuple(self._levels[levels]))

        return Frame(
            drivers=self.drivers,
            text=cat("text"),
            id=cat("id"),
            lang=categorical("lang", "lang"),
            sentiment=cat("sentiment"),
            sentiment_source=cat("sentiment_source"),
            state=cat("state"),
            confidence=cat("confidence"),
            drivers_source=cat("drivers_source"),
            category=cat("category"),
            category_source=cat("category_source"),
            score=cat("score"),
            scale=categorical("scale", "scale"),
            churn=cat("churn"),
            churn_source=cat("churn_source"),
            date=cat("date"),
            segments={name: categorical(f"segment:{name}", f"segment:{name}") for name in self.segment_names},
            notes=Notes(self.date_column, dict(self._bad_dates), self._dates_seen, dict(self._bad_pred)),
        )

    # -- parallel building: workers build parts, one builder absorbs them in input order ---------------------
    def part(self) -> FramePart:
        """What this builder has converted, in a form small enough to send between processes."""
        return FramePart(
            chunks=self._chunks,
            levels={name: tuple(levels) for name, levels in self._levels.items()},
            bad_dates=dict(self._bad_dates),
            dates_seen=self._dates_seen,
            bad_pred=dict(self._bad_pred),
        )

    def take_part(self) -> FramePart:
        """What this builder converted since the last `take_part`, then forgotten (caches stay), with level
        codes renumbered in order of first appearance: the part a new builder would have made of the same
        rows, so a long-lived builder (one per worker process) can hand out one part per chunk."""
        levels: dict[str, tuple[str, ...]] = {}
        for name, known in self._levels.items():
            values = list(known)
            codes = np.concatenate([chunk[name] for chunk in self._chunks]) if self._chunks else np.zeros(0)
            present, first = np.unique(codes, return_index=True)
            order = present[np.argsort(first)]
            renumber = np.zeros(len(values), dtype=np.int32)
            renumber[order] = np.arange(len(order), dtype=np.int32)
            for chunk in self._chunks:
                chunk[name] = renumber[chunk[name]]
            levels[name] = tuple(values[code] for code in order.tolist())
        part = FramePart(self._chunks, levels, self._bad_dates, self._dates_seen, self._bad_pred)
        self._chunks, self._bad_dates, self._dates_seen, self._bad_pred = [], {}, 0, {}
        return part

    def absorb(self, part: FramePart) -> None:
        """Append a part built elsewhere with the same settings; codes are re-mapped onto this builder's
        levels so the frame equals the one a single builder would have made from the same rows in order."""
        remap = {
            name: np.array(
                [self._levels[name].setdefault(value, len(self._levels[name])) for value in levels],
                dtype=np.int32,
            )
            for name, levels in part.levels.items()
        }
        for chunk in part.chunks:
            for name, codes in remap.items():
                if len(codes):
                    chunk[name] = codes[chunk[name]]
            self._chunks.append(chunk)
        self._bad_dates = _add_counts(self._bad_dates, part.bad_dates)
        self._bad_pred = _add_counts(self._bad_pred, part.bad_pred)
        self._dates_seen += part.dates_seen

    # -- conversion of one distinct label combination --------------------------------------------------------
    def _pred_labels(self, pred_key: tuple | None) -> Record | None:
        """The `pred_*` label cells of a scored file, checked by the data contract's own rules."""
        if pred_key is None:
            return None
        if pred_key not in self._pred_cache:
            row: dict[str, object] = {"text": "-"}
            row.update({c: v for c, v in zip(_PRED_LABELS, pred_key, strict=True) if v is not None})
            try:
                self._pred_cache[pred_key] = record_from_row(row, self.taxonomy)
            except SchemaError as exc:
                self._pred_cache[pred_key] = f"pred_{exc.column}"
        parsed = self._pred_cache[pred_key]
        return None if isinstance(parsed, str) else parsed

    def _label_row(self, record: Record, predicted: Record | None) -> tuple[float, ...]:
        """The codes of one label combination, in `_ROW` order, then driver states and confidences."""
        if record.sentiment is not None:
            sentiment = (SENTIMENT_CODE[record.sentiment], LABEL)
        elif predicted is not None and predicted.sentiment is not None:
            sentiment = (SENTIMENT_CODE[predicted.sentiment], PREDICTED)
        else:
            sentiment = (-1, NONE)
        if record.score is not None:  # the loader already derived it; Records built in code may not have
            category = (CATEGORY_CODE[nps_category_from_score(record.score, record.score_scale)], SCORE)
        elif record.nps_category is not None:
            category = (CATEGORY_CODE[record.nps_category], LABEL)
        elif predicted is not None and predicted.nps_category is not None:
            category = (CATEGORY_CODE[predicted.nps_category], PREDICTED)
        else:
            category = (-1, NONE)
        churn = (float(record.churn), LABEL) if record.churn is not None else (math.nan, NONE)
        state, source = self._driver_state(record, predicted)
        # label confidence is 1; a prediction's comes from its row (`_add_probabilities`)
        confidence = [(1.0 if source == LABEL else math.nan) if s else 0.0 for s in state]
        levels = self._levels
        return (
            *sentiment,
            source,
            *category,
            math.nan if record.score is None else record.score,
            levels["scale"].setdefault(
                record.score_scale if record.score is not None else "", len(levels["scale"])
            ),
            *churn,
            levels["lang"].setdefault(record.lang or "", len(levels["lang"])),
            *state,
            *confidence,
        )

    def _driver_state(self, record: Record, predicted: Record | None) -> tuple[tuple[int, ...], int]:
        """Every driver's state, and where the drivers came from.

        Given labels: a driver is mentioned if it is in `drivers` or has a polarity in `driver_sentiment`
        (Skytrax-style rows rate aspects without listing them in `drivers`). A given driver without a
        given polarity takes the predicted polarity when the scored file has one for it.
        """
        pred_polarity = (predicted.driver_sentiment or {}) if predicted is not None else {}
        if record.drivers is not None or record.driver_sentiment is not None:
            polarity = dict(record.driver_sentiment or {})
            mentioned = set(record.drivers or ()) | set(polarity)
            for name in mentioned - set(polarity):
                if name in pred_polarity:
                    polarity[name] = pred_polarity[name]
            source = LABEL
        elif predicted is not None and predicted.drivers is not None:
            polarity, mentioned, source = dict(pred_polarity), set(predicted.drivers), PREDICTED
        else:
            polarity, mentioned, source = {}, set(), NONE
        state = tuple(
            STATE_CODE[polarity[name]] if name in polarity else UNKNOWN if name in mentioned else ABSENT
            for name in self.drivers
        )
        return state, source

    # -- per-record values -------------------------------------------------------------------------------------
    def _add_probabilities(
        self, chunk: dict[str, np.ndarray], i: int, extra: Mapping[str, str], pred_key: tuple
    ) -> None:
        """A scored row's churn probability and driver confidences, which are different in every row."""
        if isinstance(self._pred_cache[pred_key], str):
            self._count_bad(self._pred_cache[pred_key])
        churn = _parse_probability(extra.get("churn_probability", ""))
        if churn is None:
            self._count_bad("churn_probability")
        elif chunk["churn_source"][i] == NONE and not math.isnan(churn):
            chunk["churn"][i], chunk["churn_source"][i] = churn, PREDICTED
        if chunk["drivers_source"][i] == PREDICTED:
            confidence = _parse_confidence(extra.get("pred_driver_confidence", ""))
            if confidence is None:
                self._count_bad("pred_driver_confidence")
                confidence = {}
            for j, name in enumerate(self.drivers):
                if chunk["state"][i, j] != ABSENT:
                    chunk["confidence"][i, j] = confidence.get(name, math.nan)

    def _count_bad(self, column: str) -> None:
        self._bad_pred[column] = self._bad_pred.get(column, 0) + 1

    def _date(self, value: str) -> np.datetime64:
        if not value:
            return np.datetime64("NaT")
        self._dates_seen += 1
        day = value[:10]  # timestamps of one day share one cache entry
        parsed = self._date_cache.get(day)
        if parsed is None:
            parsed = self._date_cache[day] = _parse_date(day)
        if np.isnat(parsed):
            self._bad_dates[value] = self._bad_dates.get(value, 0) + 1
        return parsed


def _label_key(record: Record) -> tuple:
    """What a record's row of codes depends on, besides its predictions (see `FrameBuilder._label_row`)."""
    polarity = record.driver_sentiment
    return (
        record.lang,
        record.sentiment,
        record.drivers,
        None if polarity is None else tuple(polarity.items()),
        record.nps_category,
        record.score,
        record.score_scale,
        record.churn,
    )


def frame_from_records(
    records: Iterable[Record],
    taxonomy: Taxonomy | None = None,
    *,
    date_column: str | None = "date",
    segments: Sequence[str] = (),
) -> Frame:
    builder = FrameBuilder(taxonomy, date_column=date_column, segments=segments)
    builder.add(records)
    return builder.build()


def prediction_columns(untrained_heads: Iterable[str]) -> list[str]:
    """The `pred_*` columns a model with these untrained heads writes (see `prediction_cells`)."""
    left_out = {column for head in untrained_heads for column in _HEAD_COLUMNS.get(head, ())}
    return [column for column in PRED_COLUMNS if column not in left_out]


def prediction_cells(prediction: Prediction) -> dict[str, str]:
    """One text's prediction (`FeedbackModel.predictions`, or `Prediction.of` a `classify` result) as the
    `pred_*` cells of a scored file (what `FrameBuilder` reads).

    Heads the model was not trained for leave their cells out, so they read as "not predicted", not as
    "predicted nothing"; an NPS category read from a score is not a prediction and is left out too.
    """
    cells = {"pred_lang": prediction.language}
    if prediction.sentiment is not None:
        cells["pred_sentiment"] = prediction.sentiment
    untrained = prediction.untrained_heads
    if "drivers" not in untrained:
        drivers = prediction.drivers
        cells["pred_drivers"] = ";".join(name for name, _, _ in drivers)
        if "driver_sentiment" not in untrained:
            cells["pred_driver_sentiment"] = ";".join(
                f"{name}:{polarity}" for name, _, polarity in drivers if polarity is not None
            )
        cells["pred_driver_confidence"] = ";".join(f"{name}:{p}" for name, p, _ in drivers)
    if prediction.nps_category is not None:
        cells["pred_nps_category"] = prediction.nps_category
    cells["churn_probability"] = str(prediction.churn_probability)
    cells["churn_band"] = prediction.churn_band
    return cells


def _strings(values: list[str]) -> np.ndarray:
    """Strings as a 1-d object array. Why not a list: the garbage collector walks every item of a list on
    each full collection, which made reading a million rows a third slower; numpy arrays are not walked."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _getter(column: str) -> Callable[[Record], str]:
    """Reads `column` from a record as a stripped string: a contract column (lang, source, ...) or an extra."""
    if column in Record.__slots__ and column != "extra":
        return lambda record: "" if getattr(record, column) is None else str(getattr(record, column))
    return lambda record: record.extra.get(column, "").strip()


def _parse_date(text: str) -> np.datetime64:
    """The day an ISO 8601 date starts with ("2024-03-05", or "2024/03/05"); NaT otherwise."""
    if not _ISO_DAY.fullmatch(text):
        return np.datetime64("NaT")
    try:
        day = np.datetime64(text.replace("/", "-"), "D")
    except ValueError:
        return np.datetime64("NaT")
    return day if MIN_YEAR <= int(text[:4]) <= MAX_YEAR else np.datetime64("NaT")


def _parse_confidence(text: str) -> dict[str, float] | None:
    """`quality:0.93;price:0.71` → {"quality": 0.93, "price": 0.71}; None if malformed."""
    out: dict[str, float] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        name, _, value = part.partition(":")
        number = _parse_probability(value)
        if number is None or math.isnan(number):
            return None
        out[name.strip()] = number
    return out


def _parse_probability(text: str) -> float | None:
    """A probability cell; NaN when empty, None when it is not a number in [0, 1]."""
    if not text.strip():
        return math.nan
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0.0 <= value <= 1.0 else None
