"""How far the demand model's level forecasts missed in its own recent past, and what to add.

The local linear trend says how uncertain its forecast of the level is ``j`` days ahead: the
variance of its current level and slope carried forward, plus ``j`` days of their shocks.
When demand turns (a wave starts, a ramp steepens), the fitted model can be more sure of
itself than its record justifies. So, with the fitted parameters, the levels it would have
forecast at each of the last :data:`PAST_ORIGINS` days for the next ``j`` days are averaged
and compared with the mean log ratio of those days, when they are already known at the
origin (no look ahead). The mean over days, not each day, is scored: a census
integrates its admissions, and the day-to-day noise would hide a level that drifts away.
The mean square of those errors, over the variance the model gave them (the level's, plus
the irregular variance over ``j``), is the error ratio at lead ``j`` (1 when the model is
honest).

Where the ratio is above 1, the variance the model lacked (the ratio less 1, times what
today's forecast gives the mean of days 1..j) is added to every demand path as a random walk
on the log level, its variances chosen lead by lead so that the mean of days 1..j gains
that much (never decreasing with the lead). The model is never made surer of itself than it
is.
"""

from __future__ import annotations

import numpy as np

PAST_ORIGINS = 28
MIN_ERRORS = 5
TRANSITION = np.array([[1.0, 1.0], [0.0, 1.0]])


def lead_covariance(cov: np.ndarray, shocks: np.ndarray, leads: int) -> np.ndarray:
    """Covariance ``(leads, leads)`` of the level 1..``leads`` days after a state with
    covariance ``cov``; ``shocks`` is the daily covariance of the level and slope shocks."""
    ahead = [np.linalg.matrix_power(TRANSITION, j) for j in range(leads + 1)]
    out = np.empty((leads, leads))
    for a in range(1, leads + 1):
        for b in range(a, leads + 1):
            value = ahead[a] @ cov @ ahead[b].T
            for i in range(1, a + 1):
                value = value + ahead[a - i] @ shocks @ ahead[b - i].T
            out[a - 1, b - 1] = out[b - 1, a - 1] = value[0, 0]
    return out


def window_variances(cov: np.ndarray, shocks: np.ndarray, irregular: float, leads: int) -> np.ndarray:
    """Variance the model gives the mean of days 1..j ahead, for j = 1..``leads``."""
    covariance = lead_covariance(cov, shocks, leads)
    j = np.arange(1, leads + 1)
    level = np.array([covariance[:k, :k].sum() for k in j]) / j**2
    return level + irregular / j


def error_ratios(y: np.ndarray, state: np.ndarray, cov: np.ndarray, shocks: np.ndarray,
                 irregular: float, leads: int, first: int) -> tuple[np.ndarray, np.ndarray]:
    """Per lead day j, the past errors of the mean of days 1..j, squared, over their variance.

    Parameters
    ----------
    y
        The series the model was fitted to (NaN where unknown).
    state, cov
        Filtered level and slope ``(2, n)`` and their covariances ``(2, 2, n)``.
    shocks, irregular
        The fitted shock covariance and irregular variance.
    leads
        Lead days 1..``leads``.
    first
        The first index whose filtered state is used (enough days behind it).

    Returns
    -------
    tuple of ndarray
        The ratios (NaN with fewer than :data:`MIN_ERRORS` errors) and the number of errors.
    """
    n = len(y)
    squares: list[list[float]] = [[] for _ in range(leads)]
    for t in range(max(first, n - 1 - leads - PAST_ORIGINS + 1), n - 1):
        horizon = min(leads, n - 1 - t)
        variances = window_variances(cov[:, :, t], shocks, irregular, horizon)
        forecast = state[0, t] + state[1, t] * np.arange(1, horizon + 1)
        errors = y[t + 1: t + 1 + horizon] - forecast
        for j in range(1, horizon + 1):
            if t < n - 1 - j - PAST_ORIGINS + 1 or not np.isfinite(errors[:j]).all():
                continue
            squares[j - 1].append(float(errors[:j].mean()) ** 2 / max(variances[j - 1], 1e-12))
    counts = np.array([len(s) for s in squares])
    ratios = np.array([np.mean(s) if len(s) >= MIN_ERRORS else np.nan for s in squares])
    return ratios, counts


def added_variance(ratios: np.ndarray, given: np.ndarray) -> np.ndarray:
    """Variances ``W_j`` of a random walk added to the log level so that the mean of days
    1..j gains what the past errors show it lacks, ``(ratio_j - 1) * given_j``.

    ``given`` is the variance today's forecast gives the mean of days 1..j. ``W`` never
    decreases; a lead without a ratio, or with nothing lacking, adds no more than the lead
    before.
    """
    lacking = np.where(np.isfinite(ratios), np.maximum(ratios - 1.0, 0.0) * given, 0.0)
    walk = np.zeros(len(ratios))
    for j in range(1, len(ratios) + 1):
        # the mean of a walk over days 1..j has variance sum_k (2 (j - k) + 1) W_k / j**2
        earlier = sum((2 * (j - k) + 1) * walk[k - 1] for k in range(1, j))
        needed = j * j * lacking[j - 1] - earlier
        walk[j - 1] = max(needed, walk[j - 2] if j > 1 else 0.0)
    return walk


def random_walk(variances: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, leads)`` random walks whose variance at each lead is ``variances``."""
    steps = np.diff(np.concatenate(([0.0], variances)))
    return np.cumsum(rng.normal(size=(n, len(variances))) * np.sqrt(np.maximum(steps, 0.0)), axis=1)
