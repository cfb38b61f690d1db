"""The surge planning stage end to end: demand paths -> data -> MIP -> policy -> result files.

:func:`plan_surge` draws the demand paths from the twin (an empty start after the warmup, or a
synced state), builds the data, solves the MIP and turns the plan into a policy;
:func:`write_surge` writes the result directory: ``policy.yaml``, ``plan.csv``, ``solve.json``
and ``manifest.json`` (``kind: surge``). Timings of path generation and of the solve are
kept apart, because the first is the twin's work and the second the optimiser's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.outputs import ResultFolder
from hospitaltwin.core.state import SystemState
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.experiment.result_format import CSV_COLUMNS
from hospitaltwin.experiment.results import manifest, write_json, write_records
from hospitaltwin.optimize.paths import DemandPaths, demand_paths
from hospitaltwin.optimize.surge.data import SurgeData, build_data
from hospitaltwin.optimize.surge.explain import plan_rows, solve_report
from hospitaltwin.optimize.surge.model import SolveSettings, SurgePlan
from hospitaltwin.optimize.surge.options import SurgeOptions
from hospitaltwin.optimize.surge.solve import solve_plan
from hospitaltwin.optimize.surge.surge_policy import plan_policy, write_policy
from hospitaltwin.store.start import from_state


@dataclass
class SurgeResult:
    """A solved surge plan, its policy data and where the time went."""

    scenario: Scenario
    options: SurgeOptions
    data: SurgeData
    plan: SurgePlan
    policy: dict
    paths_seconds: float
    seed: int

    @property
    def horizon_h(self) -> float:
        """The horizon a run of the scenario needs to cover the plan."""
        return self.data.start_h + 24.0 * self.data.days


def plan_days(horizon_h: float) -> int:
    """Whole days in a plan horizon (the plan works day by day)."""
    days = horizon_h / 24.0
    if horizon_h <= 0 or abs(days - round(days)) > 1e-9:
        raise HospitaltwinError(f"the plan horizon is a whole number of days, such as 14d (got {horizon_h:g} h)")
    return int(round(days))


def plan_surge(scenario: Scenario, options: SurgeOptions, *, paths: int, days: int, seed: int,
               settings: SolveSettings = SolveSettings(), state: SystemState | None = None,
               workers: Workers = 1, demand: DemandPaths | None = None) -> SurgeResult:
    """Optimise a surge plan over ``paths`` demand paths of ``days`` days drawn with ``seed``.

    The plan starts after the scenario's warmup (empty start) or at the state's time (the
    result's scenario is then :func:`~hospitaltwin.store.start.from_state`'s, which the
    evaluation runs with the state).
    ``demand`` reuses paths drawn before (they must start where the plan starts).
    """
    if state is not None:
        scenario = from_state(scenario, state, 24.0 * days)
    started = time.perf_counter()
    if demand is None:
        demand = demand_paths(scenario, paths=paths, horizon_h=24.0 * days, seed=seed, state=state, workers=workers)
    paths_seconds = time.perf_counter() - started
    start_h = 0.0 if state is not None else scenario.run.warmup
    data = build_data(options, scenario, demand, days, start_h)
    plan = solve_plan(data, settings)
    origin = demand.origin - timedelta(hours=start_h)
    policy = plan_policy(plan, options, scenario, origin)
    return SurgeResult(scenario, options, data, plan, policy, paths_seconds, seed)


def write_surge(result: SurgeResult, out: Path, inputs: dict[str, str], force: bool = False) -> Path:
    """Write ``policy.yaml``, ``plan.csv``, ``solve.json`` and ``manifest.json`` into the result
    folder ``out`` (:class:`~hospitaltwin.core.outputs.ResultFolder`; ``force`` writes beside files
    the tool did not write)."""
    with ResultFolder(out, force) as folder:
        _write_surge_files(result, folder.path, inputs)
    return folder.out


def _write_surge_files(result: SurgeResult, out: Path, inputs: dict[str, str]) -> None:
    header = (f"Surge plan for scenario '{result.scenario.name}' with options '{result.options.name}'.\n"
              f"Test it:  hospitaltwin compare SCENARIO --policy policy.yaml --seed <not {result.seed}>")
    write_policy(result.policy, out / "policy.yaml", header)
    rows = plan_rows(result.plan)
    write_records(out / "plan.csv", rows, CSV_COLUMNS["plan"])
    report = solve_report(result.plan)
    report["paths_seconds"] = round(result.paths_seconds, 3)
    write_json(out / "solve.json", report)
    resolved = result.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    extra = {"options": result.options.model_dump(mode="json", by_alias=True, exclude_none=True),
             "plan": {"start": result.data.start_h, "days": result.data.days, "paths": result.data.paths,
                      "time_unit": "hours from the scenario's start"},
             "solver": {"name": "SCIP via OR-Tools MathOpt", "ortools": _ortools_version()}}
    write_json(out / "manifest.json", manifest("surge", resolved, result.seed, result.data.paths, inputs, extra))


def _ortools_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("ortools")
    except metadata.PackageNotFoundError:
        return "unknown"
