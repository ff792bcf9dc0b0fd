"""Training on top of the default: the starter corpus plus the user's rows, the user's rows weighted up.

Why not fine-tune the default model's weights: its heads are convex problems, so refitting on the union
is exact and costs one training; what matters is that a few hundred of the user's labels are not drowned
by thousands of corpus rows, and that where the two disagree (the user's domain says "cheap" is bad, the
corpus that it is good) the user wins. Each user row weighs `user_weight` corpus rows: as much as the
whole corpus together when the user has few rows, capped so that 50 rows cannot each weigh hundreds
(bench/learning_curve.py measures the effect).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cxtext.schema import Record

BASES = ("default",)
BASE_CORPUS_ENV = "CXTEXT_BASE_CORPUS"
USER_WEIGHT_CAP = 10.0


class BaseError(ValueError):
    """An unknown base (the message lists the known ones)."""


def user_weight(n_base: int, n_user: int, cap: float = USER_WEIGHT_CAP) -> float:
    """Weight of one user row: the corpus's row count over the user's, between 1 and `cap`."""
    if n_user <= 0:
        return 1.0
    return float(min(cap, max(1.0, n_base / n_user)))


@dataclass(frozen=True)
class Combined:
    """The records to fit on, their weights, and what the model card records about the base."""

    records: list[Record]
    weights: list[float]
    card: dict


def base_files() -> list[Path]:
    """The files of the `default` base: the shipped starter corpus, or the labelled .csv/.jsonl files under
    `CXTEXT_BASE_CORPUS` when a deployment ships its own (or a test a small one)."""
    folder = os.environ.get(BASE_CORPUS_ENV)
    if not folder:
        from training.train import corpus_files

        return corpus_files()
    files = sorted(p for p in Path(folder).rglob("*") if p.suffix in (".csv", ".jsonl"))
    if not files:
        raise BaseError(f"{BASE_CORPUS_ENV}={folder}: no .csv or .jsonl files there")
    return files


def base_records(name: str) -> list[Record]:
    """The labelled rows a named base stands for (`default`: `base_files()`)."""
    if name not in BASES:
        raise BaseError(f"unknown base {name!r} (known: {', '.join(BASES)})")
    from cxtext.io.records import load_records

    return load_records(base_files()).records


def combine(
    name: str, base: Sequence[Record], user: Sequence[Record], cap: float = USER_WEIGHT_CAP
) -> Combined:
    """`base` rows at weight 1, then `user` rows at `user_weight`; ids of the two never collide."""
    weight = user_weight(len(base), len(user), cap)
    user_ids = {r.id for r in user if r.id is not None}
    clash = sorted(r.id for r in base if r.id in user_ids)
    if clash:
        raise BaseError(f"{len(clash)} ids of your data are also ids of the {name} base (e.g. {clash[0]!r})")
    return Combined(
        records=[*base, *user],
        weights=[1.0] * len(base) + [weight] * len(user),
        card={
            "name": name,
            "rows": len(base),
            "user_rows": len(user),
            "weights": {"base": 1.0, "user": weight},
            "rule": f"user weight = base rows / user rows, between 1 and {cap:g}",
        },
    )
