"""One CP-SAT solve and the arithmetic every step of a roster solve shares.

:func:`run` solves a model with fixed seed, workers and deterministic time limit (completing a
roster hint first, :func:`complete_hint`); :func:`direct` is the one-model solve of a whole
instance. :func:`scaled_objective` and :func:`offset_of` price a roster as the model does,
:func:`components` splits an instance into independent parts and :func:`part_of` builds one.
:mod:`~hospitaltwin.optimize.roster.solver` chooses between one model and the steps of
:mod:`~hospitaltwin.optimize.roster.steps`; both build on this module.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from hospitaltwin.optimize.roster.data import Instance, restrict
from hospitaltwin.optimize.roster.model import SCALE, build_model, order_twins, scaled_table


@dataclass
class Run:
    """One CP-SAT solve: status, roster, objective and bound (scaled, without the offset)."""

    status: str
    work: list[tuple[int, int]]
    objective: int | None
    bound: float | None
    deterministic_s: float
    values: dict = field(default_factory=dict)


def parameters(solver: cp_model.CpSolver, *, time_limit: float, workers: int, seed: int, gap: float = 0.0,
               log: bool = False) -> None:
    """Fixed seed and workers, deterministic time limit, deterministic parallel search."""
    p = solver.parameters
    p.random_seed, p.num_workers, p.max_deterministic_time = seed, workers, max(time_limit, 0.01)
    p.relative_gap_limit, p.log_search_progress = gap, log
    p.interleave_search = workers > 1
    p.linearization_level = 2  # the convex costs' tangents and cover sums in the LP: tighter, faster


def run(model: cp_model.CpModel, work: dict, *, time_limit: float, workers: int, seed: int, gap: float = 0.0,
        hint: set | None = None, log: bool = False, ints: dict | None = None) -> Run:
    """Solve ``model`` whose roster variables are ``work[(n, t)]``, optionally from a hint;
    the values of ``ints`` (a dict of integer variables) are returned too."""
    if hint is not None:
        complete_hint(model, work, hint, seed)
    solver = cp_model.CpSolver()
    parameters(solver, time_limit=time_limit, workers=workers, seed=seed, gap=gap, log=log)
    status = solver.status_name(solver.solve(model))
    found = status in ("OPTIMAL", "FEASIBLE")
    chosen = [key for key, var in work.items() if solver.boolean_value(var)] if found else []
    values = {key: solver.value(var) for key, var in (ints or {}).items()} if found else {}
    bound = solver.best_objective_bound if status != "INFEASIBLE" else None
    return Run(status, chosen, int(round(solver.objective_value)) if found else None, bound,
               solver.deterministic_time, values)


def complete_hint(model: cp_model.CpModel, work: dict, hint: set, seed: int) -> int | None:
    """Hint every variable of ``model``: the roster ``hint`` and the values it implies
    (head counts, costs, overtime, weekend flags), found by solving with the roster fixed.
    CP-SAT follows a complete hint far better than one of the roster alone. Returns the
    hinted roster's objective, or ``None`` if it breaks the model (then only it is hinted)."""
    model.clear_hints()
    fixed = model.clone()
    for key, var in work.items():
        fixed.add(fixed.get_bool_var_from_proto_index(var.index) == int(key in hint))
    solver = cp_model.CpSolver()
    parameters(solver, time_limit=5.0, workers=1, seed=seed)
    if solver.solve(fixed) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for key, var in work.items():
            model.add_hint(var, key in hint)
        return None
    for index in range(len(model.proto.variables)):
        var = model.get_int_var_from_proto_index(index)
        model.add_hint(var, solver.value(fixed.get_int_var_from_proto_index(index)))
    return int(round(solver.objective_value))


def scaled_objective(inst: Instance, assignments) -> int:
    """The model's objective (scaled, without the unavoidable offset) of a roster."""
    costs, heads = inst.problem.costs, Counter(t for _, t in assignments)
    total = 0
    for seg in inst.segments:
        table, _ = scaled_table(seg.cost, costs.uncovered_patient_hour)
        total += int(table[min(sum(heads[t] + inst.extra.get(t, 0) for t in seg.slots), len(table) - 1)])
    worked = Counter(n for n, _ in assignments)
    over = sum(max(worked[n] - inst.contracted(n), 0) for n in range(len(inst.staff)))
    total += int(round(costs.overtime_shift * SCALE)) * over
    chosen = set(assignments)
    for req in inst.requests:
        total += sum(int(round(costs.broken_request * req.weight * SCALE)) for t in req.slots if (req.staff, t) in chosen)
    return total


def offset_of(inst: Instance) -> int:
    """The unavoidable part of the objective (scaled), left out of every model."""
    return sum(scaled_table(seg.cost, inst.problem.costs.uncovered_patient_hour)[1] for seg in inst.segments)


def components(inst: Instance) -> list[tuple[list[int], list[str]]]:
    """Independent parts: staff groups linked by nurses who may work in several of them."""
    parent = {g: g for g in inst.problem.groups}

    def root(g: str) -> str:
        while parent[g] != g:
            g = parent[g]
        return g

    for s in inst.staff:
        for g in s.groups[1:]:
            parent[root(g)] = root(s.groups[0])
    out: dict[str, tuple[list[int], list[str]]] = {}
    for g in inst.problem.groups:
        out.setdefault(root(g), ([], []))[1].append(g)
    for n, s in enumerate(inst.staff):
        out[root(s.groups[0])][0].append(n)
    return list(out.values())


def part_of(inst: Instance, nurses: list[int], groups: list[str]) -> Instance:
    """The instance of one component (its nurses, cover rules and segments)."""
    mine = set(groups)
    sub = restrict(inst, nurses, [c for c in inst.covers if inst.slots[c.slot].group in mine])
    return dataclasses.replace(sub, segments=[s for s in inst.segments if s.group in mine])


def direct(inst: Instance, limit: float, settings: dict, hint: set | None = None) -> dict:
    """One CP-SAT solve of the whole model (hinted with a roster if given)."""
    rm = build_model(inst)
    if hint is not None:
        hint = set(order_twins(inst, sorted(hint)))
    found = run(rm.model, rm.work, time_limit=limit, hint=hint, **settings)
    return {"step": "full model", "status": found.status, "work": found.work if found.objective is not None else None,
            "objective": found.objective, "bound": found.bound, "deterministic_s": found.deterministic_s,
            "size": {"work_variables": len(rm.work), "constraints": len(rm.model.proto.constraints)}}


def gap_of(objective: float | None, bound: float | None) -> float:
    """Relative gap of a scaled objective (without offset) to a bound."""
    if objective is None or bound is None:
        return float("inf")
    return max(objective - bound, 0.0) / max(1.0, abs(objective))
