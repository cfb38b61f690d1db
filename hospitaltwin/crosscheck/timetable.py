"""The cross-check engine's own reading of the calendar: demand factors, shifts and bed changes.

Derived here from the scenario model alone, independently of :mod:`hospitaltwin.calendar`
(which the SimPy engine uses), so that a mistake in either derivation shows up as a
disagreement between the engines. The semantics are the documented ones (docs/concepts.md):
demand is constant within each hour of the run, at the product of every applicable change
evaluated at the hour's middle; a shift's head count is its weekday or weekend figure (by the
date it starts on), overridden or scaled by the staff changes active when it starts; the staff
present are Binomial(rostered, 1 - absence); a group cares for floor(staff x patients per
staff) patients, shared among its units in proportion to their physical beds (largest
remainder), never more than a unit's physical beds; a unit's physical beds are its layout
count with every bed change active at that time applied in order.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np

from hospitaltwin.config.demand import ArrivalStream
from hospitaltwin.config.layout import StaffGroup
from hospitaltwin.config.scenario import BedChange, DemandChange, StaffChange, Window
from hospitaltwin.core.durations import offset_hours

EPS = 1e-9


def window_of(window: Window, origin: datetime) -> tuple[float, float]:
    """A change's ``[from, until)`` in run hours, open ends as infinities."""
    since = -math.inf if window.from_ is None else offset_hours(window.from_, origin)
    until = math.inf if window.until is None else offset_hours(window.until, origin)
    return since, until


class DemandFactor:
    """The demand changes that apply to one arrival stream, as a function of run time."""

    def __init__(self, stream: ArrivalStream, changes: tuple[DemandChange, ...], origin: datetime):
        self.parts = []
        for change in changes:
            if change.units is not None and stream.unit not in change.units:
                continue
            if change.streams is not None and stream.stream_name not in change.streams:
                continue
            since, until = window_of(change, origin)
            if change.curve is not None:
                points = sorted((offset_hours(t, origin), y) for t, y in change.curve)
                shape = ("curve", [p[0] for p in points], [p[1] for p in points])
            elif change.surge is not None:
                shape = ("surge", offset_hours(change.surge.at, origin), change.surge.sd, change.surge.peak)
            else:
                shape = ("multiplier", change.multiplier)
            self.parts.append((since, until, shape))

    def at(self, t: float) -> float:
        """The product of the changes active at ``t``."""
        factor = 1.0
        for since, until, shape in self.parts:
            if since <= t < until:
                factor *= _shape_at(shape, t)
        return factor

    def bound(self) -> float:
        """An upper bound of :meth:`at` over all time (for thinning)."""
        return math.prod(max(1.0, _shape_max(shape)) for _, _, shape in self.parts)


def _shape_at(shape: tuple, t: float) -> float:
    if shape[0] == "multiplier":
        return shape[1]
    if shape[0] == "surge":
        _, centre, sd, peak = shape
        return 1.0 + (peak - 1.0) * math.exp(-0.5 * ((t - centre) / sd) ** 2)
    return float(np.interp(t, shape[1], shape[2]))


def _shape_max(shape: tuple) -> float:
    if shape[0] == "multiplier":
        return shape[1]
    if shape[0] == "surge":
        return shape[3]
    return max(shape[2])


def shifts_of(name: str, group: StaffGroup, changes: tuple[StaffChange, ...], horizon: float,
              origin: datetime) -> list[tuple[float, float, int, float]]:
    """Every shift of ``group`` on duty in ``[0, horizon]``: ``(start, end, rostered, absence)``.

    Times are rounded to the microhour so that one shift's end meets the next one's start.
    """
    mine = [(c, *window_of(c, origin)) for c in changes if c.group == name]
    midnight = datetime(origin.year, origin.month, origin.day)
    out = []
    for day in range(-1, math.ceil(horizon / 24) + 2):
        date = midnight + timedelta(days=day)
        day_start = (date - origin).total_seconds() / 3600
        for shift_name, shift in group.shifts.items():
            start, end = round(day_start + shift.start, 6), round(day_start + shift.start + shift.length, 6)
            if end <= 0 or start > horizon:
                continue
            heads = shift.weekend if date.weekday() >= 5 and shift.weekend is not None else shift.weekday
            absence = group.absence_rate
            for change, since, until in mine:
                if not since <= start < until:
                    continue
                if change.count is not None:
                    heads = change.count if change.shift == shift_name else heads
                    continue
                heads = int(round(heads * change.scale)) if change.scale is not None else heads
                absence = change.absence if change.absence is not None else absence
            out.append((start, end, heads, absence))
    return out


def staff_present(rostered: int, absence: float, rng: np.random.Generator) -> int:
    """Staff who turn up for a shift of ``rostered``, each absent with probability ``absence``."""
    return int(rng.binomial(rostered, 1.0 - absence)) if absence > 0 else rostered


def patients_cared_for(heads: int, patients_per_staff: float) -> int:
    """floor(staff x ratio), the patients a group on duty can care for."""
    return math.floor(heads * patients_per_staff + EPS)


def share(capacity: int, beds: list[int]) -> list[int]:
    """Split ``capacity`` over units with ``beds`` physical beds: by beds, largest remainder."""
    total = sum(beds)
    if total <= 0:
        return [0] * len(beds)
    exact = [min(capacity * b / total, b) for b in beds]
    shares = [math.floor(x + EPS) for x in exact]
    spare = min(capacity, total) - sum(shares)
    for i in sorted(range(len(beds)), key=lambda i: -(exact[i] - shares[i])):
        if spare <= 0:
            break
        if shares[i] < beds[i]:
            shares[i] += 1
            spare -= 1
    return shares


def physical_beds(base: int, changes: list[tuple[BedChange, float, float]], t: float) -> int:
    """A unit's physical beds at ``t``: ``base`` with the changes active then applied in order."""
    beds = base
    for change, since, until in changes:
        if since <= t < until:
            beds = change.beds if change.beds is not None else beds + change.add
    return max(beds, 0)
