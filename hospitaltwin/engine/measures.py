"""Exact time-weighted measures of counting processes built from interval records.

A unit's census is the number of stays with ``start <= t < end``; its queue the number of
requests with ``arrive <= t < start``. Rather than sampling these in the event loop, they are
computed afterwards from the recorded intervals with vectorised numpy: exact time averages over
a window, the fraction of time at capacity (one sorted sweep over the interval ends), and
snapshots at every whole hour (histograms of the hours at which intervals open and close, no
sort at all).
"""

from __future__ import annotations

import numpy as np


def counts_at(starts: np.ndarray, ends: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Number of intervals ``[start, end)`` containing each instant of ``at``.

    ``starts`` and ``ends`` need not be sorted; open intervals have ``end = inf``.
    """
    s, e = np.sort(starts), np.sort(ends)
    return np.searchsorted(s, at, side="right") - np.searchsorted(e, at, side="right")


def counts_at_hours(starts: np.ndarray, ends: np.ndarray, hours: int) -> np.ndarray:
    """``counts_at(starts, ends, np.arange(hours))``, computed without sorting.

    An interval ``[start, end)`` contains the whole hour ``h`` exactly when
    ``ceil(start) <= h < ceil(end)``, so the counts are the running sums of two histograms.
    NaN (and infinite) times never happen; times before 0 happen at hour 0.
    """
    return _reached(starts, hours) - _reached(ends, hours)


def _reached(times: np.ndarray, hours: int) -> np.ndarray:
    """For each whole hour ``h < hours``, how many of ``times`` are ``<= h``."""
    slots = np.fmax(np.fmin(np.ceil(times), hours), 0).astype(np.intp)  # NaN, inf -> hours
    return np.cumsum(np.bincount(slots, minlength=hours + 1)[:hours])


def time_average(starts: np.ndarray, ends: np.ndarray, lo: float, hi: float) -> float:
    """Time-average number of intervals open over ``[lo, hi)``."""
    overlap = np.clip(np.minimum(ends, hi) - np.maximum(starts, lo), 0.0, None)
    return float(overlap.sum() / (hi - lo))


def step_profile(starts: np.ndarray, ends: np.ndarray, cap_times: np.ndarray, lo: float,
                 hi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Breakpoints in ``[lo, hi)``, the count on each piece, and each piece's duration.

    The breakpoints are ``lo`` and every start, end and capacity change inside ``(lo, hi)``;
    the count on a piece is the number of intervals open on it. One sweep: every time before
    ``lo`` is moved to ``lo``, the steps (+1 a start, -1 an end, 0 a capacity change) are
    summed in time order and the sum after the last step at each time is kept.
    """
    times = np.maximum(np.concatenate(([lo], starts, ends, cap_times)), lo)
    steps = np.zeros(len(times), dtype=np.int64)
    steps[1:len(starts) + 1], steps[len(starts) + 1:len(starts) + len(ends) + 1] = 1, -1
    keep = (times < hi) | (times == lo)  # NaN never happens
    times, steps = times[keep], steps[keep]
    order = np.argsort(times, kind="stable")
    times, counts = times[order], np.cumsum(steps[order])
    last = np.append(times[1:] != times[:-1], True)
    points = times[last]
    return points, counts[last], np.diff(np.append(points, hi))


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
