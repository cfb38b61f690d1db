"""``hospitaltwin optimize …``: OR-Tools models that propose policies (``roster`` for now)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import typer
from rich.table import Table

from hospitaltwin.cli.app import app, fail, out
from hospitaltwin.errors import HospitaltwinError

optimize = typer.Typer(help="Propose policies with OR-Tools: nurse rosters, surge plans, network moves.",
                       no_args_is_help=True)
app.add_typer(optimize, name="optimize")


def optimize_command(name: str) -> Callable:
    """Register ``optimize NAME``; user errors end in one clear message, not a traceback."""

    def register(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except HospitaltwinError as exc:
                raise fail(str(exc)) from None
            except (OSError, MemoryError) as exc:
                raise fail(f"{type(exc).__name__}: {exc}") from None
            except KeyboardInterrupt:
                raise fail("interrupted", code=130) from None

        return optimize.command(name)(wrapper)

    return register


@optimize_command("roster")
def roster_cmd(
    scenario: Path = typer.Option(..., "--scenario", help="Scenario: the hospital and the demand the roster faces."),
    nurses: Path = typer.Option(..., "--nurses", help="Roster problem file: nurses, contracts, requests, rules, costs."),
    paths: int = typer.Option(40, "--paths", min=1, help="Demand paths simulated to price uncovered patient-hours."),
    seed: int = typer.Option(1, "--seed", min=0, help="Seed of the demand paths (evaluate with another one)."),
    time_limit: float = typer.Option(None, "--time-limit", min=0.1, help="Deterministic seconds (default: the file's)."),
    workers: int = typer.Option(None, "--workers", "-w", min=1, help="Solver workers (default: the file's)."),
    gap: float = typer.Option(None, "--gap", min=0.0, max=1.0, help="Stop within this relative gap (default: the file's)."),
    naive: bool = typer.Option(False, "--naive", help="Also write the naive roster: the same nurses in the layout's pattern."),
    out_dir: Path = typer.Option(..., "--out", help="Result directory."),
) -> None:
    """Roster nurses against demand simulated by the twin; write the roster, a policy and the solve."""
    from hospitaltwin.config.load import read_scenario
    from hospitaltwin.optimize.roster import (naive_instance, period_run, plan_roster, read_problem,
                                              solve_instance)
    from hospitaltwin.optimize.roster.policy import write_result
    from hospitaltwin.results import checksum

    spec = read_scenario(scenario)
    problem = read_problem(nurses, spec.layout)
    evaluation = period_run(spec, problem)
    solver = {"time_limit": time_limit, "workers": workers, "gap": gap}
    result = plan_roster(spec, problem, paths=paths, seed=seed, **solver)
    baseline = solve_instance(naive_instance(problem, spec), **solver) if naive and result.solution.found else None
    inputs = {str(p): checksum(p) for p in (scenario, nurses)}
    write_result(out_dir, result, evaluation, inputs, baseline)
    if result.explanation is not None:
        raise HospitaltwinError(f"{nurses}: {result.explanation}\n(details in {out_dir / 'solve.json'})")
    if not result.solution.found:
        raise HospitaltwinError(f"{nurses}: no roster found within {result.settings['time_limit']} deterministic "
                                f"seconds and no conflict between the rules found; try a longer --time-limit")
    _summary(result, baseline, out_dir)


def _summary(result, baseline, out_dir: Path) -> None:
    s, parts = result.solution, result.parts
    out.print(f"{s.status}: objective {s.objective:.1f}, bound {s.bound:.1f}, gap {s.gap:.2%}, "
              f"{s.wall_s:.1f} s ({s.deterministic_s:.1f} deterministic), seed {s.seed}, {s.workers} workers",
              highlight=False)
    out.print(f"expected uncovered patient-hours {parts['uncovered_patient_h']:.1f}, overtime shifts "
              f"{parts['overtime_shifts']}, broken requests {parts['broken_requests']} "
              f"({parts['shifts']} shifts, {parts['contracted_shifts']} contracted)", highlight=False)
    if baseline is not None and baseline.solution.found:
        from hospitaltwin.optimize.roster.policy import evaluate

        naive = evaluate(result.inst, baseline.solution.assignments)
        out.print(f"naive roster of the same nurses on the same paths: uncovered patient-hours "
                  f"{naive['uncovered_patient_h']:.1f}, cost {naive['cost']['total']:.1f} "
                  f"(optimised: {parts['cost']['total']:.1f})", highlight=False)
    out.print(_heads_table(result))
    out.print(f"results: {out_dir}  (evaluate out of sample: hospitaltwin compare {out_dir / 'scenario.yaml'} "
              f"--policy {out_dir / 'policy.yaml'} --seed <another seed>)", highlight=False)


def _heads_table(result) -> Table:
    from hospitaltwin.optimize.roster.policy import shift_table

    table = Table(title="nurses per shift, mean over the period: roster (layout)")
    for column in ("group", "shift", "weekday", "weekend"):
        table.add_column(column)
    for row in shift_table(result.inst, result.solution.assignments):
        cells = [f"{row[k]:.1f} ({row['layout_' + k]:.0f})" if k in row else "–" for k in ("weekday", "weekend")]
        table.add_row(row["group"], row["shift"], *cells)
    return table
