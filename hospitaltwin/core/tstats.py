"""Student's t and binomial quantiles, and the Wilson interval, without SciPy, so a run starts fast.

SciPy takes longer to import than a typical what-if takes to simulate; the engine needs only
two of its functions on its common path. For integer degrees of freedom the t CDF has a
closed finite-series form (Abramowitz & Stegun 26.7.3-4), inverted here by bisection to
machine precision; the binomial quantile sums the PMF by recurrence. Both are checked against
SciPy in the tests. :func:`wilson` is the one interval for a proportion everywhere: calibration's
routing shares, and forecasts' probabilities estimated from a number of replications.
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

import numpy as np


def t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t with integer ``df`` >= 1."""
    theta = math.atan(t / math.sqrt(df))
    s, c = math.sin(theta), math.cos(theta)
    if df % 2 == 1:
        total, term = 0.0, c
        if df > 1:
            total = term
            for k in range(3, df, 2):
                term *= c * c * (k - 1) / k
                total += term
        a = (2 / math.pi) * (theta + s * total)
    else:
        total, term = 1.0, 1.0
        for k in range(2, df, 2):
            term *= c * c * (k - 1) / k
            total += term
        a = s * total
    return 0.5 + 0.5 * a


def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile of Student's t with integer ``df`` (bisection on :func:`t_cdf`)."""
    if not 0 < p < 1:
        raise ValueError("p must be in (0, 1)")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2


def binomial_quantile(u: np.ndarray, n: np.ndarray, p: np.ndarray,
                      groups: BinomialGroups | None = None) -> np.ndarray:
    """Smallest k with P(Binomial(n, p) <= k) >= u, elementwise (inverse-CDF draw).

    Rosters repeat a few head counts and absence rates, so each distinct ``(n, p)`` gets its
    CDF table once (cached) and all its draws are looked up in it at once. ``groups``
    (:func:`binomial_groups` of ``n`` and ``p``) saves finding the distinct pairs again when
    the same ``n`` and ``p`` are drawn many times.
    """
    u = np.asarray(u, dtype=float)
    out = np.empty(len(u), dtype=np.int64)
    for nj, pj, mine in binomial_groups(n, p) if groups is None else groups:
        table = _binomial_cdf(nj, pj)
        if table is not None:
            out[mine] = np.minimum(np.searchsorted(table, u[mine], side="left"), nj)
        else:
            out[mine] = [_binomial_quantile(ui, nj, pj) for ui in u[mine].tolist()]
    return out


BinomialGroups = tuple[tuple[int, float, np.ndarray], ...]
"""Distinct ``(n, p)`` pairs of elementwise binomials, each with the positions it holds."""


def binomial_groups(n: np.ndarray, p: np.ndarray) -> BinomialGroups:
    """The distinct ``(n, p)`` pairs of ``n`` and ``p`` (in order of first appearance) and
    where each appears."""
    groups: dict[tuple[int, float], list[int]] = {}
    for i, key in enumerate(zip(np.asarray(n).tolist(), np.asarray(p, dtype=float).tolist())):
        groups.setdefault(key, []).append(i)
    return tuple((int(nj), pj, np.array(mine, dtype=np.intp)) for (nj, pj), mine in groups.items())


@lru_cache(maxsize=256)
def _binomial_cdf(n: int, p: float) -> np.ndarray | None:
    """P(Binomial(n, p) <= k) for k = 0..n, summed exactly as :func:`_binomial_quantile` sums
    it, so a draw is the same either way; ``None`` where that walk does not apply."""
    if p >= 1.0 or n == 0 or p <= 0.0 or (1 - p) ** n == 0.0:
        return None
    pmf = (1 - p) ** n
    cdf, ratio, table = pmf, p / (1 - p), [pmf]
    for k in range(n):
        pmf *= ratio * (n - k) / (k + 1)
        cdf += pmf
        table.append(cdf)
    return np.array(table)


def _binomial_quantile(u: float, n: int, p: float) -> int:
    if p >= 1.0 or n == 0:
        return n
    if p <= 0.0:
        return 0
    pmf = (1 - p) ** n
    if pmf == 0.0:  # huge n: fall back to a normal approximation
        from statistics import NormalDist
        return int(min(max(round(NormalDist(n * p, math.sqrt(n * p * (1 - p))).inv_cdf(u)), 0), n))
    cdf, k, ratio = pmf, 0, p / (1 - p)
    while cdf < u and k < n:
        pmf *= ratio * (n - k) / (k + 1)
        k += 1
        cdf += pmf
    return k


def z_value(level: float = 0.95) -> float:
    """The two-sided normal quantile for a confidence ``level`` (1.96 for 0.95)."""
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion of ``k`` successes in ``n`` trials.

    Good coverage even for a handful of trials, and never outside [0, 1].

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
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if k == 0 else max(0.0, centre - half)
    return (low, 1.0 if k == n else min(1.0, centre + half))


def replications_for(p: float, half_width: float, level: float = 0.95) -> int:
    """Replications that estimate a probability near ``p`` to within ``half_width`` (normal
    approximation, p taken no closer to 0 or 1 than 0.05 so a rare event is not promised
    precision it has not earned)."""
    p = min(max(p, 0.05), 0.95)
    return math.ceil((z_value(level) / half_width) ** 2 * p * (1 - p))
