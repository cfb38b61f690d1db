"""Weekday effects of a daily series: what a day of the week adds beyond the series' trend.

Reported hospital counts follow the week: fewer admissions are counted on Saturdays and
Sundays, and a census can run a little low or high on some days. A trend model that ignores
this reads the weekend's low admissions as a fall in demand, and its forecast made just
after a weekend starts low. :func:`weekday_factors` reads the factor of each weekday from
the last :data:`WEEKS` weeks of a daily series: each day's value over its centred 7-day
mean (on the log scale, so a trend cancels), averaged per weekday. A weekday's mean rests on
a handful of days, and on a noisy series (a small unit's admissions) it is mostly noise: each
weekday's effect is therefore shrunk toward none by the share of its spread that its own
sampling noise explains (an empirical-Bayes estimate, ``tau2 / (tau2 + se2)`` with ``tau2``
the spread of the weekday means beyond their noise). A clear pattern is kept whole, noise
alone gives factors near 1. The same function serves the census (:mod:`.recalibrate`) and
the admissions the demand model fits (:mod:`.demand`).
"""

from __future__ import annotations

import numpy as np

WEEKS = 8


def weekday_factors(values: np.ndarray, weekdays: np.ndarray, weeks: int = WEEKS) -> np.ndarray:
    """Factors of a daily series by weekday (Monday first; geometric mean 1).

    Parameters
    ----------
    values : ndarray
        The daily series, oldest first (NaN or not above 0 where unknown).
    weekdays : ndarray
        The weekday of each value (0 Monday .. 6 Sunday).
    weeks : int
        How many of the last weeks are read.

    Returns
    -------
    ndarray
        Seven factors; a weekday with no data, or whose effect its noise explains, gives 1.
    """
    values = np.asarray(values, float)[-(7 * weeks + 3):]
    weekday = np.asarray(weekdays)[-len(values):]
    logs = np.log(np.where(values > 0, values, np.nan))
    known = np.isfinite(logs)
    window = np.convolve(np.where(known, logs, 0.0), np.ones(7), "same")
    counted = np.convolve(known.astype(float), np.ones(7), "same")
    ratio = np.where(counted == 7, logs - window / np.maximum(counted, 1), np.nan)[3:-3]
    weekday = weekday[3:-3]
    groups = [ratio[(weekday == w) & np.isfinite(ratio)] for w in range(7)]
    return np.exp(_shrunk_effects(groups))


def _shrunk_effects(groups: list[np.ndarray]) -> np.ndarray:
    """Mean of each group, shrunk toward the mean of the means by its sampling noise; centred."""
    means = np.array([g.mean() if len(g) else 0.0 for g in groups])
    sizes = np.array([len(g) for g in groups])
    filled = sizes > 0
    if filled.sum() < 2:
        return means - means.mean()
    within = sum(float(((g - g.mean()) ** 2).sum()) for g in groups if len(g))
    dof = int(sizes.sum() - filled.sum())
    noise = np.where(filled, (within / dof if dof > 0 else 0.0) / np.maximum(sizes, 1), 0.0)
    centre = means[filled].mean()
    spread = float(((means[filled] - centre) ** 2).sum()) / (filled.sum() - 1)
    tau2 = max(spread - float(noise[filled].mean()), 0.0)
    keep = np.where(tau2 + noise > 0, tau2 / np.maximum(tau2 + noise, 1e-300), 1.0)
    effects = np.where(filled, centre + keep * (means - centre), centre)
    return effects - effects.mean()
