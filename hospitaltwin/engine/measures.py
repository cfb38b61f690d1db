"""Exact time-weighted measures of counting processes built from interval records.

A unit's census is the number of stays with ``start <= t < end``; its queue the number of
requests with ``arrive <= t < start``. Rather than sampling these in the event loop, they are
computed afterwards from the recorded intervals with sorted arrays: exact time averages over a
window, the fraction of time at capacity, and snapshots at every hour.
"""

from __future__ import annotations

import numpy as np


def counts_at(starts: np.ndarray, ends: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Number of intervals ``[start, end)`` containing each instant of ``at``.

    ``starts`` and ``ends`` need not be sorted; open intervals have ``end = inf``.
    """
    s, e = np.sort(starts), np.sort(ends)
    return np.searchsorted(s, at, side="right") - np.searchsorted(e, at, side="right")


def time_average(starts: np.ndarray, ends: np.ndarray, lo: float, hi: float) -> float:
    """Time-average number of intervals open over ``[lo, hi)``."""
    overlap = np.clip(np.minimum(ends, hi) - np.maximum(starts, lo), 0.0, None)
    return float(overlap.sum() / (hi - lo))


def step_profile(starts: np.ndarray, ends: np.ndarray, cap_times: np.ndarray, lo: float,
                 hi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Breakpoints in ``[lo, hi)``, the count on each piece, and each piece's duration."""
    inside = lambda x: x[(x > lo) & (x < hi)]  # noqa: E731
    points = np.unique(np.concatenate(([lo], inside(starts), inside(ends), inside(cap_times))))
    widths = np.diff(np.append(points, hi))
    return points, counts_at(starts, ends, points), widths


def capacity_at(times: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """A step function's value (``values[i]`` from ``times[i]``) at ``at``."""
    return values[np.maximum(np.searchsorted(times, at, side="right") - 1, 0)]


def fraction_at_capacity(points, counts, widths, cap_times, cap_values) -> float:
    """Fraction of the window's time with count >= capacity."""
    full = counts >= capacity_at(cap_times, cap_values, points)
    return float(widths[full].sum() / widths.sum())


def excess(points, counts, widths, cap_times, cap_values) -> tuple[float, float]:
    """Hours with count above capacity, and the integral of the excess (patient-hours)."""
    over = counts - capacity_at(cap_times, cap_values, points)
    return float(widths[over > 0].sum()), float((np.clip(over, 0, None) * widths).sum())


def time_average_step(times: np.ndarray, values: np.ndarray, lo: float, hi: float) -> float:
    """Time average of a step function over ``[lo, hi)``."""
    points = np.unique(np.concatenate(([lo], times[(times > lo) & (times < hi)])))
    widths = np.diff(np.append(points, hi))
    return float((capacity_at(times, values, points) * widths).sum() / (hi - lo))
