"""Solve the surge MIP with SCIP and read the plan back, or say why there is none.

:func:`solve_plan` builds the model of :mod:`~hospitaltwin.optimize.surge.model`, solves it
with the settings' seed and limits and returns a :class:`~hospitaltwin.optimize.surge.model.SurgePlan`
(with its bound and gap when it stopped at a limit). A model whose rules cannot all hold is
explained by :mod:`~hospitaltwin.optimize.surge.explain` in terms of the options file.
"""

from __future__ import annotations

import time

import numpy as np
from ortools.math_opt.python import mathopt

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.optimize.surge.data import SurgeData
from hospitaltwin.optimize.surge.explain import explain_infeasible
from hospitaltwin.optimize.surge.model import SolveSettings, SurgePlan, build_model

INFEASIBLE = (mathopt.TerminationReason.INFEASIBLE, mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED)
REASONS = {
    mathopt.TerminationReason.OPTIMAL: "optimal",
    mathopt.TerminationReason.FEASIBLE: "feasible (stopped at a limit)",
    mathopt.TerminationReason.NO_SOLUTION_FOUND: "no plan found within the limits",
    mathopt.TerminationReason.INFEASIBLE: "infeasible",
    mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED: "infeasible",
}


def solve_plan(data: SurgeData, settings: SolveSettings = SolveSettings()) -> SurgePlan:
    """Build and solve the MIP; return the best plan found.

    Raises
    ------
    HospitaltwinError
        When the rules cannot all hold (with an explanation naming them), or when no plan was
        found within the limits.
    """
    started = time.perf_counter()
    model, v = build_model(data, settings.formulation)
    result = mathopt.solve(model, mathopt.SolverType.GSCIP, params=settings.parameters())
    reason = result.termination.reason
    if reason in INFEASIBLE:
        raise HospitaltwinError(explain_infeasible(data))
    return _plan(data, settings, model, v, result, started)


def best_opening_plan(data: SurgeData, settings: SolveSettings = SolveSettings()) -> SurgePlan | None:
    """The best plan that opens at least one bed for a day (what opening beds would cost and buy,
    when the best plan opens none); None when no plan that opens beds meets the rules."""
    started = time.perf_counter()
    model, v = build_model(data, settings.formulation, min_beds=1)
    result = mathopt.solve(model, mathopt.SolverType.GSCIP, params=settings.parameters())
    if result.termination.reason in INFEASIBLE or not result.has_primal_feasible_solution():
        return None
    return _plan(data, settings, model, v, result, started)


def _plan(data: SurgeData, settings: SolveSettings, model, v, result, started: float) -> SurgePlan:
    """The plan a solve found, with its status, bound, gap, time and model size."""
    size = {"variables": len(list(model.variables())), "constraints": len(list(model.linear_constraints())),
            "integer": sum(1 for x in model.variables() if x.integer)}
    seconds = time.perf_counter() - started
    reason = result.termination.reason
    if not result.has_primal_feasible_solution():
        raise HospitaltwinError(f"the solver found no surge plan within its limits ({settings.time_limit_s:g} s, "
                                f"{settings.node_limit} nodes): {result.termination.detail or reason.name}; "
                                "raise --time-limit")
    beds = np.array([[round(result.variable_values(v.x[o, d])) for d in range(data.days)]
                     for o in range(len(data.options))], dtype=np.int64).reshape(len(data.options), data.days)
    bounds = result.termination.objective_bounds
    objective, bound = float(result.objective_value()), float(bounds.dual_bound)
    gap = abs(objective - bound) / max(abs(objective), 1e-9)
    return SurgePlan(data, beds, REASONS.get(reason, reason.name.lower()), objective, bound, gap, seconds,
                     settings, size)
