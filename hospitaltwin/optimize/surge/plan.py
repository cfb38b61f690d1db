"""The surge planning stage end to end: demand paths -> data -> MIP -> policy -> result files.

:func:`plan_surge` draws the demand paths from the twin (an empty start after the warmup, or a
synced state), builds the data, solves the MIP, estimates the plan's SAA optimality gap on
fresh paths (making it again on more paths while that gap is too large and allowed) and turns
the plan into a policy; :func:`write_surge` writes the result directory: ``policy.yaml``, ``plan.csv``, ``solve.json``
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
from hospitaltwin.engine.compile import PathSource
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.experiment.result_format import CSV_COLUMNS
from hospitaltwin.experiment.results import manifest, write_json, write_records
from hospitaltwin.optimize.paths import DemandPaths, demand_paths
from hospitaltwin.optimize.surge.data import SurgeData, build_data
from hospitaltwin.optimize.surge.explain import alternative_report, plan_rows, solve_report
from hospitaltwin.optimize.surge.gap import SaaGap, batches, estimate_gap
from hospitaltwin.optimize.surge.model import SolveSettings, SurgePlan
from hospitaltwin.optimize.surge.options import SurgeOptions
from hospitaltwin.optimize.surge.solve import best_opening_plan, solve_plan
from hospitaltwin.optimize.surge.surge_policy import plan_policy, write_policy
from hospitaltwin.store.start import from_state


@dataclass(frozen=True)
class GapSettings:
    """The SAA gap estimate: ``batches`` of fresh paths as many as the plan's (0: none); while its
    95% upper bound exceeds ``target`` (a share of the plan's expected cost), the plan is made
    again on twice the paths, up to ``max_paths`` (``None``: never)."""

    batches: int = 5
    target: float = 0.01
    max_paths: int | None = None


@dataclass
class SurgeResult:
    """A solved surge plan, its policy data, its SAA gap estimate and where the time went."""

    scenario: Scenario
    options: SurgeOptions
    data: SurgeData
    plan: SurgePlan
    policy: dict
    paths_seconds: float
    seed: int
    saa: SaaGap | None = None
    gap_settings: GapSettings = GapSettings()
    rounds: tuple[int, ...] = ()
    paths_drawn: int = 0
    alternative: SurgePlan | None = None
    demand: PathSource | None = None

    @property
    def horizon_h(self) -> float:
        """The horizon a run of the scenario needs to cover the plan."""
        return self.data.start_h + 24.0 * self.data.days

    def saa_report(self) -> dict | None:
        """``solve.json``'s ``saa`` entry: the estimate, the target and the paths tried."""
        if self.saa is None:
            return None
        report = self.saa.report()
        report.update(target_relative=self.gap_settings.target, paths_tried=list(self.rounds),
                      small=bool(report["gap_upper_relative"] <= self.gap_settings.target))
        return report


def plan_days(horizon_h: float) -> int:
    """Whole days in a plan horizon (the plan works day by day)."""
    days = horizon_h / 24.0
    if horizon_h <= 0 or abs(days - round(days)) > 1e-9:
        raise HospitaltwinError(f"the plan horizon is a whole number of days, such as 14d (got {horizon_h:g} h)")
    return int(round(days))


class PathPool:
    """Demand paths drawn on demand: path ``i`` is always replication ``i`` of the seed."""

    def __init__(self, scenario: Scenario, days: int, seed: int, state: SystemState | None, workers: Workers,
                 demand: PathSource | None = None):
        self.scenario, self.days, self.seed, self.state, self.workers = scenario, days, seed, state, workers
        self.demand = demand
        self.drawn: DemandPaths | None = None
        self.seconds = 0.0

    def take(self, start: int, stop: int) -> DemandPaths:
        """Paths ``start .. stop - 1``, drawing those not drawn yet."""
        have = self.drawn.count if self.drawn is not None else 0
        if stop > have:
            started = time.perf_counter()
            more = demand_paths(self.scenario, paths=stop - have, horizon_h=24.0 * self.days, seed=self.seed,
                                state=self.state, workers=self.workers, first=have, demand=self.demand)
            self.drawn = more if self.drawn is None else self.drawn.extended(more)
            self.seconds += time.perf_counter() - started
        return self.drawn.take(start, stop)


def plan_surge(scenario: Scenario, options: SurgeOptions, *, paths: int, days: int, seed: int,
               settings: SolveSettings = SolveSettings(), state: SystemState | None = None,
               workers: Workers = 1, gap: GapSettings = GapSettings(),
               demand_source: PathSource | None = None) -> SurgeResult:
    """Optimise a surge plan over ``paths`` demand paths of ``days`` days drawn with ``seed``.

    The plan starts after the scenario's warmup (empty start) or at the state's time (the
    result's scenario is then :func:`~hospitaltwin.store.start.from_state`'s, which the
    evaluation runs with the state). Its SAA optimality gap is estimated on fresh paths
    (:mod:`~hospitaltwin.optimize.surge.gap`); while the estimate's upper bound is above
    ``gap.target`` and ``gap.max_paths`` allows, the plan is made again on twice the paths.
    ``demand_source`` (from a state) gives each path its own demand level from the forecast's demand
    model (:func:`~hospitaltwin.optimize.paths.history_demand`).
    """
    if state is not None:
        scenario = from_state(scenario, state, 24.0 * days)
    start_h = 0.0 if state is not None else scenario.run.warmup
    pool, rounds, n = PathPool(scenario, days, seed, state, workers, demand_source), [], paths
    while True:
        rounds.append(n)
        demand = pool.take(0, n)
        data = build_data(options, scenario, demand, days, start_h)
        plan = solve_plan(data, settings)
        saa = _estimate(pool, options, scenario, plan, n, days, start_h, settings, gap)
        if saa is None or saa.relative(saa.gap_upper) <= gap.target or gap.max_paths is None \
                or 2 * n > gap.max_paths:
            break
        n *= 2
    origin = demand.origin - timedelta(hours=start_h)
    policy = plan_policy(plan, options, scenario, origin)
    alternative = best_opening_plan(data, settings) if not plan.beds.any() else None
    return SurgeResult(scenario, options, data, plan, policy, pool.seconds, seed, saa, gap, tuple(rounds),
                       pool.drawn.count, alternative, demand_source)


def _estimate(pool: PathPool, options: SurgeOptions, scenario: Scenario, plan: SurgePlan, n: int, days: int,
              start_h: float, settings: SolveSettings, gap: GapSettings) -> SaaGap | None:
    """The gap of ``plan`` (made on paths ``0 .. n-1``) on batches of the next paths."""
    if gap.batches <= 0:
        return None
    fresh = build_data(options, scenario, pool.take(n, n + gap.batches * n), days, start_h)
    return estimate_gap(plan.beds, batches(fresh, n), settings)


def gap_lines(result: SurgeResult) -> list[str]:
    """The SAA gap estimate for the terminal, plainly: small or not."""
    report = result.saa_report()
    if report is None:
        return ["  SAA gap: not estimated (--gap-batches 0)"]
    share, bound = report["gap_upper_relative"], report["gap_upper"]
    verdict = ("small" if report["small"] else
               "NOT small: the plan may change with other demand paths; raise --paths or --max-paths")
    tried = " -> ".join(str(n) for n in report["paths_tried"])
    return [f"  SAA gap: the plan may cost up to {share:.1%} ({bound:,.0f}) more than the best plan for the "
            f"twin's demand (95% upper bound; {report['batches']} batches of {report['batch_paths']} fresh paths; "
            f"paths tried {tried}): {verdict} (target {report['target_relative']:.1%})",
            f"  in {report['same_plan_batches']} of {report['batches']} batches the best plan was this one"]


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
    if result.saa is not None:
        report["saa"] = result.saa_report()
    if result.alternative is not None:
        report["alternative"] = alternative_report(result.plan, result.alternative)
    if result.demand is not None:
        report["demand"] = result.demand.summaries()
    write_json(out / "solve.json", report)
    resolved = result.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    extra = {"options": result.options.model_dump(mode="json", by_alias=True, exclude_none=True),
             "plan": {"start": result.data.start_h, "days": result.data.days, "paths": result.data.paths,
                      "time_unit": "hours from the scenario's start"},
             "solver": {"name": "SCIP via OR-Tools MathOpt", "ortools": _ortools_version()},
             "origin": result.scenario.run.origin.isoformat()}
    write_json(out / "manifest.json", manifest("surge", resolved, result.seed, result.data.paths, inputs, extra))


def _ortools_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("ortools")
    except metadata.PackageNotFoundError:
        return "unknown"
