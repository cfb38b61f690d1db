"""``hospitaltwin optimize roster``: a nurse roster against simulated demand, tested out of sample.

Reads the scenario and the roster problem file, draws demand paths from the twin (from an empty
start or the synced state), solves the roster with CP-SAT, writes the result directory and, by
default, runs the roster and the naive roster of the same nurses on fresh random numbers and
prints their paired differences on the KPIs a roster targets.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from hospitaltwin.cli.common import force_option, out, paired_table, parse_at, scheduler_option
from hospitaltwin.cli.optimize import demand_option, optimize_command, store_demand
from hospitaltwin.cli.progress import progress
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.experiment.executors import replication_executor


@optimize_command("roster")
def roster_cmd(
    scenario_path: Path = typer.Option(..., "--scenario", "-s", help="Scenario: the hospital and the demand the roster faces."),
    nurses: Path = typer.Option(..., "--nurses", help="Roster problem file: nurses, contracts, requests, rules, costs."),
    out_dir: Path = typer.Option(..., "--out", help="Result directory (roster.csv, policy.yaml, solve.json, manifest.json)."),
    paths: int = typer.Option(40, "--paths", min=1, help="Demand paths simulated to price uncovered patient-hours."),
    seed: int = typer.Option(None, "--seed", min=0, help="Seed of the demand paths (default: the scenario's)."),
    store_url: str = typer.Option(None, "--store", help="Draw demand from the state store's picture of the hospital."),
    at: str = typer.Option(None, "--at", help="With --store: start from this time (default: the last event)."),
    time_limit: float = typer.Option(None, "--time-limit", min=0.1, help="Deterministic seconds (default: the file's)."),
    solver_workers: int = typer.Option(None, "--solver-workers", min=1, help="CP-SAT workers (default: the file's)."),
    gap: float = typer.Option(None, "--gap", min=0.0, max=1.0, help="Stop within this relative gap (default: the file's)."),
    naive: bool = typer.Option(True, "--naive/--no-naive", help="Also build the naive roster: the same nurses in the layout's pattern."),
    evaluate: bool = typer.Option(True, "--evaluate/--no-evaluate", help="Compare with the naive roster on fresh seeds."),
    eval_seed: int = typer.Option(None, "--eval-seed", min=0, help="Seed of the out-of-sample comparison (default: seed + 1)."),
    replications: int = typer.Option(30, "--replications", "-r", min=2, help="Replications of the comparison."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Worker processes for paths and comparison."),
    force: bool = force_option(),
    scheduler: str = scheduler_option(),
    demand: str = demand_option(),
) -> None:
    """Roster nurses against demand simulated by the twin; write the roster, a policy and the solve."""
    from hospitaltwin.compare.out_of_sample import require_fresh_seed
    from hospitaltwin.config.load import read_scenario
    from hospitaltwin.core.durations import local_origin
    from hospitaltwin.core.outputs import check_folder
    from hospitaltwin.experiment.results import checksum
    from hospitaltwin.optimize.roster import (
        naive_instance,
        period_run,
        plan_roster,
        read_problem,
        solve_instance,
    )
    from hospitaltwin.optimize.roster.roster_policy import write_result
    from hospitaltwin.store.start import provenance, store_state

    check_folder(out_dir, force)
    spec = read_scenario(scenario_path)
    problem = read_problem(nurses, spec.layout)
    state, store_url = store_state(spec, store_url, parse_at(at, spec.layout.timezone))
    origin = local_origin(state.as_of, spec.layout.timezone) if state is not None else None
    period = period_run(spec, problem, origin)
    seed = spec.run.seed if seed is None else seed
    eval_seed = seed + 1 if eval_seed is None else eval_seed
    if evaluate:
        require_fresh_seed(eval_seed, seed)
    demand_source = store_demand(spec, store_url, state, period.run.horizon + 24.0, seed, demand)
    solver = {"time_limit": time_limit, "workers": solver_workers, "gap": gap}
    with replication_executor(workers, scheduler) as pool:
        with progress(f"drawing {paths} demand paths and solving the roster") as bar:
            result = plan_roster(spec, problem, paths=paths, seed=seed, state=state, sim_workers=pool,
                                 demand_source=demand_source, **solver)
            wanted = (naive or evaluate) and result.solution.found
            bar.stage("solving the naive roster")
            baseline = solve_instance(naive_instance(problem, spec, origin), **solver) if wanted else None
        inputs = {str(p): checksum(p) for p in (scenario_path, nurses)} | provenance(state, store_url)
        write_result(out_dir, result, period, inputs, baseline, force)
        if result.explanation is not None:
            raise HospitaltwinError(f"{nurses}: {result.explanation}\n(details in {out_dir / 'solve.json'})")
        if not result.solution.found:
            raise HospitaltwinError(f"{nurses}: no roster found within {result.settings['time_limit']} deterministic "
                                    f"seconds and no conflict between the rules found; try a longer --time-limit")
        _summary(result, baseline)
        if evaluate and baseline is not None and baseline.solution.found:
            fresh = demand_source.reseeded(eval_seed) if demand_source is not None else None
            _evaluate(result, baseline, period, seed, eval_seed, replications, pool, state, out_dir, fresh)
    out.print(f"results: {out_dir}", highlight=False, markup=False)


def _summary(result, baseline) -> None:
    s, parts = result.solution, result.parts
    out.print(f"{s.status}: objective {s.objective:.1f}, bound {s.bound:.1f}, gap {s.gap:.2%}, "
              f"{s.wall_s:.1f} s ({s.deterministic_s:.1f} deterministic), seed {s.seed}, {s.workers} workers",
              highlight=False)
    out.print(f"expected uncovered patient-hours {parts['uncovered_patient_h']:.1f}, overtime shifts "
              f"{parts['overtime_shifts']}, broken requests {parts['broken_requests']} "
              f"({parts['shifts']} shifts, {parts['contracted_shifts']} contracted)", highlight=False)
    if baseline is not None and baseline.solution.found:
        from hospitaltwin.optimize.roster.roster_policy import evaluate

        naive = evaluate(result.inst, baseline.solution.assignments)
        out.print(f"naive roster of the same nurses on the same paths: uncovered patient-hours "
                  f"{naive['uncovered_patient_h']:.1f}, cost {naive['cost']['total']:.1f} "
                  f"(optimised: {parts['cost']['total']:.1f})", highlight=False)
    out.print(_heads_table(result))


def _heads_table(result) -> Table:
    from hospitaltwin.optimize.roster.roster_policy import shift_table

    table = Table(title="nurses per shift, mean over the period: roster (layout)")
    for column in ("group", "shift", "weekday", "weekend"):
        table.add_column(column)
    for row in shift_table(result.inst, result.solution.assignments):
        cells = [f"{row[k]:.1f} ({row['layout_' + k]:.0f})" if k in row else "–" for k in ("weekday", "weekend")]
        table.add_row(escape(row["group"]), escape(row["shift"]), *cells)
    return table


def _evaluate(result, baseline, period, seed: int, eval_seed: int, replications: int, workers,
              state, out_dir: Path, demand=None) -> None:
    from hospitaltwin.optimize.roster.roster_policy import (
        compare_rosters,
        rostered_units,
        target_rows,
    )

    problem = result.inst.problem
    naive = baseline.policy(f"{problem.name}-naive", "The same nurses filling the layout's usual pattern")
    with progress("testing the roster against the naive roster"):
        comparison = compare_rosters(period, result.policy(), naive, seed=eval_seed, replications=replications,
                                     plan_seed=seed, workers=workers, state=state, out=out_dir / "evaluation",
                                     demand=demand)
    table = paired_table(target_rows(comparison, rostered_units(result.inst)),
                         f"out of sample (seed {eval_seed}, {replications} replications): roster - naive roster, "
                         "paired mean [95% CI]", ("naive", "roster"), "unit")
    out.print(table)
    out.print(f"every KPI: {out_dir / 'evaluation' / 'comparison.csv'}", highlight=False, markup=False)
