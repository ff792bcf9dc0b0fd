"""NPS and per-driver figures for every group of a row-level grouping (a period, a segment value).

Shared by trends and segments: both cut the same responses into groups and ask the same questions of
each — how many, which NPS with which interval, is the group big enough to judge, and which drivers are
mentioned and what they cost. Groups below `min_n` NPS responses are flagged `small`, never dropped.
"""

from __future__ import annotations

import numpy as np

from cxtext.analysis.cells import Counts, cell_table, group_mentions, group_totals
from cxtext.analysis.drivers import leave_one_out
from cxtext.analysis.frame import ABSENT, DETRACTOR, NONE, PROMOTER
from cxtext.analysis.nps import nps, nps_interval
from cxtext.analysis.rounding import num, ratio
from cxtext.analysis.summary import Tally


def breakdown(
    tally: Tally,
    base: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    drivers: tuple[str, ...],
    *,
    confidence: float,
    min_n: int,
) -> tuple[list[dict], Counts]:
    """One dict per group (index = group code) and the groups' NPS counts; tally rows with group −1 are
    left out.

    `base` marks the tally rows that count for NPS (a known category); `group` is each tally row's group.
    Driver figures within a group follow `analyze`: mentions over responses with known drivers, NPS and
    impact over `base` ∩ known.
    """
    grouped = group >= 0
    count = tally.count

    def per_group(rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(group[rows], weights=count[rows] * (1 if weights is None else weights[rows]),
                           minlength=n_groups)  # fmt: skip

    records = per_group(grouped)
    known = grouped & (tally.drivers_source != NONE)
    known_per_group = per_group(known)
    mentions = np.stack([per_group(known, tally.state[:, j] > ABSENT) for j in range(len(drivers))], axis=-1)

    rows = base & grouped
    totals = Counts(
        *(
            per_group(rows, weights)
            for weights in (None, tally.category == PROMOTER, tally.category == DETRACTOR)
        )
    )
    with_drivers = base & known
    cells = cell_table(
        tally.state[with_drivers], tally.category[with_drivers], group[with_drivers], n_groups,
        count=count[with_drivers],
    )  # fmt: skip
    mentioned = group_mentions(cells, cells.state > ABSENT)
    driver_totals = group_totals(cells)
    nps_with, _, impact = leave_one_out(driver_totals, mentioned)
    without = driver_totals.n[:, None] - mentioned.n

    values = nps(totals.promoters, totals.detractors, totals.n)
    low, high = nps_interval(totals.promoters, totals.detractors, totals.n, confidence)
    out = []
    for g in range(n_groups):
        out.append(
            {
                "n": int(records[g]),
                "n_nps": int(totals.n[g]),
                "nps": num(values[g]),
                "ci_low": num(low[g]),
                "ci_high": num(high[g]),
                "small": bool(totals.n[g] < min_n),
                "drivers": {
                    name: {
                        "mentions": int(mentions[g, j]),
                        "share": ratio(mentions[g, j], known_per_group[g]),
                        "n_nps": int(mentioned.n[g, j]),
                        "nps": num(nps_with[g, j]),
                        "impact": num(impact[g, j]),
                        "small": bool(min(mentioned.n[g, j], without[g, j]) < min_n),
                    }
                    for j, name in enumerate(drivers)
                },
            }
        )
    return out, totals
