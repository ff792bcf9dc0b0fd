"""What is new: which themes grew significantly against the previous period of the same length.

Test: one-sided two-proportion z-test (pooled) of the theme's share of comments in the current window
against the previous one, H1 = the share grew. With many themes tested at once some would pass by
chance, so the p-values are Holm-adjusted within the language and a theme is `emerging` when its
adjusted p-value is below `alpha`. A theme is `new` when the previous window has comments but (almost)
none of them are in it: fewer than `NEW_PRIOR_SHARE` of the theme's comments in both windows, and at
least `NEW_MIN_MENTIONS` now (one comment is not a theme).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

TEST = "two-proportion z-test, one-sided (share grew), Holm-adjusted across the language's themes"
NEW_PRIOR_SHARE = 0.05
NEW_MIN_MENTIONS = 5


@dataclass(frozen=True)
class Windows:
    """The current window [since, until] and the previous one of the same length just before it."""

    since: dt.date
    until: dt.date

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def previous(self) -> tuple[dt.date, dt.date]:
        return self.since - dt.timedelta(days=self.days), self.since - dt.timedelta(days=1)

    def masks(self, dates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(current, previous) row masks over datetime64[D] dates (NaT is in neither)."""
        start, end = np.datetime64(self.since), np.datetime64(self.until)
        before_start, before_end = (np.datetime64(d) for d in self.previous)
        return (dates >= start) & (dates <= end), (dates >= before_start) & (dates <= before_end)

    def as_dict(self) -> dict:
        start, end = self.previous
        return {
            "from": self.since.isoformat(),
            "to": self.until.isoformat(),
            "previous": {"from": start.isoformat(), "to": end.isoformat()},
        }


def share_growth_p(now: np.ndarray, n_now: int, before: np.ndarray, n_before: int) -> np.ndarray:
    """One-sided p-values that each share now (`now` / `n_now`) exceeds the share before; NaN when a
    window is empty or nobody in either window is in the theme."""
    now, before = np.asarray(now, dtype=np.float64), np.asarray(before, dtype=np.float64)
    if n_now == 0 or n_before == 0:
        return np.full(now.shape, np.nan)
    pooled = (now + before) / (n_now + n_before)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_now + 1 / n_before))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (now / n_now - before / n_before) / se
    return np.where(se > 0, norm.sf(z), np.nan)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm–Bonferroni adjusted p-values (NaN stays NaN and does not count as a test)."""
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p))
    order = tested[np.argsort(p[tested], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def emerging_flags(
    now: np.ndarray, n_now: int, before: np.ndarray, n_before: int, alpha: float
) -> list[dict]:
    """Per theme: counts and shares in both windows, p-value, adjusted p-value, `emerging`, `new`."""
    p = share_growth_p(now, n_now, before, n_before)
    adjusted = holm(p)
    out = []
    for i in range(len(now)):
        both = now[i] + before[i]
        out.append(
            {
                "mentions": int(now[i]),
                "share": round(now[i] / n_now, 4) if n_now else None,
                "previous_mentions": int(before[i]),
                "previous_share": round(before[i] / n_before, 4) if n_before else None,
                "p_value": None if np.isnan(p[i]) else float(f"{p[i]:.4g}"),
                "p_adjusted": None if np.isnan(adjusted[i]) else float(f"{adjusted[i]:.4g}"),
                "emerging": bool(adjusted[i] < alpha) if not np.isnan(adjusted[i]) else False,
                "new": bool(
                    n_before > 0 and now[i] >= NEW_MIN_MENTIONS and before[i] < NEW_PRIOR_SHARE * both
                ),
            }
        )
    return out
