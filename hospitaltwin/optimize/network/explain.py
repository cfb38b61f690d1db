"""Explanations in the user's terms: why no plan exists, and what a plan changes per hospital.

The only requirements that can make the network model infeasible are the minimum devices each
hospital keeps (everything else may be zero). :func:`check_minimums` tests them before the
model is built: first per device kind against what the network holds, then with an elastic
model (the same device flows, the minimums allowed to fall short at a price) that finds where
and when no plan reaches them - typically a hospital asked to hold more than it has before any
device can arrive. :func:`shortage_rows` lays out expected shortage per hospital before and
after a plan, the table the CLI prints.
"""

from __future__ import annotations

from ortools.linear_solver import pywraplp

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.optimize.network.data import NetworkData

INF = pywraplp.Solver.infinity()


class InfeasiblePlan(HospitaltwinError):
    """No allocation satisfies the requirements; the message says which and why."""


def check_minimums(data: NetworkData) -> None:
    """Raise :class:`InfeasiblePlan` when no plan keeps every hospital's minimum devices."""
    problems = _totals(data) or _elastic(data)
    if problems:
        raise InfeasiblePlan("no allocation keeps the minimum devices at every hospital:\n  - "
                             + "\n  - ".join(problems)
                             + "\n  lower those minimums (--keep, --min POOL=N) or allow moves on more days (--move-days)")


def _totals(data: NetworkData) -> list[str]:
    """Per kind: the minimums add up to more devices than the network holds."""
    problems = []
    for k, kind in enumerate(data.kinds):
        need, have = int(data.floor[k].sum()), int(data.devices[k].sum())
        if need > have:
            parts = ", ".join(f"{data.pools[(k, h)]} {int(data.floor[k, h])}"
                              for h in range(len(data.hospitals)) if (k, h) in data.pools and data.floor[k, h])
            problems.append(f"{kind}: the hospitals must keep {need} in all ({parts}) but the network holds {have}")
    return problems


def _elastic(data: NetworkData) -> list[str]:
    """Minimise the devices missing from the minimums; report where some must be missing."""
    solver = pywraplp.Solver.CreateSolver("SCIP")
    days = data.shape[3]
    moves = {(k, a, d): solver.IntVar(0, int(data.devices[k].sum()), "")
             for k, arcs in data.move_arcs.items() for a in range(len(arcs)) for d in range(data.move_days)}
    rows, missing = {}, {}
    for (k, h) in data.pools:
        for d in range(days):
            missing[(k, h, d)] = solver.NumVar(0, INF, "")
            rows[(k, h, d)] = solver.Constraint(float(data.floor[k, h] - data.devices[k, h]), INF)
            rows[(k, h, d)].SetCoefficient(missing[(k, h, d)], 1.0)
    for (k, a, d0), var in moves.items():
        arc = data.move_arcs[k][a]
        for d in range(d0, days):
            _shift(rows.get((k, arc.origin, d)), var, -1.0)
        for d in range(d0 + arc.device_lag, days):
            _shift(rows.get((k, arc.target, d)), var, 1.0)
    objective = solver.Objective()
    for var in missing.values():
        objective.SetCoefficient(var, 1.0)
    objective.SetMinimization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL or objective.Value() < 1e-6:
        return []
    return _describe(data, {key: var.solution_value() for key, var in missing.items()})


def _shift(row, var, coef: float) -> None:
    if row is not None:
        row.SetCoefficient(var, row.GetCoefficient(var) + coef)


def _describe(data: NetworkData, missing: dict) -> list[str]:
    problems = []
    for (k, h), pool in data.pools.items():
        short = [(d, v) for (kk, hh, d), v in sorted(missing.items()) if (kk, hh) == (k, h) and v > 1e-6]
        if not short:
            continue
        first, amount = short[0]
        floor, kind = int(data.floor[k, h]), data.kinds[k]
        reach = round(floor - amount)
        why = _why(data, k, h, first)
        problems.append(f"{pool} ({data.hospitals[h]}) must keep at least {floor} {kind}s, but no plan gets "
                        f"more than {reach} there on {data.day_label(first)}"
                        + (f" ({len(short)} days in all)" if len(short) > 1 else "") + why)
    return problems


def _why(data: NetworkData, k: int, h: int, day: int) -> str:
    arcs = [a for a in data.move_arcs.get(k, []) if a.target == h]
    if not arcs:
        return f": it has no link to a hospital holding {data.kinds[k]}s"
    if data.devices[k, h] < data.floor[k, h] and day < min(a.device_lag for a in arcs):
        return (f": it holds {int(data.devices[k, h])} today and devices sent to it arrive "
                f"{min(a.device_lag for a in arcs)} day(s) after dispatch")
    return ": the hospitals linked to it cannot spare enough while keeping their own minimums"


def shortage_rows(data: NetworkData, before, after) -> list[dict]:
    """Per hospital: expected device-days short per kind and bed-days short, before and after.

    ``before`` and ``after`` are :class:`~hospitaltwin.optimize.network.model.Outcome` values
    (the status quo evaluated, and the plan).
    """
    rows = []
    for h, hospital in enumerate(data.hospitals):
        row = {"hospital": hospital}
        for k, kind in enumerate(data.kinds):
            if (k, h) in data.pools:
                row[f"{kind}_days_before"] = float(before.device_short[k, h])
                row[f"{kind}_days_after"] = float(after.device_short[k, h])
        for q, kind in enumerate(data.bed_kinds):
            if (q, h) in data.units:
                row[f"{kind}_bed_days_before"] = float(before.bed_short[q, h])
                row[f"{kind}_bed_days_after"] = float(after.bed_short[q, h])
        rows.append(row)
    return rows
