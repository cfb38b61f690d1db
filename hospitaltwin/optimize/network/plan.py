"""Plan a network: demand paths -> data -> model -> plan, and the plan's result directory.

:func:`plan_network` draws demand paths from the twin (from the scenario's warmup, or from a
synced state), checks the minimums, solves the allocation model, evaluates today's network
(no moves, every link's full transfer capacity) on the same paths for the before/after table,
and builds the policy. :func:`write_plan` writes ``policy.yaml``, ``moves.csv``,
``transfers.csv``, ``shortage.csv``, ``solve.json`` and ``manifest.json`` (``kind:
network``) atomically into one directory.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.outputs import ResultFolder
from hospitaltwin.core.state import SystemState
from hospitaltwin.engine.compile import PathSource
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.experiment.result_format import CSV_COLUMNS
from hospitaltwin.experiment.results import manifest, write_json, write_records
from hospitaltwin.optimize.network.data import NetworkData, network_data
from hospitaltwin.optimize.network.explain import InfeasiblePlan, check_minimums, shortage_rows
from hospitaltwin.optimize.network.model import NetworkModel, Outcome, Settings, status_quo
from hospitaltwin.optimize.network.network_policy import move_rows, policy_data, transfer_rows, write_policy


@dataclass
class NetworkPlan:
    """A solved plan: its data, the plan and today's network evaluated, the policy mapping."""

    scenario: Scenario
    data: NetworkData
    settings: Settings
    plan: Outcome
    before: Outcome
    policy: dict
    size: dict
    seed: int
    paths: int
    demand: PathSource | None = None


def plan_network(scenario: Scenario, *, paths: int = 200, horizon_h: float = 336.0, seed: int | None = None,
                 settings: Settings = Settings(), keep: float = 0.5, minimum: dict[str, int] | None = None,
                 move_days: int = 1, max_transfers: int = 4, workers: Workers = 1,
                 state: SystemState | None = None, demand: PathSource | None = None) -> NetworkPlan:
    """Optimise device moves and transfer capacity over ``paths`` demand paths (each with its
    own demand level from ``demand``, the forecast's model, when planning from a state).

    Raises
    ------
    InfeasiblePlan
        When the minimums cannot be kept, with the hospitals, days and reasons.
    """
    from hospitaltwin.optimize.paths import demand_paths

    seed = scenario.run.seed if seed is None else seed
    drawn = demand_paths(scenario, paths=paths, horizon_h=horizon_h, seed=seed, state=state, workers=workers,
                         demand=demand)
    start_h = 0.0 if state is not None else scenario.run.warmup
    data = network_data(scenario, drawn, start_h=start_h, keep=keep, minimum=minimum, move_days=move_days,
                        max_transfers=max_transfers)
    return replace(plan_from_data(scenario, data, settings, seed=seed), demand=demand)


def plan_from_data(scenario: Scenario, data: NetworkData, settings: Settings, seed: int = 0) -> NetworkPlan:
    """Solve the model of ``data`` and evaluate today's network on the same paths."""
    check_minimums(data)
    model = NetworkModel(data, settings)
    size = {"variables": model.solver.NumVariables(), "constraints": model.solver.NumConstraints(),
            "integer_variables": model.integers}
    report = model.solve()
    if report["status"] == "infeasible":
        raise InfeasiblePlan("the network model has no solution, although every minimum can be kept; "
                             "please report this with the scenario")
    today = Settings(**{**asdict(settings), "fair": False, "time_limit_s": max(settings.time_limit_s, 60.0)})
    quo = NetworkModel(data, today, fixed=status_quo(data))
    before = quo.outcome(quo.solve())
    if report["status"] in ("optimal", "feasible"):
        plan = model.outcome(report)
    else:
        plan = _today_kept(before, report)
    name = f"network-{'fair' if settings.fair else 'total'}"
    description = (f"Device moves and transfer capacity for {scenario.name} over {data.shape[3]} days "
                   f"({'worst hospital first' if settings.fair else 'expected shortage'})")
    policy = policy_data(scenario, data, plan.decisions, name, description)
    return NetworkPlan(scenario, data, settings, plan, before, policy, size, seed, data.shape[0])


def _today_kept(before: Outcome, report: dict) -> Outcome:
    """No plan found within the limits: today's network is the best plan known."""
    if before.report.get("status") not in ("optimal", "feasible"):
        raise HospitaltwinError(f"the solver stopped without a plan (status: {report['status']}, after "
                                f"{report['time_s']} s); allow more time with --time-limit")
    kept = dict(report, status=f"{report['status']}: no plan found within the limits, today's network kept",
                objective=before.objective)
    return Outcome(before.decisions, before.device_short, before.bed_short, before.transfers,
                   before.transfers_p95, before.objective, kept)


def later_moves(plan: NetworkPlan) -> bool:
    """Whether some move is dispatched after the first day (the policy is then approximate)."""
    return any(d > 0 for (_, _, d) in plan.plan.decisions.moves)


def solve_summary(plan: NetworkPlan) -> dict:
    """``solve.json``: the solver's report, the model's size, the settings and headline values."""
    report = plan.plan.report
    return {
        "status": report["status"], "objective": report.get("objective"), "bound": report.get("bound"),
        "gap": report.get("gap"), "time_s": report["time_s"], "stages": report["stages"],
        "solver": "SCIP via OR-Tools pywraplp (single thread)", "model": plan.size,
        "settings": asdict(plan.settings), "paths": plan.paths, "days": plan.data.shape[3],
        "seed_paths": plan.seed, "move_days": plan.data.move_days,
        "objective_today": plan.before.objective,
        "expected_shortage": {"today": _totals(plan.before), "plan": _totals(plan.plan)},
        "policy_is_final_allocation": later_moves(plan),
    } | ({"demand": plan.demand.summaries()} if plan.demand is not None else {})


def _totals(outcome: Outcome) -> dict:
    return {"device_days": float(outcome.device_short.sum()), "bed_days": float(outcome.bed_short.sum())}


def write_plan(plan: NetworkPlan, out: Path, inputs: dict[str, str], evaluation: list[dict] | None = None,
               force: bool = False) -> Path:
    """Write the plan's files into the result folder ``out`` (:class:`~hospitaltwin.core.outputs.ResultFolder`:
    an earlier result there is replaced as a whole; ``force`` writes beside files the tool did not write)."""
    with ResultFolder(out, force) as folder:
        _write_plan_files(plan, folder.path, inputs, evaluation)
    return folder.out


def _write_plan_files(plan: NetworkPlan, tmp: Path, inputs: dict[str, str], evaluation: list[dict] | None) -> None:
    data = plan.data
    write_policy(tmp / "policy.yaml", plan.policy, _header(plan))
    write_records(tmp / "moves.csv", move_rows(data, plan.plan.decisions), CSV_COLUMNS["moves"])
    write_records(tmp / "transfers.csv", transfer_rows(data, plan.plan), CSV_COLUMNS["transfers"])
    rows = shortage_rows(data, plan.before, plan.plan)
    write_records(tmp / "shortage.csv", rows, list(rows[0]) if rows else CSV_COLUMNS["shortage"])
    write_json(tmp / "solve.json", _clean(solve_summary(plan)))
    if evaluation is not None:
        write_records(tmp / "evaluation.csv", evaluation, CSV_COLUMNS["evaluation"])
    resolved = plan.scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    extra = {"policy": plan.policy, "paths": plan.paths, "days": data.shape[3],
             "origin": data.origin.isoformat() if data.origin else None}
    write_json(tmp / "manifest.json", manifest("network", resolved, plan.seed, plan.paths, inputs, extra))


def _header(plan: NetworkPlan) -> str:
    lines = [f"Network plan for scenario '{plan.scenario.name}' ({plan.paths} demand paths x "
             f"{plan.data.shape[3]} days, seed {plan.seed}).",
             "Pool counts: the allocation once every planned move has arrived (moves.csv has the days)."]
    if "links" in plan.policy["layout"]:
        lines.append("Links: every link restated; a direction whose daily transfer capacity the plan reduces "
                     "carries it as max_per_day (transfers.csv has each day).")
    else:
        lines.append("Links: unchanged, every link keeps its daily capacity (transfers.csv has the expected use).")
    if later_moves(plan):
        lines.append("Some moves are planned after the first day: the engine holds the final allocation "
                     "from the start, an approximation.")
    return "\n".join(lines)


def _clean(value):
    """JSON-safe: NaN and infinities become null."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
