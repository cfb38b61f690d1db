"""The CP-SAT nurse roster model: data, variables, constraints, objective, solve.

Written like the OR-Tools shift-scheduling samples. Indices: ``n`` a nurse
(:class:`~hospitaltwin.optimize.roster.problem.Staff`), ``t`` a slot (one shift of one group
on one day), ``s`` a segment (hours of a group covered by the same slots), ``w`` a week.

Variables
    ``work[n, t]`` (bool, only where nurse ``n`` may work slot ``t``); ``heads[t]`` (int, the
    nurses on slot ``t``: the aggregated count the engine sees); ``cost[s]`` (int, scaled
    expected uncovered patient-hours of segment ``s``); ``over[n]`` (int, overtime shifts);
    ``weekend[n, w]`` (bool, nurse ``n`` works in weekend ``w``).
Constraints
    one shift a day and never two overlapping shifts (always); per nurse, each an explainable
    rule group: minimum rest between shifts, max shifts per week, min/max hours per week
    (averaged over the period), max consecutive days, max nights per week and per period,
    weekends off, leave; per slot: the cover rules (e.g. at least one ECLS-trained nurse).
Objective
    expected uncovered patient-hours (each segment's convex cost through its tangent lines,
    exact at integer head counts and tight in the LP relaxation) + overtime shifts + broken
    requests, each times its cost. The part no roster can avoid (the cost with every eligible
    nurse on duty) is left out of the solver's objective, so its gap is the gap on what the
    roster controls. Nurses of one ``count`` entry without requests or leave are
    interchangeable; their totals are ordered to break that symmetry.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from hospitaltwin.optimize.roster.data import Instance

SCALE = 1000
"""Objective units per cost unit: CP-SAT needs integer coefficients."""
MINUTES = 60
PENALTY = 1000 * SCALE
"""Objective units per missing nurse (or per 12 hours below a minimum) when a block of a
large instance treats cover and minimum hours as soft (``Instance.soft``)."""


class Rules:
    """Enforcement literals of rule groups, created only when explaining infeasibility."""

    def __init__(self, model: cp_model.CpModel, explain: bool):
        self.model, self.explain = model, explain
        self.literals: dict[tuple, cp_model.IntVar] = {}

    def __call__(self, *key) -> list:
        """``[]`` in a normal solve; ``[literal]`` of rule group ``key`` when explaining."""
        if not self.explain:
            return []
        if key not in self.literals:
            self.literals[key] = self.model.new_bool_var("rule:" + ":".join(map(str, key)))
        return [self.literals[key]]


@dataclass
class RosterModel:
    """The CP-SAT model and its variables (indices as in the module docstring)."""

    inst: Instance
    model: cp_model.CpModel
    rules: Rules
    work: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    heads: list = field(default_factory=list)
    over: dict[int, cp_model.IntVar] = field(default_factory=dict)
    penalties: list[tuple[cp_model.IntVar, int]] = field(default_factory=list)

    def shifts_of(self, n: int, slots=None) -> list:
        """``work`` literals of nurse ``n`` (on ``slots`` if given)."""
        chosen = self.inst.eligible[n] if slots is None else slots
        return [self.work[n, t] for t in chosen if (n, t) in self.work]


def build_model(inst: Instance, explain: bool = False, twins: bool = True) -> RosterModel:
    """Variables, constraints and objective of ``inst``; rule groups get literals if ``explain``;
    ``twins``: order interchangeable nurses (symmetry breaking)."""
    model = cp_model.CpModel()
    rm = RosterModel(inst, model, Rules(model, explain))
    _variables(rm)
    for add in (_one_shift_a_day, _rest, _weekly, _hours, _consecutive, _nights, _weekends, _leave,
                _cover, _overtime):
        add(rm)
    if not explain:
        if twins:
            _order_twins(rm)
        _objective(rm)
    return rm


def _variables(rm: RosterModel) -> None:
    inst, model = rm.inst, rm.model
    for n, slots in enumerate(inst.eligible):
        for t in slots:
            rm.work[n, t] = model.new_bool_var(f"work[{inst.staff[n].id},{t}]")
    by_slot = defaultdict(list)
    for (n, t), var in rm.work.items():
        by_slot[t].append(var)
    for t in range(len(inst.slots)):
        extra = inst.extra.get(t, 0)
        rm.heads.append(model.new_int_var(extra, extra + len(by_slot[t]), f"heads[{t}]"))
        model.add(rm.heads[t] == sum(by_slot[t]) + extra)


def _by_day(rm: RosterModel, n: int) -> dict[int, list]:
    days = defaultdict(list)
    for t in rm.inst.eligible[n]:
        days[rm.inst.slots[t].day].append(rm.work[n, t])
    return days


def _one_shift_a_day(rm: RosterModel) -> None:
    for n in range(len(rm.inst.staff)):
        for shifts in _by_day(rm, n).values():
            if len(shifts) > 1:
                rm.model.add_at_most_one(shifts)


def _rest(rm: RosterModel) -> None:
    """Two shifts closer than the minimum rest (or overlapping) are never both worked."""
    slots = rm.inst.slots
    for n, staff in enumerate(rm.inst.staff):
        mine = sorted(rm.inst.eligible[n], key=lambda t: slots[t].start)
        for i, a in enumerate(mine):
            for b in mine[i + 1:]:
                gap = slots[b].start - slots[a].end
                if gap >= staff.contract.min_rest:
                    break
                if slots[a].day == slots[b].day:
                    continue
                lits = [] if gap < 0 else rm.rules("rest", n)
                rm.model.add_bool_or([~rm.work[n, a], ~rm.work[n, b]]).only_enforce_if(lits)


def _weeks(rm: RosterModel, n: int, select=lambda t: True) -> list[list]:
    weeks = [[] for _ in range(rm.inst.problem.period.weeks)]
    for t in rm.inst.eligible[n]:
        if select(rm.inst.slots[t]):
            weeks[rm.inst.slots[t].day // 7].append(rm.work[n, t])
    return weeks


def _weekly(rm: RosterModel) -> None:
    for n, staff in enumerate(rm.inst.staff):
        c = staff.contract
        if c.max_shifts_per_week is not None:
            for shifts in _weeks(rm, n):
                rm.model.add(sum(shifts) <= c.max_shifts_per_week).only_enforce_if(rm.rules("max_shifts_per_week", n))
        if c.max_nights_per_week is not None:
            for shifts in _weeks(rm, n, lambda t: t.night):
                rm.model.add(sum(shifts) <= c.max_nights_per_week).only_enforce_if(rm.rules("max_nights_per_week", n))


def _hours(rm: RosterModel) -> None:
    weeks, slots = rm.inst.problem.period.weeks, rm.inst.slots
    for n, staff in enumerate(rm.inst.staff):
        c, low = staff.contract, rm.inst.min_hours(n)
        minutes = sum(int(round(slots[t].length * MINUTES)) * rm.work[n, t] for t in rm.inst.eligible[n])
        if low is not None and rm.inst.soft:
            short = rm.model.new_int_var(0, int(round(low * MINUTES)), f"short_hours[{staff.id}]")
            rm.model.add(minutes + short >= int(round(low * MINUTES)))
            rm.penalties.append((short, PENALTY // (12 * MINUTES)))
        elif low is not None:
            rm.model.add(minutes >= int(round(low * MINUTES))).only_enforce_if(rm.rules("min_hours_per_week", n))
        if c.max_hours_per_week is not None:
            rm.model.add(minutes <= int(round(c.max_hours_per_week * weeks * MINUTES))).only_enforce_if(
                rm.rules("max_hours_per_week", n))


def _consecutive(rm: RosterModel) -> None:
    days = rm.inst.problem.days
    for n, staff in enumerate(rm.inst.staff):
        k = staff.contract.max_consecutive
        if k is None or k >= days:
            continue
        by_day = _by_day(rm, n)
        for first in range(days - k):
            window = [v for d in range(first, first + k + 1) for v in by_day.get(d, [])]
            rm.model.add(sum(window) <= k).only_enforce_if(rm.rules("max_consecutive", n))


def _nights(rm: RosterModel) -> None:
    for n, staff in enumerate(rm.inst.staff):
        if staff.contract.max_nights is not None:
            nights = rm.shifts_of(n, [t for t in rm.inst.eligible[n] if rm.inst.slots[t].night])
            rm.model.add(sum(nights) <= staff.contract.max_nights).only_enforce_if(rm.rules("max_nights", n))


def weekends(inst: Instance) -> list[tuple[int, ...]]:
    """Days of each weekend touching the period (a Saturday and/or Sunday inside it)."""
    out: dict[int, list[int]] = defaultdict(list)
    for d, date in enumerate(inst.problem.dates):
        if date.weekday() >= 5:
            out[(d - date.weekday() + 5)].append(d)
    return [tuple(v) for _, v in sorted(out.items())]


def _weekends(rm: RosterModel) -> None:
    ends = weekends(rm.inst)
    for n, staff in enumerate(rm.inst.staff):
        off = staff.contract.weekends_off
        if off <= 0:
            continue
        by_day, worked = _by_day(rm, n), []
        for w, days in enumerate(ends):
            flag = rm.model.new_bool_var(f"weekend[{staff.id},{w}]")
            for var in (v for d in days for v in by_day.get(d, [])):
                rm.model.add_implication(var, flag)
            worked.append(flag)
        rm.model.add(sum(worked) <= len(ends) - off).only_enforce_if(rm.rules("weekends_off", n))


def _leave(rm: RosterModel) -> None:
    for n, slots in enumerate(rm.inst.leave):
        for t in slots:
            rm.model.add(rm.work[n, t] == 0).only_enforce_if(rm.rules("leave", n))


def _cover(rm: RosterModel) -> None:
    for need in rm.inst.covers:
        present = [rm.work[n, need.slot] for n in need.staff if (n, need.slot) in rm.work]
        if rm.inst.soft:
            short = rm.model.new_int_var(0, need.minimum, f"short_cover[{need.rule},{need.slot}]")
            rm.model.add(sum(present) + short >= need.minimum)
            rm.penalties.append((short, PENALTY))
        else:
            rm.model.add(sum(present) >= need.minimum).only_enforce_if(rm.rules("cover", need.rule, need.slot))


def _overtime(rm: RosterModel) -> None:
    for n in range(len(rm.inst.staff)):
        total, contracted = sum(rm.shifts_of(n)), rm.inst.contracted(n)
        if not rm.inst.allow_overtime:
            rm.model.add(total <= contracted).only_enforce_if(rm.rules("contracted_shifts", n))
            continue
        slack = max(len(rm.inst.eligible[n]) - contracted, 0)
        rm.over[n] = rm.model.new_int_var(0, slack, f"over[{rm.inst.staff[n].id}]")
        rm.model.add(rm.over[n] >= total - contracted)


def _order_twins(rm: RosterModel) -> None:
    """Interchangeable nurses work non-increasing numbers of shifts (symmetry breaking)."""
    classes = defaultdict(list)
    for n, s in enumerate(rm.inst.staff):
        if s.twin >= 0:
            classes[s.twin].append(n)
    for members in classes.values():
        for a, b in zip(members, members[1:]):
            rm.model.add(sum(rm.shifts_of(a)) >= sum(rm.shifts_of(b)))


def order_twins(inst: Instance, assignments) -> list[tuple[int, int]]:
    """The same roster with interchangeable nurses' schedules permuted to satisfy the
    symmetry breaking of :func:`_order_twins` (a hint that breaks it would be useless)."""
    classes, schedules = defaultdict(list), defaultdict(list)
    for n, s in enumerate(inst.staff):
        if s.twin >= 0:
            classes[s.twin].append(n)
    for n, t in assignments:
        schedules[n].append(t)
    out = [(n, t) for n, t in assignments if inst.staff[n].twin < 0]
    for members in classes.values():
        ranked = sorted(members, key=lambda n: -len(schedules[n]))
        out += [(m, t) for m, n in zip(members, ranked) for t in schedules[n]]
    return out


def scaled_table(cost: np.ndarray, weight: float) -> tuple[np.ndarray, int]:
    """Integer table with its last (lowest) value at zero, and the offset removed (scaled)."""
    gains = np.round(-np.diff(cost) * weight * SCALE).astype(np.int64)
    table = np.concatenate((np.cumsum(gains[::-1])[::-1], [0]))
    return table, int(round(cost[-1] * weight * SCALE))


def segment_cost(model: cp_model.CpModel, heads, table: np.ndarray, name: str) -> cp_model.IntVar:
    """``cost >= table[j] - gain_j (heads - j)`` for every change of slope of a convex table."""
    var = model.new_int_var(0, int(table[0]), name)
    slope = None
    for j in range(len(table) - 1):
        gain = int(table[j] - table[j + 1])
        if gain == 0:
            break
        if gain != slope:
            model.add(var >= int(table[j]) - gain * (heads - j))
            slope = gain
    return var


def uncovered_costs(model: cp_model.CpModel, inst: Instance, heads_of) -> list[cp_model.IntVar]:
    """A cost variable (weight 1 in the objective) for every segment whose head count matters;
    ``heads_of(slot)`` is the expression of a slot's head count. The unavoidable part of each
    segment's cost is left out (:func:`~hospitaltwin.optimize.roster.cpsat.offset_of`)."""
    out = []
    for s, seg in enumerate(inst.segments):
        table, _ = scaled_table(seg.cost, inst.problem.costs.uncovered_patient_hour)
        if table[0] > 0:
            out.append(segment_cost(model, sum(heads_of(t) for t in seg.slots), table, f"cost[{s}]"))
    return out


def _objective(rm: RosterModel) -> None:
    inst, costs = rm.inst, rm.inst.problem.costs
    variables = uncovered_costs(rm.model, inst, lambda t: rm.heads[t])
    weights = [1] * len(variables)
    per_over = int(round(costs.overtime_shift * SCALE))
    variables += list(rm.over.values())
    weights += [per_over] * len(rm.over)
    for req in inst.requests:
        variables += [rm.work[req.staff, t] for t in req.slots]
        weights += [int(round(costs.broken_request * req.weight * SCALE))] * len(req.slots)
    variables += [var for var, _ in rm.penalties]
    weights += [weight for _, weight in rm.penalties]
    rm.model.minimize(cp_model.LinearExpr.weighted_sum(variables, weights))
