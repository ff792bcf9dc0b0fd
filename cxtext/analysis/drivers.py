"""Per-driver statistics: mentions, sentiment mix, the driver's NPS, leave-one-out impact with a bootstrap
interval, and churn risk among the customers who cite it.

Impact (the definition Thematic and Kapiche publish) is how many NPS points the driver costs or adds:

    impact = NPS(all responses) − NPS(all responses except those that mention the driver)

so a driver nobody mentions has impact 0, and one mentioned mostly by detractors has a negative impact
that grows with how often it is mentioned. It is computed for any mention and separately for negative
and for positive mentions (leaving out only those).

The interval is a percentile bootstrap over responses. Because every statistic depends only on cell
counts (`cxtext.analysis.cells`), resampling n responses with replacement is exactly a multinomial draw
over the cells, so each replicate costs O(cells), not O(responses).
"""

from __future__ import annotations

import numpy as np

from cxtext.analysis.cells import Cells, Counts, group_mentions, group_totals
from cxtext.analysis.frame import ABSENT, NONE, STATE_CODE, STATES
from cxtext.analysis.nps import nps, nps_interval
from cxtext.analysis.rounding import num, ratio
from cxtext.analysis.summary import Summary, exact_mean

# Which responses "mention" the driver, for each kind of impact.
IMPACT_KINDS: tuple[str, ...] = ("all", "negative", "positive")
_BOOTSTRAP_CELLS_PER_CHUNK = 4_000_000  # replicates × cells held in memory at once


def mention_masks(state: np.ndarray) -> np.ndarray:
    """(rows, kinds × K) booleans: column `i * K + k` = row mentions driver k in the way IMPACT_KINDS[i] says."""
    return np.concatenate(
        [state > ABSENT, state == STATE_CODE["negative"], state == STATE_CODE["positive"]], axis=1
    )


def leave_one_out(total: Counts, mentioned: Counts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(NPS of the mentioning responses, NPS without them, impact); `total` broadcasts against `mentioned`."""
    total = Counts(*(np.expand_dims(a, -1) for a in (total.n, total.promoters, total.detractors)))
    without = total - mentioned
    overall = nps(total.promoters, total.detractors, total.n)
    nps_without = nps(without.promoters, without.detractors, without.n)
    return nps(mentioned.promoters, mentioned.detractors, mentioned.n), nps_without, overall - nps_without


def bootstrap_impact(
    cells: Cells, masks: np.ndarray, replicates: int, rng: np.random.Generator, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of each mask's impact, from multinomial resamples of one group's cells.

    NaN where no replicate defines the impact (the driver is in every response, or there are none).
    """
    total = int(cells.count.sum())
    if total == 0 or replicates <= 0:
        return np.full(masks.shape[1], np.nan), np.full(masks.shape[1], np.nan)
    probabilities = cells.count / total
    is_promoter = cells.promoters > 0
    is_detractor = cells.detractors > 0
    masks = masks.astype(np.float64)
    chunk = max(1, _BOOTSTRAP_CELLS_PER_CHUNK // max(1, len(cells.count)))
    impacts = []
    for start in range(0, replicates, chunk):
        draws = rng.multinomial(total, probabilities, size=min(chunk, replicates - start)).astype(np.float64)
        promoters, detractors = draws @ is_promoter, draws @ is_detractor
        replicate_total = Counts(np.full(len(draws), float(total)), promoters, detractors)
        mentioned = Counts(
            draws @ masks, draws @ (masks * is_promoter[:, None]), draws @ (masks * is_detractor[:, None])
        )
        impacts.append(leave_one_out(replicate_total, mentioned)[2])
    alpha = (1 - confidence) / 2
    stacked = np.concatenate(impacts)
    defined = ~np.isnan(stacked).all(axis=0)
    low = np.full(masks.shape[1], np.nan)
    high = np.full(masks.shape[1], np.nan)
    if defined.any():
        low[defined], high[defined] = np.nanquantile(stacked[:, defined], [alpha, 1 - alpha], axis=0)
    return low, high


def driver_statistics(
    summary: Summary,
    base: Cells,
    *,
    confidence: float,
    replicates: int,
    rng: np.random.Generator,
    min_n: int,
) -> dict[str, dict]:
    """Every driver's statistics as JSON-ready dicts, keyed by driver name in taxonomy order.

    Mentions, share, sentiment mix and churn use every response whose drivers are known; NPS, impact
    and intervals use `base`, the responses that also have an NPS category (see `analyze`). `small`:
    fewer than `min_n` of those mention the driver, or fewer than `min_n` do not (then the NPS without
    it, and so the impact, rests on too few responses).
    """
    k = len(summary.drivers)
    tally = summary.overall
    known = tally.drivers_source != NONE
    state, count = tally.state[known], tally.count[known]
    n_known = int(count.sum())
    mentions = count @ (state > ABSENT)
    mix = {name: count @ (state == code) for code, name in enumerate(STATES) if code != ABSENT}

    masks = mention_masks(base.state)
    with_driver = group_mentions(base, masks)
    totals = group_totals(base)
    nps_with, nps_without, impact = (a[0] for a in leave_one_out(totals, with_driver))
    without_n = totals.n[0] - with_driver.n[0]
    low, high = bootstrap_impact(base, masks, replicates, rng, confidence)
    nps_low, nps_high = nps_interval(
        with_driver.promoters[0], with_driver.detractors[0], with_driver.n[0], confidence
    )
    churn_n, churn_high = summary.driver_churn
    churn_mean = [
        exact_mean(total, int(n)) for total, n in zip(summary.driver_churn_sum, churn_n, strict=True)
    ]

    out: dict[str, dict] = {}
    for j, name in enumerate(summary.drivers):
        columns = {kind: i * k + j for i, kind in enumerate(IMPACT_KINDS)}
        n_with = int(with_driver.n[0, j])
        out[name] = {
            "mentions": int(mentions[j]),
            "share": ratio(mentions[j], n_known),
            "sentiment": {polarity: int(counts[j]) for polarity, counts in mix.items()},
            "n_nps": n_with,
            "nps": num(nps_with[j]),
            "nps_ci": [num(nps_low[j]), num(nps_high[j])],
            "nps_without": num(nps_without[j]),
            "impact": num(impact[columns["all"]]),
            "impact_ci": [num(low[columns["all"]]), num(high[columns["all"]])],
            **{
                f"impact_{kind}": {
                    "mentions": int(with_driver.n[0, columns[kind]]),
                    "impact": num(impact[columns[kind]]),
                    "ci": [num(low[columns[kind]]), num(high[columns[kind]])],
                }
                for kind in IMPACT_KINDS[1:]
            },
            "churn_risk": num(churn_mean[j], 4),
            "churn_known": int(churn_n[j]),
            "high_risk": int(churn_high[j]),
            "small": bool(min(n_with, int(without_n[j])) < min_n),
        }
    return out
