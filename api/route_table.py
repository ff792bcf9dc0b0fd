"""Which route a request is for, found from its path and method alone: the label metrics and logs use,
and the methods an `Allow` header lists.

Why not `scope["route"]`: requests refused before routing (no key, body too large) never get one, and
their metrics must still be labelled by a known template rather than by whatever path a client made up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, compile_path

UNMATCHED = "(unmatched)"
# Methods counted under their own name in metrics; any other becomes "other" (bounded label values).
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


@dataclass(frozen=True)
class _Entry:
    template: str
    regex: re.Pattern[str]
    methods: frozenset[str]


class RouteTable:
    """The application's routes as (template, path pattern, methods), read once on first use, when
    every router has been included."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._routes = routes  # the application's live list
        self._entries: list[_Entry] | None = None

    @property
    def entries(self) -> list[_Entry]:
        if self._entries is None:
            self._entries = [
                _Entry(context.path, compile_path(context.path)[0], frozenset(context.methods or ()))
                for context in iter_route_contexts(self._routes)
            ]
        return self._entries

    def template(self, path: str, method: str) -> str:
        """The template of the route serving (`path`, `method`); else of the first route at `path`
        (a 405); else UNMATCHED."""
        at_path = [entry for entry in self.entries if entry.regex.match(path)]
        for entry in at_path:
            if method in entry.methods:
                return entry.template
        return at_path[0].template if at_path else UNMATCHED

    def allowed(self, path: str) -> list[str]:
        """Every method some route serves at `path`, sorted."""
        return sorted(
            {method for entry in self.entries if entry.regex.match(path) for method in entry.methods}
        )
