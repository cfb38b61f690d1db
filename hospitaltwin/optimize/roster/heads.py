"""Head counts first: an aggregate model whose optimum bounds every roster from below.

Nurses with the same contract, groups and skills form a *type*. Instead of who works when,
this model decides how many nurses of each type work each slot, ``y[k, t]``, under
constraints every individual roster implies when summed over a type's nurses: one shift a day
(no more than the nurses not on leave), two shifts closer than the minimum rest (at most the
nurses available on either day), shifts per week, nights per week and per period, days in a
row, weekends, hours and overtime (the sum of each nurse's overtime is at least the type's
shifts beyond its contracted total), and the cover rules (skills are a type's property). Its
objective is the roster's objective without broken requests. Every roster therefore maps to a
solution of this model costing no more, so the model's best bound is a valid lower bound for
the roster problem, and it is small (types x slots integers), so CP-SAT closes it quickly.
Its head counts are the targets the assignment blocks then realise nurse by nurse.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from hospitaltwin.optimize.roster.data import Instance
from hospitaltwin.optimize.roster.model import MINUTES, SCALE, uncovered_costs, weekends


@dataclass(frozen=True)
class NurseType:
    """Nurses ``nurses`` sharing contract, groups and skills; ``slots`` they may work."""

    key: tuple
    nurses: tuple[int, ...]
    slots: tuple[int, ...]


def nurse_types(inst: Instance) -> list[NurseType]:
    """Nurses grouped by contract, groups and skills."""
    members: dict[tuple, list[int]] = defaultdict(list)
    for n, s in enumerate(inst.staff):
        members[(s.contract_name, s.groups, tuple(sorted(s.skills)))].append(n)
    return [NurseType(key, tuple(ns), inst.eligible[ns[0]]) for key, ns in members.items()]


@dataclass
class HeadsModel:
    """The aggregate model: ``y[k, t]`` nurses of type ``k`` on slot ``t``."""

    inst: Instance
    types: list[NurseType]
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    y: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)


def _off_days(inst: Instance, n: int) -> set[int]:
    return {inst.slots[t].day for t in inst.leave[n]}


def _capacity(inst: Instance, kind: NurseType, days, per_nurse: int | None) -> int:
    """Shifts a type can work on ``days``: each nurse at most ``per_nurse`` and one a day."""
    total = 0
    for n in kind.nurses:
        free = len(set(days) - _off_days(inst, n))
        total += free if per_nurse is None else min(per_nurse, free)
    return total


def build_heads(inst: Instance) -> HeadsModel:
    """Variables, implied constraints and objective of the aggregate model."""
    hm = HeadsModel(inst, nurse_types(inst))
    for k, kind in enumerate(hm.types):
        for t in kind.slots:
            hm.y[k, t] = hm.model.new_int_var(0, len(kind.nurses), f"y[{k},{t}]")
        for add in (_per_day, _rest, _per_week, _nights, _consecutive, _weekends, _hours):
            add(hm, k, kind)
    _cover(hm)
    _objective(hm)
    return hm


def _slots_on(hm: HeadsModel, kind: NurseType, days, select=lambda t: True) -> list[int]:
    chosen = set(days)
    return [t for t in kind.slots if hm.inst.slots[t].day in chosen and select(hm.inst.slots[t])]


def _bound(hm: HeadsModel, k: int, slots: list[int], cap: int) -> None:
    if slots:
        hm.model.add(sum(hm.y[k, t] for t in slots) <= cap)


def _per_day(hm: HeadsModel, k: int, kind: NurseType) -> None:
    for d in range(hm.inst.problem.days):
        _bound(hm, k, _slots_on(hm, kind, [d]), _capacity(hm.inst, kind, [d], 1))


def _rest(hm: HeadsModel, k: int, kind: NurseType) -> None:
    slots, rest = hm.inst.slots, hm.inst.staff[kind.nurses[0]].contract.min_rest
    mine = sorted(kind.slots, key=lambda t: slots[t].start)
    for i, a in enumerate(mine):
        for b in mine[i + 1:]:
            if slots[b].start - slots[a].end >= rest:
                break
            if slots[a].day != slots[b].day:
                _bound(hm, k, [a, b], _capacity(hm.inst, kind, [slots[a].day, slots[b].day], 1))


def _per_week(hm: HeadsModel, k: int, kind: NurseType) -> None:
    c = hm.inst.staff[kind.nurses[0]].contract
    for w in range(hm.inst.problem.period.weeks):
        days = range(7 * w, 7 * w + 7)
        if c.max_shifts_per_week is not None:
            _bound(hm, k, _slots_on(hm, kind, days), _capacity(hm.inst, kind, days, c.max_shifts_per_week))
        if c.max_nights_per_week is not None:
            nights = _slots_on(hm, kind, days, lambda t: t.night)
            _bound(hm, k, nights, _capacity(hm.inst, kind, days, c.max_nights_per_week))


def _nights(hm: HeadsModel, k: int, kind: NurseType) -> None:
    c, days = hm.inst.staff[kind.nurses[0]].contract, range(hm.inst.problem.days)
    if c.max_nights is not None:
        _bound(hm, k, _slots_on(hm, kind, days, lambda t: t.night), _capacity(hm.inst, kind, days, c.max_nights))


def _consecutive(hm: HeadsModel, k: int, kind: NurseType) -> None:
    most, days = hm.inst.staff[kind.nurses[0]].contract.max_consecutive, hm.inst.problem.days
    if most is None or most >= days:
        return
    for first in range(days - most):
        window = range(first, first + most + 1)
        _bound(hm, k, _slots_on(hm, kind, window), _capacity(hm.inst, kind, window, most))


def _weekends(hm: HeadsModel, k: int, kind: NurseType) -> None:
    off, ends = hm.inst.staff[kind.nurses[0]].contract.weekends_off, weekends(hm.inst)
    if off <= 0:
        return
    days = [d for w in ends for d in w]
    most = sum(sorted((len(w) for w in ends), reverse=True)[:max(len(ends) - off, 0)])
    _bound(hm, k, _slots_on(hm, kind, days), _capacity(hm.inst, kind, days, most))


def _hours(hm: HeadsModel, k: int, kind: NurseType) -> None:
    inst, weeks = hm.inst, hm.inst.problem.period.weeks
    minutes = sum(int(round(inst.slots[t].length * MINUTES)) * hm.y[k, t] for t in kind.slots)
    lows = [inst.min_hours(n) for n in kind.nurses]
    if all(low is not None for low in lows):
        hm.model.add(minutes >= sum(int(round(low * MINUTES)) for low in lows))
    high = inst.staff[kind.nurses[0]].contract.max_hours_per_week
    if high is not None:
        hm.model.add(minutes <= int(round(high * weeks * MINUTES)) * len(kind.nurses))


def _cover(hm: HeadsModel) -> None:
    for need in hm.inst.covers:
        able = set(need.staff)
        terms = [hm.y[k, need.slot] for k, kind in enumerate(hm.types)
                 if (k, need.slot) in hm.y and kind.nurses[0] in able]
        hm.model.add(sum(terms) >= need.minimum)


def _objective(hm: HeadsModel) -> None:
    inst, costs = hm.inst, hm.inst.problem.costs
    variables = uncovered_costs(hm.model, inst, lambda t: sum(hm.y[k, t] for k in range(len(hm.types))
                                                              if (k, t) in hm.y))
    weights = [1] * len(variables)
    per_over = int(round(costs.overtime_shift * SCALE))
    for k, kind in enumerate(hm.types):
        total = sum(hm.y[k, t] for t in kind.slots)
        contracted = sum(inst.contracted(n) for n in kind.nurses)
        if not inst.allow_overtime:
            hm.model.add(total <= contracted)
            continue
        over = hm.model.new_int_var(0, max(len(kind.slots) * len(kind.nurses) - contracted, 0), f"over[{k}]")
        hm.model.add(over >= total - contracted)
        variables.append(over)
        weights.append(per_over)
    hm.model.minimize(cp_model.LinearExpr.weighted_sum(variables, weights))
