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

The relative root-mean-square residual of that fit says how far the reported census strays
from what admissions explain (reporting noise, definitional drift): counts-mode forecasts of a
unit's census carry it as count noise (:func:`blur_counts`).
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
    count_noise: float
    method: str
    days: int

    def summary(self) -> dict:
        """What ``summary.json`` records."""
        return {"mean_days": round(self.mean_days, 3),
                "entries_per_admission": round(self.entries_per_admission, 4),
                "count_noise": round(self.count_noise, 4), "method": self.method, "days": self.days}


def survival_weights(mean_days: float, n: int) -> np.ndarray:
    """Weights ``q p**k`` of admissions ``k`` days before the census day before, k < n."""
    p = math.exp(-1.0 / mean_days)
    return mean_days * (1.0 - p) * p ** np.arange(n)


def _convolved(admissions: np.ndarray, weights: np.ndarray, first: int) -> np.ndarray:
    """For census days ``first..`` the admissions-weighted survivors (admissions up to the day before)."""
    full = np.convolve(admissions, weights)[: len(admissions)]
    return full[first - 1: len(admissions) - 1]


def fit_stays(unit: str, census: np.ndarray, admissions: np.ndarray) -> CountStays | None:
    """Fit a unit's stay law from aligned daily ``census`` and ``admissions`` (oldest first).

    ``admissions[t]`` are the admissions during day ``t``, ``census[t]`` the census at its
    start. Missing days are NaN. Returns None when the counts hold no admissions.
    """
    census, admissions = np.asarray(census, float), np.asarray(admissions, float)
    if not np.nansum(admissions) > 0 or not np.isfinite(census).any():
        return None
    filled = np.nan_to_num(admissions, nan=np.nanmean(admissions))
    fixed, free = None, None  # best (error, m, s, noise, n) with s = 1, and with s fitted
    for mean_days in GRID_DAYS:
        first = int(math.ceil(MEMORY * mean_days))
        if len(census) - first < FIT_DAYS // 2:
            break
        start = max(first, len(census) - FIT_DAYS)
        x = _convolved(filled, survival_weights(mean_days, first), start)
        y = census[start:]
        keep = np.isfinite(y) & (x > 0)
        if keep.sum() < FIT_DAYS // 2:
            continue
        x, y = x[keep], y[keep]
        for scale, best in ((1.0, "fixed"), (float(np.dot(x, y) / np.dot(x, x)), "free")):
            error = float(np.sum((y - scale * x) ** 2))
            current = fixed if best == "fixed" else free
            if current is None or error < current[0]:
                noise = float(np.sqrt(np.mean(((y - scale * x) / np.maximum(y, 1.0)) ** 2)))
                value = (error, float(mean_days), scale, noise, len(y))
                fixed, free = (value, free) if best == "fixed" else (fixed, value)
    if fixed is None:
        return _little(unit, census, admissions)
    chosen = free if _aic_prefers_free(fixed, free) else fixed
    return CountStays(unit, chosen[1], chosen[2], chosen[3], "deconvolution", chosen[4])


def _aic_prefers_free(fixed: tuple, free: tuple) -> bool:
    """Whether fitting the entries per admission (one more parameter) lowers the AIC.

    On steady demand census only tells the product of stay and entries per admission; the
    model with one entry per admission then wins and the stay is Little's.
    """
    n = fixed[4]
    return n * math.log(max(fixed[0], 1e-9) / max(free[0], 1e-9)) > 2.0


def _little(unit: str, census: np.ndarray, admissions: np.ndarray) -> CountStays | None:
    window = slice(-FIT_DAYS, None)
    mean_census, mean_admissions = np.nanmean(census[window]), np.nanmean(admissions[window])
    if not mean_admissions > 0 or not mean_census > 0:
        return None
    days = int(np.isfinite(census[window]).sum())
    return CountStays(unit, float(mean_census / mean_admissions), 1.0, 0.0, "little", days)


def blur_counts(hist: np.ndarray, relative_sd: float) -> np.ndarray:
    """Histograms ``(hours, levels)`` of a census convolved with count noise.

    The reported count is the level times ``exp(e)``, ``e ~ N(0, relative_sd**2)``, rounded;
    mass moves between integer levels, the number of replications stays.
    """
    if relative_sd <= 0:
        return hist
    from scipy.stats import norm

    levels = np.arange(hist.shape[-1])
    top = int(math.ceil(hist.shape[-1] * math.exp(4 * relative_sd))) + 2
    edges = np.arange(top + 1) - 0.5
    out = np.zeros(hist.shape[:-1] + (top,))
    for level in np.flatnonzero(hist.reshape(-1, hist.shape[-1]).sum(axis=0)):
        if level == 0:
            out[..., 0] += hist[..., 0]
            continue
        z = np.log(np.maximum(edges, 1e-9) / levels[level]) / relative_sd
        weights = np.diff(norm.cdf(z))
        out += hist[..., level, None] * weights
    return out
