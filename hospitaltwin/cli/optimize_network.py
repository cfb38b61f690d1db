"""``hospitaltwin optimize network``: move devices and plan transfers across a regional network.

Draws demand paths from the scenario (after its warmup, or from the state store's picture of
the network at ``--at`` with ``--store``), solves the allocation model
(:mod:`hospitaltwin.optimize.network`), writes the plan's files, prints expected shortage per
hospital before and after, and - unless ``--evaluate 0`` - tests the plan in the engine on a
different seed than the paths (out of sample), printing paired differences with 95% CIs.
OR-Tools and the engine are imported on use, keeping the CLI's start-up light.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from hospitaltwin.cli.common import err, force_option, out, paired_table, parse_at, scheduler_option
from hospitaltwin.cli.optimize import demand_option, optimize_command, store_demand
from hospitaltwin.cli.progress import progress
from hospitaltwin.core.durations import parse_duration
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.experiment.executors import replication_executor


@optimize_command("network")
def network_cmd(
    scenario_path: Path = typer.Option(..., "--scenario", help="Scenario with a regional layout (hospitals, links, pools)."),
    out_dir: Path = typer.Option(..., "--out", help="Result folder for policy.yaml, moves.csv, transfers.csv, solve.json …"),
    paths: int = typer.Option(200, "--paths", min=1, help="Demand paths (sample-average approximation)."),
    horizon: str = typer.Option("14d", "--horizon", help="Planning horizon in whole days, e.g. 14d."),
    seed: int = typer.Option(None, "--seed", min=0, help="Seed of the demand paths (default: the scenario's)."),
    fair: bool = typer.Option(False, "--fair", help="Minimise the worst hospital's expected shortage first, then the total."),
    keep: float = typer.Option(0.5, "--keep", min=0.0, max=1.0, help="Fraction of its own devices each hospital keeps."),
    minimum: list[str] = typer.Option([], "--min", help="POOL=N: devices that pool's hospital keeps (repeatable)."),
    move_days: int = typer.Option(1, "--move-days", min=1, help="Devices may be dispatched on the first N days."),
    max_transfers: int = typer.Option(4, "--max-transfers", min=0, help="Transfers per day on links without max_per_day."),
    move_cost: float = typer.Option(0.01, "--move-cost", min=0.0, help="Cost per device moved (device-days short)."),
    transfer_cost: float = typer.Option(0.1, "--transfer-cost", min=0.0, help="Cost per patient transferred."),
    slot_cost: float = typer.Option(0.0, "--slot-cost", min=0.0, help="Cost per transfer slot booked per day (0: links keep their capacity)."),
    daily_slots: bool = typer.Option(False, "--daily-slots", help="Plan each day's transfer slots (the policy keeps the busiest day's)."),
    bed_weight: float = typer.Option(1.0, "--bed-weight", min=0.0, help="A bed-day short against a device-day short (0: devices only)."),
    time_limit: str = typer.Option("60s", "--time-limit", metavar="DURATION", help="Solver time limit per stage."),
    node_limit: int = typer.Option(None, "--node-limit", min=1, help="Solver node limit (deterministic)."),
    gap: float = typer.Option(1e-3, "--gap", min=0.0, help="Relative gap at which the solver stops."),
    evaluate: int = typer.Option(20, "--evaluate", min=0, help="Engine replications for the out-of-sample test (0: skip)."),
    eval_seed: int = typer.Option(None, "--eval-seed", min=0, help="Seed of the test (default: the paths' seed + 1)."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Worker processes for paths and the test."),
    scheduler: str = scheduler_option(),
    store_url: str = typer.Option(None, "--store", help="Plan from the state store's picture of the network (sqlite:///twin.db, postgresql+psycopg://…)."),
    at: str = typer.Option(None, "--at", help="With --store: plan from this time (default: the last event)."),
    demand: str = demand_option(),
    force: bool = force_option(),
) -> None:
    """Move ventilators / ECLS circuits between hospitals and plan link transfer capacity."""
    from hospitaltwin.compare.out_of_sample import require_fresh_seed
    from hospitaltwin.config.load import read_scenario
    from hospitaltwin.experiment.results import checksum
    from hospitaltwin.optimize.network import Settings, plan_network, write_plan
    from hospitaltwin.core.outputs import check_folder
    from hospitaltwin.store.start import from_state, provenance, store_state

    check_folder(out_dir, force)
    scenario = read_scenario(scenario_path)
    days = _whole_days(horizon)
    state, store_url = store_state(scenario, store_url, parse_at(at, scenario.layout.timezone))
    if state is not None:
        scenario = from_state(scenario, state, 24.0 * days)
    seed = scenario.run.seed if seed is None else seed
    eval_seed = seed + 1 if eval_seed is None else eval_seed
    if evaluate:
        require_fresh_seed(eval_seed, seed)
    demand_source = store_demand(scenario, store_url, state, 24.0 * days, seed, demand)
    settings = Settings(move_cost=move_cost, transfer_cost=transfer_cost, slot_cost=slot_cost, bed_weight=bed_weight,
                        daily_slots=daily_slots, fair=fair, seed=seed, time_limit_s=_seconds(time_limit),
                        node_limit=node_limit, gap=gap)
    err.print(f"drawing {paths} demand paths of {days} days …", highlight=False)
    with replication_executor(workers, scheduler) as pool:
        with progress(f"drawing {paths} demand paths and solving the plan"):
            plan = plan_network(scenario, paths=paths, horizon_h=24.0 * days, seed=seed, settings=settings, keep=keep,
                                minimum=_minimums(minimum), move_days=move_days, max_transfers=max_transfers,
                                workers=pool, state=state, demand=demand_source)
        _print_plan(plan)
        evaluation = None
        if evaluate:
            evaluation = _evaluate(plan, evaluate, eval_seed, pool, state)
    inputs = {str(scenario_path): checksum(scenario_path)} | provenance(state, store_url)
    written = write_plan(plan, out_dir, inputs, evaluation, force)
    out.print(f"results: {written}  (test it again: hospitaltwin compare {scenario_path} --policy "
              f"{written / 'policy.yaml'} --seed <another seed>)", highlight=False, markup=False)


def _whole_days(text: str) -> int:
    hours = _hours(text, "--horizon")
    if hours < 24 or abs(hours / 24 - round(hours / 24)) > 1e-9:
        raise HospitaltwinError(f"--horizon: the plan is made day by day; give whole days such as 14d, got {text!r}")
    return int(round(hours / 24))


def _seconds(text: str) -> float:
    seconds = _hours(text, "--time-limit") * 3600
    if seconds <= 0:
        raise HospitaltwinError(f"--time-limit: a positive duration such as 60s or 5min, got {text!r}")
    return seconds


def _hours(text: str, option: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise HospitaltwinError(f"{option}: {exc}") from None


def _minimums(items: list[str]) -> dict[str, int]:
    out = {}
    for item in items:
        pool, _, count = item.partition("=")
        if not pool or not count.strip().isdigit():
            raise HospitaltwinError(f"--min: expected POOL=N (a pool and a whole number of devices), got {item!r}")
        out[pool.strip()] = int(count)
    return out


def _print_plan(plan) -> None:
    report = plan.plan.report
    bound = f", bound {report['bound']:.4g}, gap {report['gap']:.2%}" if "bound" in report else ""
    out.print(f"solver: {report['status']}, objective {report.get('objective', float('nan')):.4g}{bound}, "
              f"{report['time_s']:.1f} s ({plan.size['integer_variables']} integer, "
              f"{plan.size['variables']} variables, {plan.size['constraints']} constraints)", highlight=False)
    out.print(_moves_table(plan))
    out.print(_shortage_table(plan))
    from hospitaltwin.optimize.network.plan import later_moves

    if later_moves(plan):
        out.print("note: some moves are planned after the first day; policy.yaml holds the final allocation, "
                  "which the engine has from the start", highlight=False)


def _moves_table(plan) -> Table:
    from hospitaltwin.optimize.network.network_policy import final_counts, link_caps

    data, outcome = plan.data, plan.plan
    table = Table(title="Plan: devices per pool after the moves; transfers per day and link")
    for column in ("what", "today", "plan", "expected use per day"):
        table.add_column(column)
    for pool, count in final_counts(data, outcome.decisions).items():
        (k, h), = [key for key, name in data.pools.items() if name == pool]
        table.add_row(escape(pool), str(int(data.devices[k, h])), str(count), "")
    arcs = {(a.origin, a.target): a for arcs in data.transfer_arcs.values() for a in arcs}
    used = {key: 0.0 for key in arcs}
    for q, flows in outcome.transfers.items():
        for a, arc in enumerate(data.transfer_arcs[q]):
            used[(arc.origin, arc.target)] += float(flows[a].mean())
    for (i, j), cap in link_caps(data, outcome.decisions).items():
        arc = arcs[(i, j)]
        today = f"no limit ({arc.limit} assumed)" if arc.assumed else str(arc.limit)
        booked = "as today" if cap >= arc.limit else str(cap)
        table.add_row(escape(f"transfers {data.hospitals[i]} → {data.hospitals[j]}"), today, booked, f"{used[(i, j)]:.2f}")
    return table


def _shortage_table(plan) -> Table:
    data = plan.data
    table = Table(title=f"Expected shortage over {data.shape[3]} days ({plan.paths} paths, in sample): today → plan")
    table.add_column("hospital")
    for kind in data.kinds:
        table.add_column(f"{kind}-days")
    for kind in data.bed_kinds:
        table.add_column(f"{kind} bed-days")
    for h, hospital in enumerate(data.hospitals):
        cells = [_pair(plan.before.device_short[k, h], plan.plan.device_short[k, h]) if (k, h) in data.pools else "–"
                 for k in range(len(data.kinds))]
        cells += [_pair(plan.before.bed_short[q, h], plan.plan.bed_short[q, h]) if (q, h) in data.units else "–"
                  for q in range(len(data.bed_kinds))]
        table.add_row(escape(hospital), *cells)
    return table


def _pair(before: float, after: float) -> str:
    return f"{before:.2f} → {after:.2f}"


def _evaluate(plan, replications: int, seed: int, workers, state=None) -> list[dict]:
    from hospitaltwin.optimize.network.evaluate import evaluate_plan, headline

    err.print(f"testing the plan in the engine: {replications} replications, seed {seed} (paths: seed {plan.seed}) …",
              highlight=False)
    with progress("testing the plan in the engine"):
        rows = evaluate_plan(plan.scenario, plan.policy, seed=seed, replications=replications, plan_seed=plan.seed,
                             horizon_h=24.0 * plan.data.shape[3], workers=workers, state=state,
                             demand=plan.demand.reseeded(seed) if plan.demand is not None else None)
    table = paired_table(headline(rows), "Out of sample, in the engine: plan - today, paired over replications: "
                         "mean [95% CI]", ("today", "plan"))
    out.print(table)
    return rows
