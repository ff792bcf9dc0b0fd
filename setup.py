"""Compiles the modules every scored text passes through with Cython, from the same `.py` files.

Why: scoring is Python-bound (tokens, lexicon matching, feature lookup: ≈ 250 µs a text), and Cython's
pure-Python mode runs those files as C with no second implementation to keep in step. Measured with
`cxtext score` on 100,000 shared rows, one worker, 3 paired runs: median 37.1 s interpreted, 30.2 s compiled
(0.88×), the same bytes out; bench/scale.py gives the end-to-end figures. Without a compiler the package still
works, interpreted. Everything else about the package is declared in pyproject.toml.

Annotations are not read as C types (`annotation_typing`): the code is typed for readers and checkers, and
Cython would otherwise reject e.g. a frozenset where a hint says `set`.
"""

from __future__ import annotations

import os
from pathlib import Path

from Cython.Build import cythonize
from setuptools import setup

COMPILED = [
    line
    for line in (Path(__file__).resolve().parent / "compiled.txt").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
]

setup(
    ext_modules=cythonize(
        COMPILED,
        compiler_directives={"language_level": 3, "annotation_typing": False},
        nthreads=os.cpu_count() or 1,
        quiet=True,
    ),
    options={"build_ext": {"parallel": os.cpu_count() or 1}},
)
