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
    return counts_at_hours_by_group(starts, ends, np.zeros(len(starts), dtype=np.intp), 1, hours)[0]


def counts_at_hours_by_group(starts: np.ndarray, ends: np.ndarray, groups: np.ndarray, n_groups: int,
                             hours: int) -> np.ndarray:
    """:func:`counts_at_hours` of every group at once: row ``g`` counts the intervals whose
    ``groups`` entry is ``g`` (one histogram for all groups, so the cost hardly grows with them)."""
    return _reached(starts, groups, n_groups, hours) - _reached(ends, groups, n_groups, hours)


def _reached(times: np.ndarray, groups: np.ndarray, n_groups: int, hours: int) -> np.ndarray:
    """For each group and whole hour ``h < hours``, how many of its ``times`` are ``<= h``."""
    slots = np.fmax(np.fmin(np.ceil(times), hours), 0).astype(np.intp)  # NaN, inf -> hours
    counts = np.bincount(groups * (hours + 1) + slots, minlength=n_groups * (hours + 1))
    return np.cumsum(counts.reshape(n_groups, hours + 1)[:, :hours], axis=1)


def time_average(starts: np.ndarray, ends: np.ndarray, lo: float, hi: float) -> float:
    """Time-average number of intervals open over ``[lo, hi)``."""
    overlap = np.clip(np.minimum(ends, hi) - np.maximum(starts, lo), 0.0, None)
    return float(overlap.sum() / (hi - lo))


def step_profile(starts: np.ndarray, ends: np.ndarray, cap_times: np.ndarray, lo: float,
                 hi: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Breakpoints in ``[lo, hi)``, the count on each piece, and each piece's duration.

    The breakpoints are ``lo`` and every start, end and capacity change inside ``(lo, hi)``;
    the count on a piece is the number of intervals open on it (see :func:`step_profiles`).
    """
    one = np.zeros(len(starts), dtype=np.intp)
    return step_profiles(starts, ends, one, [cap_times], lo, hi)[0]


def step_profiles(starts: np.ndarray, ends: np.ndarray, groups: np.ndarray, breaks: list[np.ndarray],
                  lo: float, hi: float) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """:func:`step_profile` of every group at once, ``breaks[g]`` being group ``g``'s extra breakpoints.

    One sweep: every time before ``lo`` is moved to ``lo``, the steps (+1 a start, -1 an end,
    0 a breakpoint) are sorted by group, then time, and summed; each group's sum restarts at
    its first step (its ``lo``), and the sum after the last step at each time is kept (so the
    order of steps at equal times does not matter).
    """
    n_groups = len(breaks)
    owners = np.repeat(np.arange(n_groups), [len(b) for b in breaks])
    times = np.maximum(np.concatenate((np.full(n_groups, lo), starts, ends, *breaks)), lo)
    owner = np.concatenate((np.arange(n_groups), groups, groups, owners))
    steps = np.zeros(len(times), dtype=np.int64)
    steps[n_groups:n_groups + len(starts)], steps[n_groups + len(starts):n_groups + 2 * len(starts)] = 1, -1
    keep = (times < hi) | (times == lo)  # NaN never happens
    times, owner, steps = times[keep], owner[keep], steps[keep]
    order = _by_group_then_time(owner, times, n_groups)
    times, owner, counts = times[order], owner[order], np.cumsum(steps[order])
    first = np.searchsorted(owner, np.arange(n_groups + 1))  # each group holds its lo: never empty
    counts -= np.concatenate(([0], counts))[first[:-1]][owner]
    last = np.append((times[1:] != times[:-1]) | (owner[1:] != owner[:-1]), True)
    points, counts, owner = times[last], counts[last], owner[last]
    following = np.append(points[1:], hi)
    following[np.append(owner[1:] != owner[:-1], True)] = hi
    widths = following - points
    cuts = np.searchsorted(owner, np.arange(n_groups + 1))
    return [(points[a:b], counts[a:b], widths[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]


def _by_group_then_time(owner: np.ndarray, times: np.ndarray, n_groups: int) -> np.ndarray:
    """The order sorting by group, then time: a quicksort of the times (ties in any order), then
    a stable sort of the groups (a radix sort when they fit 16 bits; six times a ``lexsort``)."""
    by_time = np.argsort(times)
    small = np.int16 if n_groups < 2**15 else np.int64
    return by_time[np.argsort(owner[by_time].astype(small), kind="stable")]


def capacity_at(times: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """A step function's value (``values[i]`` from ``times[i]``) at ``at``."""
    return values[step_index(times, at)]


def step_index(times: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Which step of a step function changing at ``times`` (first at or before 0) holds at ``at``:
    ``capacity_at(times, values, at)`` is ``values[step_index(times, at)]`` for any ``values``."""
    return np.maximum(np.searchsorted(times, at, side="right") - 1, 0)


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
