"""Confidence intervals for counts and proportions, and rounding that keeps a sum.

Calibration reports every estimated probability and rate with an interval a reader can act
on: the Wilson score interval for a proportion (good coverage even for a handful of cases,
never outside [0, 1]) and the exact Garwood interval for a Poisson rate (chi-square quantiles,
conservative). :func:`round_to_sum` rounds a probability vector so that the rounded values add
up to exactly one in integer units of the last decimal, which the demand file requires.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import stats


def garwood(count: int, exposure: float, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson rate: ``count`` events over ``exposure``.

    Parameters
    ----------
    count : int
        Events observed.
    exposure : float
        Time at risk, in the unit the rate is wanted in (days for a rate per day).
    level : float
        Confidence level.

    Returns
    -------
    tuple of float
        ``(low, high)`` for the rate.
    """
    if exposure <= 0:
        return (0.0, float("inf"))
    alpha = 1 - level
    low = stats.chi2.ppf(alpha / 2, 2 * count) / 2 if count > 0 else 0.0
    high = stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    return (float(low) / exposure, float(high) / exposure)


def round_to_sum(probs: Mapping[str, float], decimals: int = 4) -> dict[str, float]:
    """Round probabilities so the rounded values add up to exactly one.

    Parameters
    ----------
    probs : mapping of str to float
        Non-negative values with a positive sum (normalised here).
    decimals : int
        Decimals kept.

    Returns
    -------
    dict of str to float
        Same keys and order, values on the ``10**-decimals`` grid, integer units summing to
        ``10**decimals``.
    """
    keys = list(probs)
    values = round_vector([probs[k] for k in keys], decimals, total=1)
    return dict(zip(keys, values.tolist(), strict=True))


def round_vector(values, decimals: int, total: int = 1) -> np.ndarray:
    """Scale non-negative ``values`` to sum to ``total`` and round them, keeping that sum.

    Largest-remainder rounding in integer units of ``10**-decimals``: each value is floored,
    and the units still missing go to the values with the largest remainders (ties by order).
    """
    raw = np.asarray(values, dtype=float)
    if raw.size == 0 or raw.sum() <= 0 or (raw < 0).any() or not np.isfinite(raw).all():
        raise ValueError("values must be finite and non-negative with a positive sum")
    grid = 10**decimals
    scaled = raw / raw.sum() * total * grid
    units = np.floor(scaled).astype(np.int64)
    order = np.argsort(-(scaled - units), kind="stable")
    units[order[: total * grid - units.sum()]] += 1
    return units / grid
