"""``hospitaltwin optimize surge``: a surge capacity plan over demand paths, tested out of sample."""

from __future__ import annotations

from pathlib import Path

import typer

from hospitaltwin.cli.common import force_option, out, paired_table, parse_at, scheduler_option
from hospitaltwin.cli.optimize import demand_option, optimize_command, store_demand
from hospitaltwin.cli.progress import progress
from hospitaltwin.cli.run import _duration
from hospitaltwin.compare.out_of_sample import require_fresh_seed
from hospitaltwin.config.load import read_scenario
from hospitaltwin.core.durations import format_hours
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.outputs import check_folder
from hospitaltwin.experiment.executors import replication_executor
from hospitaltwin.experiment.replicate import with_run
from hospitaltwin.experiment.results import checksum
from hospitaltwin.store.start import provenance, store_state


@optimize_command("surge")
def surge_cmd(
    scenario_path: Path = typer.Option(..., "--scenario", "-s", help="Scenario to plan for (the baseline: no surge beds)."),
    options_path: Path = typer.Option(..., "--options", help="Surge options YAML: beds, lead times, costs, limits."),
    out_dir: Path = typer.Option(..., "--out", help="Result directory (policy.yaml, plan.csv, solve.json, manifest.json)."),
    paths: int = typer.Option(200, "--paths", min=1, help="Demand paths the plan is optimised over."),
    gap_batches: int = typer.Option(5, "--gap-batches", min=0, metavar="N", help="Batches of fresh paths (each as many as --paths) that estimate how far the plan may be from the best plan for the twin's demand (SAA gap); 0: no estimate."),
    target_gap: float = typer.Option(0.01, "--target-gap", min=0.0, metavar="FRACTION", help="The SAA gap (95% upper bound, share of the plan's expected cost) counted as small."),
    max_paths: int = typer.Option(None, "--max-paths", min=1, metavar="N", help="While the SAA gap is above --target-gap, make the plan again on twice the paths, up to this many (default: never)."),
    horizon: str = typer.Option("14d", "--horizon", help="Plan length in whole days."),
    seed: int = typer.Option(None, "--seed", min=0, help="Seed of the demand paths (default: the scenario's)."),
    warmup: str = typer.Option(None, "--warmup", help="Start the plan this long after an empty start (default: the scenario's warmup)."),
    store_url: str = typer.Option(None, "--store", help="Plan from the state store's picture of the hospital (sqlite:///twin.db, postgresql+psycopg://…)."),
    at: str = typer.Option(None, "--at", help="With --store: plan from this time (default: the last event)."),
    time_limit: float = typer.Option(60.0, "--time-limit", min=0.1, help="Solver wall-clock limit, seconds; the best plan so far is kept."),
    node_limit: int = typer.Option(200_000, "--node-limit", min=1, help="Solver node limit (deterministic)."),
    formulation: str = typer.Option("extensive", "--formulation", help="extensive (a recourse variable per path) or aggregated."),
    evaluate: bool = typer.Option(True, "--evaluate/--no-evaluate", help="Compare with and without the plan on fresh seeds."),
    eval_seed: int = typer.Option(None, "--eval-seed", min=0, help="Seed of the out-of-sample comparison (default: seed + 1)."),
    replications: int = typer.Option(30, "--replications", "-r", min=2, help="Replications of the comparison."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Worker processes for paths and comparison."),
    force: bool = force_option(),
    scheduler: str = scheduler_option(),
    demand: str = demand_option(),
) -> None:
    """Choose which surge beds to open where and when; write the plan as a policy and test it."""
    from hospitaltwin.optimize.surge.explain import summary_lines
    from hospitaltwin.optimize.surge.model import FORMULATIONS, SolveSettings
    from hospitaltwin.optimize.surge.options import read_options
    from hospitaltwin.optimize.surge.plan import GapSettings, gap_lines, plan_days, plan_surge, write_surge

    check_folder(out_dir, force)
    if formulation not in FORMULATIONS:
        raise HospitaltwinError(f"--formulation: '{formulation}' is not one of {', '.join(FORMULATIONS)}")
    days = plan_days(_duration(horizon, "--horizon"))
    base = read_scenario(scenario_path)
    state, store_url = store_state(base, store_url, parse_at(at, base.layout.timezone))
    if state is not None and warmup is not None:
        raise HospitaltwinError("--warmup is for an empty start; from the state store the plan starts at --at")
    warm = 0.0 if state is not None else base.run.warmup if warmup is None else _duration(warmup, "--warmup")
    scenario = with_run(base, warmup=format_hours(warm), horizon=format_hours(warm + 24.0 * days))
    options = read_options(options_path, scenario, days)
    seed = scenario.run.seed if seed is None else seed
    eval_seed = seed + 1 if eval_seed is None else eval_seed
    if evaluate:
        require_fresh_seed(eval_seed, seed)
    demand_source = store_demand(scenario, store_url, state, 24.0 * days, seed, demand)
    settings = SolveSettings(formulation=formulation, time_limit_s=time_limit, node_limit=node_limit, seed=seed)
    gap = GapSettings(batches=gap_batches, target=target_gap, max_paths=max_paths)
    work = f"drawing {paths} demand paths ({gap_batches} x {paths} more for the SAA gap), solving the plan"
    with replication_executor(workers, scheduler) as pool:
        with progress(work):
            result = plan_surge(scenario, options, paths=paths, days=days, seed=seed, settings=settings,
                                workers=pool, state=state, gap=gap, demand_source=demand_source)
        inputs = {str(p): checksum(p) for p in (scenario_path, options_path)} | provenance(state, store_url)
        write_surge(result, out_dir, inputs, force)
        out.print(f"demand paths: {result.paths_drawn} x {days} days in {result.paths_seconds:.1f} s",
                  highlight=False)
        for line in summary_lines(result.plan) + gap_lines(result):
            out.print(line, highlight=False, markup=False)
        if evaluate and not result.plan.beds.any():
            out.print("the plan opens no surge beds: it is the baseline, so there is nothing to test",
                      highlight=False)
        elif evaluate:
            _evaluate(result, eval_seed, replications, pool, out_dir, state)
    out.print(f"results: {out_dir}", highlight=False, markup=False)


def _evaluate(result, eval_seed: int, replications: int, workers, out_dir: Path, state=None) -> None:
    from hospitaltwin.config.policy import Policy
    from hospitaltwin.optimize.surge.surge_policy import evaluate, side_effects, target_rows

    policy = Policy.model_validate(result.policy)
    with progress(f"testing the plan out of sample: {replications} replications with and without it"):
        comparison = evaluate(result.scenario, policy, seed=eval_seed, replications=replications,
                              horizon_h=result.horizon_h, plan_seed=result.seed, workers=workers,
                              state=state, out=out_dir / "evaluation",
                              demand=result.demand.reseeded(eval_seed) if result.demand is not None else None)
    table = paired_table(target_rows(comparison, list(result.data.units)),
                         f"out of sample (seed {eval_seed}, {replications} replications): plan - no plan, "
                         "paired mean [95% CI]", ("no plan", "plan"), "unit")
    out.print(table)
    units = list(result.data.units)
    others = [f"{r['name']} {r['kpi']} {r['diff_mean']:+.3g} ({'better' if r['better'] == 'policy' else 'worse'})"
              for r in side_effects(comparison, units)]
    if others:
        out.print("elsewhere, significant: " + "; ".join(others), highlight=False, markup=False)
    out.print(f"every KPI: {out_dir / 'evaluation' / 'comparison.csv'}", highlight=False, markup=False)
