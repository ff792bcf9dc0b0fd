"""Give memory that Python and numpy have freed back to the operating system.

glibc's malloc keeps freed blocks for reuse. After a phase that built millions of small objects (the
provisional vocabulary of `TokenFeaturizer.fit_transform`, the tokens of every training text) hundreds of
megabytes stay resident, and the next phase (the heads' solvers, whose large arrays glibc maps afresh)
adds its own on top: the peak RSS of a training is the sum of both. `malloc_trim` returns the free
blocks: 330 MB after the features of the shared data. Where the C library is not glibc it does nothing.
"""

from __future__ import annotations

import ctypes


def release_freed_memory() -> None:
    """Return the C heap's free memory to the system (glibc's `malloc_trim`); a no-op elsewhere."""
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
