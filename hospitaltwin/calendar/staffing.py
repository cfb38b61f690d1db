"""Staffed capacity over time: rosters, absence and patients-per-staff ratios.

Each staff group's shifts are laid out on the calendar (weekday or weekend head counts, scaled
by any staff change active when the shift starts). In each replication the staff present on a
shift are Binomial(rostered, 1 - absence), drawn by inverting the CDF at one uniform per shift
from the group's own stream, so lower absence or a larger roster never yields fewer staff on
common random numbers. A group's capacity is floor(on duty x patients per staff); it is shared
between the group's units in proportion to their physical beds (largest remainder), and a
unit's staffed beds never exceed its physical beds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from hospitaltwin.calendar.timeline import window_hours
from hospitaltwin.config.layout import StaffGroup
from hospitaltwin.config.scenario import StaffChange
from hospitaltwin.core.tstats import BinomialGroups, binomial_groups, binomial_quantile


@dataclass(frozen=True)
class ShiftPlan:
    """The shifts of one group over the run: start/end hours, rostered heads, absence rate."""

    starts: np.ndarray
    ends: np.ndarray
    rostered: np.ndarray
    absence: np.ndarray
    patients_per_staff: float
    draws: BinomialGroups = field(init=False, repr=False, compare=False)
    """The shifts grouped by head count and presence rate, for :func:`present` (derived)."""

    def __post_init__(self):
        object.__setattr__(self, "draws", binomial_groups(self.rostered, 1.0 - self.absence))


def plan_shifts(name: str, group: StaffGroup, changes: tuple[StaffChange, ...],
                horizon: float, origin: datetime) -> ShiftPlan:
    """Lay the group's shifts out on the calendar from the day before the start to the horizon."""
    mine = [(c, *window_hours(c, origin)) for c in changes if c.group == name]
    first = datetime.combine(origin.date(), datetime.min.time()) - timedelta(days=1)
    rows = []
    for day in range(math.ceil(horizon / 24) + 3):
        date = first + timedelta(days=day)
        for shift_name, shift in group.shifts.items():
            start = (date - origin) / timedelta(hours=1) + shift.start
            end = start + shift.length
            if end <= 0 or start > horizon:  # a shift starting at the horizon staffs its last instant
                continue
            weekend = date.weekday() >= 5
            heads = shift.weekend if (weekend and shift.weekend is not None) else shift.weekday
            rows.append((start, end, *_adjust(heads, group.absence_rate, mine, start, shift_name)))
    rows = np.array(rows, dtype=float).reshape(-1, 4)
    rows[:, :2] = np.round(rows[:, :2], 6)  # one shift's end and the next one's start must coincide exactly
    return ShiftPlan(rows[:, 0], rows[:, 1], rows[:, 2].astype(np.int64), rows[:, 3],
                     group.patients_per_staff)


def _adjust(heads: int, absence: float, changes: list, start: float, shift: str) -> tuple[int, float]:
    for change, since, until in changes:
        if since <= start < until:
            if change.count is not None:
                if change.shift == shift:
                    heads = change.count
                continue
            if change.scale is not None:
                heads = int(round(heads * change.scale))
            if change.absence is not None:
                absence = change.absence
    return heads, absence


def present(plan: ShiftPlan, rng: np.random.Generator) -> np.ndarray:
    """Staff present on each shift: Binomial(rostered, 1 - absence) by inverse CDF."""
    uniforms = rng.random(len(plan.rostered))
    drawn = binomial_quantile(uniforms, plan.rostered, 1.0 - plan.absence, plan.draws)
    return np.where(plan.absence > 0, drawn, plan.rostered).astype(np.int64)


def on_duty(plan: ShiftPlan, heads: np.ndarray, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Staff on duty as a step function: change times (first 0) and head counts."""
    steps = duty_steps(plan, horizon)
    return steps.times, steps.level(heads)


@dataclass(frozen=True)
class DutySteps:
    """Where a plan's head count on duty can change over a run, and how the heads present on
    each shift add up to it there: the same in every replication, so worked out once."""

    times: np.ndarray
    """Change times (first 0)."""
    order: np.ndarray
    """The shifts' starts and ends (after a leading 0) in time order."""
    last: np.ndarray
    """In that order, the last step at each distinct time."""

    def level(self, heads: np.ndarray) -> np.ndarray:
        """Heads on duty from each of :attr:`times`, given the heads present on each shift."""
        deltas = np.concatenate(([0], heads, -heads))
        return np.cumsum(deltas[self.order])[self.last]


def duty_steps(plan: ShiftPlan, horizon: float) -> DutySteps:
    """The :class:`DutySteps` of ``plan`` over a run of ``horizon`` hours."""
    starts, ends = np.clip(plan.starts, 0, horizon), plan.ends  # shifts run past the horizon
    times = np.concatenate(([0.0], starts, ends))
    order = np.argsort(times, kind="stable")
    times = times[order]
    last = np.append(times[1:] != times[:-1], True)
    return DutySteps(times[last], order, last)


@dataclass(frozen=True)
class ShareGrid:
    """Where a group's capacity is shared between its units: every change of its duty or of
    its units' physical beds (``grid``), their beds there (``physical``, one column per unit)
    and the step of the duty that holds at each point (``duty_step``)."""

    grid: np.ndarray
    physical: np.ndarray
    duty_step: np.ndarray


def share_grid(duty_times: np.ndarray, beds: list[tuple[np.ndarray, np.ndarray]]) -> ShareGrid:
    """The :class:`ShareGrid` of a group on duty changing at ``duty_times``, whose units'
    physical beds are the step functions ``beds``."""
    grid = np.unique(np.concatenate([duty_times] + [times for times, _ in beds]))
    physical = np.stack([step_at(times, counts, grid) for times, counts in beds], axis=1)
    return ShareGrid(grid, physical, np.maximum(np.searchsorted(duty_times, grid, side="right") - 1, 0))


def step_at(times: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Value of a step function (``values[i]`` from ``times[i]``) at the instants ``at``."""
    return values[np.maximum(np.searchsorted(times, at, side="right") - 1, 0)]


def share_capacity(capacity: np.ndarray, physical: np.ndarray) -> np.ndarray:
    """Split a group's capacity (T,) over its units by physical beds (T, k), largest remainder."""
    total = physical.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = np.where(total[:, None] > 0, capacity[:, None] * physical / total[:, None], 0.0)
    exact = np.minimum(exact, physical)
    shares = np.floor(exact + 1e-9).astype(np.int64)
    spare = np.minimum(capacity, total) - shares.sum(axis=1)
    order = np.argsort(-(exact - shares), axis=1, kind="stable")
    ranks = np.argsort(order, axis=1)
    shares += (ranks < spare[:, None]) & (shares < physical)
    return np.minimum(shares, physical)


def group_capacity(times: np.ndarray, heads: np.ndarray, ratio: float) -> np.ndarray:
    """Patients a group can care for: floor(heads x ratio)."""
    return np.floor(heads * ratio + 1e-9).astype(np.int64)
