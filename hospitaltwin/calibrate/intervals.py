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


def z_value(level: float = 0.95) -> float:
    """The two-sided normal quantile for a confidence ``level`` (1.96 for 0.95)."""
    return float(stats.norm.ppf(0.5 + level / 2))


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion of ``k`` successes in ``n`` trials.

    Parameters
    ----------
    k, n : int
        Successes and trials (``0 <= k <= n``).
    level : float
        Confidence level.

    Returns
    -------
    tuple of float
        ``(low, high)``; ``(0, 1)`` when ``n`` is zero.
    """
    if n <= 0:
        return (0.0, 1.0)
    z, p = z_value(level), k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, float(centre - half)), min(1.0, float(centre + half)))


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

    Largest-remainder rounding in integer units of ``10**-decimals``: each value is floored,
    and the units still missing go to the values with the largest remainders (ties by order).

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
    raw = np.array([probs[k] for k in keys], dtype=float)
    if raw.size == 0 or raw.sum() <= 0 or (raw < 0).any():
        raise ValueError("probabilities must be non-negative with a positive sum")
    total = 10**decimals
    scaled = raw / raw.sum() * total
    units = np.floor(scaled).astype(int)
    order = np.argsort(-(scaled - units), kind="stable")
    units[order[: total - units.sum()]] += 1
    return {k: int(u) / total for k, u in zip(keys, units)}
