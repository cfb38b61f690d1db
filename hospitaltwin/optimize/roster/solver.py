"""Solving a roster: the whole model when it is small, in steps when it is large.

A small instance (a few thousand ``work`` variables) is solved directly: CP-SAT's status,
objective and bound are those of the full model. A hospital's roster is too large for that
(the full model of 120 nurses over four weeks finds no roster in a minute), so it is solved
in steps, all with CP-SAT, on each *component* (staff groups linked by nurses who may work in
several; components share no nurse and no cost, so their objectives and bounds add up):

1. **Head counts** (:mod:`~hospitaltwin.optimize.roster.heads`): how many nurses of each type
   on each slot; its bound is a valid lower bound of the component.
2. **Greedy roster** toward those head counts (:mod:`~hospitaltwin.optimize.roster.greedy`);
   where it breaks a rule (a cover minimum it painted itself out of), the component's model
   without objective gives a roster that keeps every rule, in a fraction of a second.
3. **Neighbourhoods** (:mod:`~hospitaltwin.optimize.roster.lns`): windows of days and small
   groups of nurses re-solved exactly, two at a time with two workers.
4. **Full model** of each component, hinted with the roster so far: CP-SAT improves it where it
   can and, above all, proves a bound far tighter than the head counts' where the nurses'
   individual rules bind (its bound and step 1's are both valid; the larger is kept).
5. More neighbourhoods if time is left and the gap is above the target.

The reported bound is the sum over components of the best bound, and the objective that of
the roster returned, so the gap is an honest optimality gap. Every solve has a fixed seed,
fixed workers (interleaved, deterministic parallel search when a solve uses several) and a
deterministic time limit; the steps share the time limit.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from hospitaltwin.optimize.roster.data import Instance, restrict
from hospitaltwin.optimize.roster.model import SCALE, build_model, order_twins, scaled_table

DIRECT_MAX = 4000
"""Instances with at most this many ``work`` variables are solved as one model."""


@dataclass
class Solution:
    """A solve's outcome: status, the roster (``(nurse, slot)`` pairs) and the solver's figures.

    ``objective`` and ``bound`` are in cost units and include the unavoidable part
    ``irreducible`` (uncovered patient-hours even with every eligible nurse on duty); ``gap``
    is relative to the part the roster controls: (objective - bound) / (objective - irreducible).
    """

    status: str
    assignments: list[tuple[int, int]]
    objective: float | None
    bound: float | None
    irreducible: float
    gap: float | None
    wall_s: float
    deterministic_s: float
    seed: int
    workers: int
    time_limit: float
    method: str
    size: dict
    steps: list[dict] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """Whether a roster was found (optimal or the best within the limit)."""
        return self.status in ("OPTIMAL", "FEASIBLE")


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


def solve(inst: Instance, *, time_limit: float = 30.0, workers: int = 2, seed: int = 0, gap: float = 0.0,
          log: bool = False, method: str = "auto") -> Solution:
    """Solve ``inst`` directly or in steps (``method``: ``auto``, ``direct``, ``steps``)."""
    from hospitaltwin.optimize.roster.steps import solve_in_steps

    started = time.perf_counter()
    settings = dict(workers=workers, seed=seed, gap=gap, log=log)
    size = sum(len(e) for e in inst.eligible)
    chosen = method if method != "auto" else ("direct" if size <= DIRECT_MAX else "steps")
    if chosen == "direct":
        steps = [direct(inst, time_limit, settings)]
    else:
        steps = solve_in_steps(inst, time_limit, settings)
    return _solution(inst, steps, chosen, time.perf_counter() - started, time_limit, settings)


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


def _solution(inst: Instance, steps: list[dict], method: str, wall: float, limit: float, settings: dict) -> Solution:
    offset = offset_of(inst)
    final = steps[-1]
    objective, bound = final.get("objective"), final.get("bound")
    found = final.get("work") is not None and objective is not None
    status = "INFEASIBLE" if final["status"] == "INFEASIBLE" else ("UNKNOWN" if not found else
                                                                  "OPTIMAL" if gap_of(objective, bound) == 0 else "FEASIBLE")
    size = {"nurses": len(inst.staff), "slots": len(inst.slots), "segments": len(inst.segments),
            "work_variables": sum(len(e) for e in inst.eligible)}
    public = [{k: v for k, v in s.items() if k != "work"} for s in steps]
    return Solution(status, sorted(final["work"], key=lambda a: (a[1], a[0])) if found else [],
                    (objective + offset) / SCALE if found else None,
                    (min(bound, objective) + offset) / SCALE if found and bound is not None else None,
                    offset / SCALE, gap_of(objective, bound) if found else None, wall,
                    sum(s.get("deterministic_s", 0.0) for s in steps), settings["seed"], settings["workers"],
                    limit, method, size, public)
