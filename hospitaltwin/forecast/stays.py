"""Stays from daily counts: how long patients stay, read from census and admissions alone.

In counts mode a unit the scenario gives no length-of-stay law gets one from its own counts.
The census on a day is the survivors of every earlier day's admissions:
``census[t] = s * sum_k admissions[t-1-k] * q * p**k`` for an exponential stay of mean ``m``
days (``p = exp(-1/m)`` survives a day; ``q = m (1 - p)`` is the share of a day's admissions,
spread over the day, still in at its end) and ``s`` the number of census entries per counted
admission (1 when every entry is counted; more when, as in public COVID series, patients are
confirmed after admission). ``m`` (and ``s``, when the Akaike information criterion says the
counts can tell it apart: demand must have moved) are fitted by least squares on the last weeks of
census (a deconvolution of admissions against census: unlike census / admissions over a
window, it stays unbiased while demand rises or falls). With too little admission history,
Little's law (mean census / mean admissions) gives ``m`` and ``s`` is 1.

How far the reported census then strays from the forecast is learnt from the unit's own
past errors (:mod:`.recalibrate`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FIT_DAYS = 28
MEMORY = 6.0  # admissions older than MEMORY mean stays are gone (p**k < 0.25%)
GRID_DAYS = np.exp(np.linspace(math.log(0.25), math.log(60.0), 241))


@dataclass(frozen=True)
class CountStays:
    """A unit's stay law read from its counts."""

    unit: str
    mean_days: float
    entries_per_admission: float
    method: str
    days: int

    def summary(self) -> dict:
        """What ``summary.json`` records."""
        return {"mean_days": round(self.mean_days, 3),
                "entries_per_admission": round(self.entries_per_admission, 4),
                "method": self.method, "days": self.days}


def survivors(admissions: np.ndarray, mean_days: np.ndarray) -> np.ndarray:
    """``(len(mean_days), days)``: for each mean stay, the expected census at the start of each
    day from the admissions before it, ``sum_k q p**k admissions[t-1-k]`` (one entry each)."""
    p = np.exp(-1.0 / mean_days)
    q = mean_days * (1.0 - p)
    out = np.zeros((len(mean_days), len(admissions)))
    for t in range(1, len(admissions)):
        out[:, t] = p * out[:, t - 1] + q * admissions[t - 1]
    return out


def fit_stays(unit: str, census: np.ndarray, admissions: np.ndarray) -> CountStays | None:
    """Fit a unit's stay law from aligned daily ``census`` and ``admissions`` (oldest first).

    ``admissions[t]`` are the admissions during day ``t``, ``census[t]`` the census at its
    start. Missing days are NaN. Every mean stay of the grid :data:`GRID_DAYS` is scored on
    the same days, the last :data:`FIT_DAYS` census days (half as many with a short
    history): the mean stays whose :data:`MEMORY` mean stays of admissions precede them. (A
    stay scored on fewer days would win by having fewer residuals.) Returns None when the
    counts hold no admissions.
    """
    census, admissions = np.asarray(census, float), np.asarray(admissions, float)
    if not np.nansum(admissions) > 0 or not np.isfinite(census).any():
        return None
    n = len(census)
    first = np.ceil(MEMORY * GRID_DAYS).astype(int)
    start = n - FIT_DAYS if first[0] <= n - FIT_DAYS else n - FIT_DAYS // 2
    grid = GRID_DAYS[first <= start]
    if not len(grid):
        return _little(unit, census, admissions)
    x = survivors(np.nan_to_num(admissions, nan=np.nanmean(admissions)), grid)
    days = np.arange(n)
    used = (days[None, :] >= start) & np.isfinite(census)[None, :] & (x > 0)
    y = np.nan_to_num(census)[None, :] * used
    x = x * used
    xx, xy, yy = (x * x).sum(axis=1), (x * y).sum(axis=1), (y * y).sum(axis=1)
    enough = used.sum(axis=1) >= FIT_DAYS // 2
    if not enough.any():
        return _little(unit, census, admissions)
    fixed_error = np.where(enough, yy - 2 * xy + xx, np.inf)
    free_error = np.where(enough, yy - xy**2 / np.maximum(xx, 1e-300), np.inf)
    fixed, free = int(np.argmin(fixed_error)), int(np.argmin(free_error))
    count = int(used[fixed].sum())
    if _aic_prefers_free(fixed_error[fixed], free_error[free], count):
        return CountStays(unit, float(grid[free]), float(xy[free] / xx[free]), "deconvolution",
                          int(used[free].sum()))
    return CountStays(unit, float(grid[fixed]), 1.0, "deconvolution", count)


def _aic_prefers_free(fixed_error: float, free_error: float, n: int) -> bool:
    """Whether fitting the entries per admission (one more parameter) lowers the AIC.

    On steady demand census only tells the product of stay and entries per admission; the
    model with one entry per admission then wins and the stay is Little's.
    """
    return n * math.log(max(fixed_error, 1e-9) / max(free_error, 1e-9)) > 2.0


def _little(unit: str, census: np.ndarray, admissions: np.ndarray) -> CountStays | None:
    window = slice(-FIT_DAYS, None)
    mean_census, mean_admissions = np.nanmean(census[window]), np.nanmean(admissions[window])
    if not mean_admissions > 0 or not mean_census > 0:
        return None
    days = int(np.isfinite(census[window]).sum())
    return CountStays(unit, float(mean_census / mean_admissions), 1.0, "little", days)
