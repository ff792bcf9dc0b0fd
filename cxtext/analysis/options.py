"""The analysis options every front end hands on (CLI flags, API query and body): one reading of them,
so that `cxtext drivers`, `cxtext themes` and the routes cannot drift apart in what reaches `analyze`
and `find_themes`, or in what they let through."""

from __future__ import annotations

from collections.abc import Callable

from cxtext.analysis.trends import PERIODS

NPS_SOURCES = ("auto", "score", "category")
# name -> (the rule, said in words); `analyze` and `find_themes` take every one of them by this name
_RULES: dict[str, tuple[Callable[[object], bool], str]] = {
    "period": (lambda v: v in PERIODS, f"one of {', '.join(PERIODS)}"),
    "nps_source": (lambda v: v in NPS_SOURCES, f"one of {', '.join(NPS_SOURCES)}"),
    "confidence": (lambda v: 0.5 < v < 1, "in (0.5, 1)"),
    "min_n": (lambda v: v >= 1, "at least 1"),
    "bootstrap": (lambda v: v >= 0, "at least 0"),
    "seed": (lambda v: v >= 0, "at least 0"),
    "quotes": (lambda v: v >= 0, "at least 0"),
}


def analysis_options(source: object) -> dict[str, object]:
    """The options `source` (an argparse namespace, a query model) carries under these names, checked:
    `analyze(frame, **analysis_options(args))`. An option it lacks keeps the function's default.
    Raises ValueError naming the first bad option."""
    options = {name: getattr(source, name) for name in _RULES if hasattr(source, name)}
    for name, value in options.items():
        holds, expected = _RULES[name]
        if not holds(value):
            raise ValueError(f"{name} must be {expected}, got {value!r}")
    return options
