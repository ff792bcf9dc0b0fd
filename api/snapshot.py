"""A columnar copy of the feedback store for the driver analysis (`/v1/drivers/*` and the dashboard).

Why: an analysis reads every matching item with its prediction; at 100,000 stored items that took
about a minute through the ORM on every request. The snapshot converts the whole store once into the
analysis `Frame` (every segment key, items in id order, each read by the same `FrameBuilder` rules as
before) and answers each query by selecting rows with numpy, then running `analyze` on them. Before
each answer it compares the store's revision (largest id, latest update): the items written since
(by the indexed `updated_at`) are read again, new ones appended and changed ones (an update, a label,
a re-scoring) replacing their row; only another taxonomy or a new segment key rebuilds it. So answers
are never stale, and the first request after a write pays for reading what changed, not the store.
Stored items are read as columns (`FeedbackStore.analysis_batch`, `api.analysis.StoredColumns`).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from api.analysis import StoredColumns
from api.storage import FeedbackFilter, FeedbackStore
from cxtext.analysis.frame import MISSING_LEVEL, Categorical, Frame, FrameBuilder
from cxtext.taxonomy import Taxonomy

# How long a write may take between stamping its rows' `updated_at` and committing them: a refresh
# re-reads every item written since the last refresh's latest stamp less this, so a transaction that
# commits after a later-stamped one is not missed (items already read are replaced, not duplicated).
WRITE_SLACK = dt.timedelta(minutes=2)


def compact(values: Categorical) -> Categorical:
    """Only the levels present, in order of first appearance (as a builder of these rows would have)."""
    present, first = np.unique(values.codes, return_index=True)
    order = present[np.argsort(first, kind="stable")]
    recode = np.empty(len(values.levels), dtype=np.int32)
    recode[order] = np.arange(len(order), dtype=np.int32)
    return Categorical(
        recode[values.codes] if len(values.codes) else values.codes, tuple(values.levels[i] for i in order)
    )


@dataclass(frozen=True)
class Snapshot:
    frame: Frame  # every stored item, segments = every key
    stored_lang: np.ndarray  # object: the stored language (given or detected), what `lang=` filters
    model_version: np.ndarray  # object: the model that predicted each item

    def select(self, where: FeedbackFilter) -> np.ndarray:
        """Indices of the items matching `where`, in id order (the filters of `FeedbackStore.query`)."""
        if where.sentiment is not None or where.labelled is not None or where.trainable:
            raise ValueError(
                "the analysis snapshot filters by date, language, model version and segment only"
            )
        keep = np.ones(len(self.frame), dtype=bool)
        if where.date_from is not None:
            keep &= self.frame.date >= np.datetime64(where.date_from, "D")
        if where.date_to is not None:
            keep &= self.frame.date <= np.datetime64(where.date_to, "D")
        if where.lang is not None:
            keep &= self.stored_lang == where.lang
        if where.model_version is not None:
            keep &= self.model_version == where.model_version
        for key, value in where.segments.items():
            column = self.frame.segments.get(key)
            if column is None or value not in column.levels:
                return np.empty(0, dtype=np.intp)
            keep &= column.codes == column.levels.index(value)
        return np.flatnonzero(keep)

    def frame_of(self, index: np.ndarray, by: list[str] | None) -> Frame:
        """The analysis frame of the selected items, broken down by `by`, or by every key they carry,
        most used first (as `FeedbackStore.segment_keys` orders them)."""
        subset = self.frame.take(index)
        columns = {name: compact(values) for name, values in subset.segments.items()}
        if by is None:
            used = {
                name: int((np.asarray(values.levels)[values.codes] != MISSING_LEVEL).sum())
                for name, values in columns.items()
                if len(values.codes)
            }
            by = sorted((name for name, n in used.items() if n), key=lambda name: (-used[name], name))
        empty = compact(Categorical(np.zeros(len(index), dtype=np.int32), (MISSING_LEVEL,)))
        segments = {name: columns.get(name, empty) for name in by}
        return Frame(
            **{
                **{field: getattr(subset, field) for field in subset.__dataclass_fields__},
                "lang": compact(subset.lang),
                "scale": compact(subset.scale),
                "segments": segments,
            }
        )

    def versions(self, index: np.ndarray) -> dict[str, int]:
        return dict(Counter(self.model_version[index].tolist()))


class SnapshotCache:
    """The current snapshot of one store, refreshed under a lock when the store's revision moves."""

    def __init__(self, store: FeedbackStore, batch_size: int = 5000, results: int = 32) -> None:
        self.store = store
        self.batch_size = batch_size
        self.results = results
        self._answers: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._snapshot: Snapshot | None = None
        self._builder: FrameBuilder | None = None
        self._reader: StoredColumns | None = None
        self._ids = np.empty(0, dtype=np.int64)  # internal ids of the frame's rows, ascending
        self._langs = np.empty(0, dtype=object)
        self._versions = np.empty(0, dtype=object)

    def current(self, taxonomy: Taxonomy) -> Snapshot:
        with self._lock:
            last_id, updated = self.store.revision()
            key = (last_id, updated, taxonomy.names)
            if key == self._key and self._snapshot is not None:
                return self._snapshot
            since = self._key[1] if self._key is not None and self._key[2] == taxonomy.names else None
            if since is None or not self._read_changes(since - WRITE_SLACK):
                self._start(taxonomy)
                if not self._read_changes(None):  # a new segment key: the builder's columns are fixed
                    self._start(taxonomy)
                    self._read_changes(None)
            self._snapshot = Snapshot(self._builder.build(), self._langs, self._versions)
            self._key = key
            return self._snapshot

    def answer(self, taxonomy: Taxonomy, question: str, compute: Callable[[Snapshot], object]) -> object:
        """`compute(snapshot)`, remembered for the current revision: the analysis is a pure function of the
        stored items and the query (its bootstrap is seeded), so an unchanged store answers a repeated
        `question` (e.g. the query as JSON) from memory. The least recently asked of `results` go first."""
        snapshot = self.current(taxonomy)
        key = (self._key, question)
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        value = compute(snapshot)
        with self._lock:
            if self._key == key[0]:
                self._answers[key] = value
                while len(self._answers) > self.results:
                    self._answers.popitem(last=False)
        return value

    def _start(self, taxonomy: Taxonomy) -> None:
        keys = self.store.segment_keys(FeedbackFilter())
        self._builder = FrameBuilder(taxonomy, date_column="date", segments=keys)
        self._reader = StoredColumns(self._builder, taxonomy)
        self._ids = np.empty(0, dtype=np.int64)
        self._langs = np.empty(0, dtype=object)
        self._versions = np.empty(0, dtype=object)

    def _read_changes(self, updated_after: dt.datetime | None) -> bool:
        """Read the items written after `updated_after` (all, if None) into the frame: new ones are
        appended, changed ones replace their row. False if one carries an unknown segment key (the
        builder's columns are fixed): the caller then starts over."""
        known = set(self._builder.segment_names)
        after_id = None
        while len(batch := self.store.analysis_batch(after_id, self.batch_size, updated_after)):
            if not known.issuperset(batch.segments):
                return False
            ids = np.array(batch.columns["id"], dtype=np.int64)
            at = np.searchsorted(self._ids, ids)
            stored = at < len(self._ids)
            stored[stored] = self._ids[at[stored]] == ids[stored]
            self._reader.add(batch)
            langs = np.array(batch.columns["lang"], dtype=object)
            versions = np.array(batch.columns["model_version"], dtype=object)
            if stored.any():  # items updated in place (labels, re-scoring, a re-sent item)
                self._builder.replace_last(np.where(stored, at, -1))
                self._langs, self._versions = self._langs.copy(), self._versions.copy()  # still shown
                self._langs[at[stored]] = langs[stored]
                self._versions[at[stored]] = versions[stored]
            self._ids = np.concatenate([self._ids, ids[~stored]])
            self._langs = np.concatenate([self._langs, langs[~stored]])
            self._versions = np.concatenate([self._versions, versions[~stored]])
            after_id = int(ids[-1])
        return True
