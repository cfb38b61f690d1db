"""Nurse rostering with CP-SAT against demand simulated by the twin.

A roster problem file (:mod:`~hospitaltwin.optimize.roster.problem`) names the staff groups of
a scenario's layout, the nurses and their rules. The scenario is run without capacity limits
over the roster period to draw demand paths (:mod:`~hospitaltwin.optimize.paths`), which
become expected uncovered patient-hours per head count (:mod:`~hospitaltwin.optimize.roster.data`);
CP-SAT picks who works when (:mod:`~hospitaltwin.optimize.roster.model`), or says which rules
conflict (:mod:`~hospitaltwin.optimize.roster.explain`); the roster's head counts become a
policy that ``hospitaltwin compare`` evaluates on fresh random numbers
(:mod:`~hospitaltwin.optimize.roster.roster_policy`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from hospitaltwin.config.policy import Policy
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.durations import format_hours, local_origin
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.state import SystemState
from hospitaltwin.engine.compile import PathSource
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.experiment.replicate import with_run
from hospitaltwin.optimize.paths import demand_paths
from hospitaltwin.optimize.roster.data import (
    Instance,
    base_instance,
    demand_segments,
    group_demand,
    hours_from,
    level_segments,
)
from hospitaltwin.optimize.roster.explain import Explanation, explain
from hospitaltwin.optimize.roster.problem import RosterProblem, problem_from_dict, read_problem
from hospitaltwin.optimize.roster.roster_policy import evaluate, to_policy
from hospitaltwin.optimize.roster.solver import Solution, solve

__all__ = ["Instance", "RosterProblem", "RosterResult", "demand_instance", "evaluate", "naive_instance",
           "period_run", "plan_roster", "problem_from_dict", "read_problem", "roster_demand", "solve_instance"]


@dataclass
class RosterResult:
    """A solved (or explained) roster: the instance, the solve, its parts, how it was made."""

    inst: Instance
    solution: Solution
    parts: dict | None
    explanation: Explanation | None = None
    settings: dict = field(default_factory=dict)

    def policy(self, name: str | None = None, description: str | None = None) -> Policy:
        """The roster's head counts as a policy file's content."""
        return to_policy(self.inst, self.solution.assignments, name or self.inst.problem.name, description)


def period_run(scenario: Scenario, problem: RosterProblem, origin: dt.datetime | None = None) -> Scenario:
    """The scenario run from its start to the end of the period; the time before it is warmup.

    KPIs of this run are those of the roster period, so it is what ``compare`` evaluates. From
    an empty start the run begins at ``run.origin`` and the period must start after the
    scenario's warm-up; from a synced state (``origin``: the state's local time) the run begins
    at the state and the period must not start before it.
    """
    before = hours_from(origin or scenario.run.origin, problem.period.start)
    if origin is not None and before < 0:
        raise HospitaltwinError(f"the roster period starts {problem.period.start}, before the state's time "
                                f"{origin:%Y-%m-%d %H:%M}; roster a period that starts later")
    if origin is None and before < scenario.run.warmup:
        ready = scenario.run.origin + dt.timedelta(hours=scenario.run.warmup)
        raise HospitaltwinError(f"the roster period starts {problem.period.start}, before the scenario's warm-up "
                                f"ends ({ready:%Y-%m-%d %H:%M}); start the period later or set an earlier run.origin")
    return with_run(scenario, warmup=format_hours(before), horizon=format_hours(before + problem.days * 24.0))


def roster_demand(scenario: Scenario, problem: RosterProblem, *, paths: int, seed: int,
                  state: SystemState | None = None, workers: Workers = 1,
                  demand: PathSource | None = None) -> tuple[dict[str, np.ndarray], dt.datetime]:
    """Hourly patients per group and path over the period (and a day), and the calendar origin.

    From an empty start the scenario runs from its origin (the time before the period is the
    warm-up); from ``state`` it runs from the state's time, which must not be after the start,
    each path with its own demand level from ``demand`` (the forecast's model) when given.
    """
    hours = problem.days * 24.0 + 24.0
    if state is None:
        spec = period_run(scenario, problem)
        found = demand_paths(spec, paths=paths, horizon_h=hours, seed=seed, workers=workers)
        origin = scenario.run.origin
    else:
        origin = local_origin(state.as_of, scenario.layout.timezone)
        before = hours_from(origin, problem.period.start)
        period_run(scenario, problem, origin)  # refuses a period before the state
        found = demand_paths(scenario, paths=paths, horizon_h=before + hours, seed=seed, state=state, workers=workers,
                             demand=demand)
    return group_demand(found, scenario, problem, origin), origin


def demand_instance(problem: RosterProblem, scenario: Scenario, demand: dict[str, np.ndarray],
                    origin: dt.datetime | None = None) -> Instance:
    """The instance whose objective is expected uncovered patient-hours on ``demand``."""
    inst = base_instance(problem, scenario, origin)
    inst.segments = demand_segments(inst, demand)
    return inst


def naive_instance(problem: RosterProblem, scenario: Scenario, origin: dt.datetime | None = None) -> Instance:
    """The instance of the naive roster: the layout's head counts filled evenly, no overtime."""
    inst = base_instance(problem, scenario, origin)
    inst.segments, inst.allow_overtime, inst.demand = level_segments(inst), False, "layout"
    return inst


def solve_instance(inst: Instance, *, time_limit: float | None = None, workers: int | None = None,
                   seed: int | None = None, gap: float | None = None, explain_time: float = 20.0,
                   log: bool = False, method: str = "auto") -> RosterResult:
    """Solve ``inst`` (file defaults for unset settings); explain it if no roster exists."""
    s = inst.problem.solver
    chosen = {"time_limit": time_limit or s.time_limit, "workers": workers or s.workers,
              "seed": s.seed if seed is None else seed, "gap": s.gap if gap is None else gap}
    solution = solve(inst, log=log, method=method, **chosen)
    if solution.status in ("INFEASIBLE", "UNKNOWN"):
        why = explain(inst, time_limit=explain_time, seed=chosen["seed"])
        if why.keys or solution.status == "INFEASIBLE":
            solution.status = "INFEASIBLE"
            return RosterResult(inst, solution, None, why, chosen)
    parts = evaluate(inst, solution.assignments) if solution.found else None
    return RosterResult(inst, solution, parts, None, chosen)


def plan_roster(scenario: Scenario, problem: RosterProblem, *, paths: int = 40, seed: int = 1,
                state: SystemState | None = None, sim_workers: Workers = 1,
                demand_source: PathSource | None = None, **solver) -> RosterResult:
    """Draw ``paths`` demand paths (seed ``seed``, simulated on ``sim_workers`` processes; from
    ``state``, following ``demand_source``), build the instance and solve it (``solver``:
    settings of :func:`solve_instance`)."""
    demand, origin = roster_demand(scenario, problem, paths=paths, seed=seed, state=state, workers=sim_workers,
                                   demand=demand_source)
    result = solve_instance(demand_instance(problem, scenario, demand, origin), **solver)
    result.settings.update(paths=paths, paths_seed=seed, origin=origin.isoformat(),
                           start="state" if state is not None else "empty")
    if demand_source is not None:
        result.settings["demand"] = demand_source.summaries()
    return result
