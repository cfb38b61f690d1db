"""Interval measures computed for many groups at once equal those of each group on its own,
and those of a plain reference that walks the events one by one."""

from __future__ import annotations

import numpy as np

from hospitaltwin.engine.measures import (
    counts_at,
    counts_at_hours,
    counts_at_hours_by_group,
    step_profile,
    step_profiles,
)


def _intervals(seed: int, n: int, groups: int):
    rng = np.random.default_rng(seed)
    starts = np.round(rng.uniform(-20, 100, n), 1)  # rounded: many equal times
    ends = starts + np.round(rng.exponential(15, n), 1)
    ends[rng.random(n) < 0.1] = np.inf  # still open
    return starts, ends, rng.integers(0, groups, n)


def _reference_profile(starts, ends, breaks, lo, hi):
    """Breakpoints, counts and widths by checking every breakpoint against every interval."""
    points = np.unique(np.concatenate(([lo], starts, ends, breaks)).clip(lo, None))
    points = points[points < hi]
    counts = np.array([((starts <= t) & (t < ends)).sum() for t in points])
    return points, counts, np.diff(np.append(points, hi))


def test_hourly_counts_by_group_are_each_groups_own_counts():
    starts, ends, groups = _intervals(1, 400, 5)
    together = counts_at_hours_by_group(starts, ends, groups, 6, 90)
    for g in range(6):
        mine = groups == g
        assert np.array_equal(together[g], counts_at_hours(starts[mine], ends[mine], 90))
        assert np.array_equal(together[g], counts_at(starts[mine], ends[mine], np.arange(90.0)))
    assert not together[5].any(), "a group with no intervals counts none"


def test_step_profiles_by_group_are_each_groups_own_profile_exactly():
    starts, ends, groups = _intervals(2, 500, 4)
    breaks = [np.array([0.0, 12.0, 36.0]), np.array([0.0]), np.array([0.0, 50.5, 99.0]), np.array([0.0, 7.0])]
    profiles = step_profiles(starts, ends, groups, breaks, 0.0, 80.0)
    for g, (points, counts, widths) in enumerate(profiles):
        mine = groups == g
        alone = step_profile(starts[mine], ends[mine], breaks[g], 0.0, 80.0)
        reference = _reference_profile(starts[mine], ends[mine], breaks[g], 0.0, 80.0)
        for ours, single, ref in zip((points, counts, widths), alone, reference):
            assert np.array_equal(ours, single) and np.array_equal(ours, ref)
        assert points[0] == 0.0 and abs(widths.sum() - 80.0) < 1e-9
