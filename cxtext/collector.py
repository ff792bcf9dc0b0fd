"""Hold off the cyclic garbage collector around batch work that creates no reference cycles."""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


def collector_paused(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `method` with the cyclic garbage collector held off, resumed afterwards if it was on.

    Classifying allocates dozens of containers per text and frees or returns all of them without
    reference cycles, so a collection meanwhile finds nothing; yet 500-text batches set off a full
    collection about every other batch, ~100 ms each in a process holding scikit-learn and hazm's
    word lists: a quarter of the time. Scoring a file (`cxtext.batch.score`) pauses it for the whole chunk,
    rows read and rendered included: with the tokenizer's caches warm, collections there still took 4 % of
    the time. Reference counting frees everything as before. The switch is process-wide: overlapping
    calls in threads resume it when the first one ends, which only costs time.
    """

    @wraps(method)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        enabled = gc.isenabled()
        gc.disable()
        try:
            return method(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return paused
