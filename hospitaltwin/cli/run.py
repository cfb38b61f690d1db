"""``hospitaltwin run SCENARIO``: simulate a what-if and print its key KPIs with 95% CIs.

The run starts where the scenario's ``run.start`` says: empty (filling the hospital during the
warm-up) or from a state store's picture of the hospital (:mod:`hospitaltwin.store.start`).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from hospitaltwin.cli.common import command, force_option, out, scheduler_option, warn
from hospitaltwin.cli.progress import progress
from hospitaltwin.config.load import read_scenario
from hospitaltwin.core.durations import parse_duration
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.outputs import check_file, check_folder, safe_name
from hospitaltwin.experiment.executors import replication_executor
from hospitaltwin.experiment.replicate import run_scenario, with_run
from hospitaltwin.experiment.results import checksum
from hospitaltwin.experiment.summary import fmt as _fmt
from hospitaltwin.store.start import provenance, warm_start

HEADLINE = {
    "units": ("arrivals_per_day", "diverted_fraction", "mean_census", "mean_wait_h", "p_full",
              "boarding_h_per_day", "over_ratio_h"),
    "equipment": ("mean_in_use", "unmet_fraction", "p_full"),
}


def _duration(text: str | None, option: str) -> float | None:
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise HospitaltwinError(f"{option}: {exc}") from None


@command("run")
def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    replications: int = typer.Option(None, "--replications", "-r", min=1, help="Replications (default: the scenario's)."),
    seed: int = typer.Option(None, "--seed", min=0, help="Root seed (default: the scenario's)."),
    horizon: str = typer.Option(None, "--horizon", help="Simulated time, e.g. 90d (default: the scenario's)."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Local worker processes; results do not depend on it."),
    scheduler: str = scheduler_option(),
    out_dir: Path = typer.Option(None, "--out", help="Result folder (default: runs/<scenario name>); a folder "
                                 "hospitaltwin owns: an earlier result there is replaced, other files refuse it."),
    events_out: Path = typer.Option(None, "--events-out", help="Also write replication 0 as a canonical event log (.csv, .csv.gz, .parquet)."),
    force: bool = force_option(),
) -> None:
    """Simulate a what-if; write tables, summary.json and manifest.json; print key KPIs."""
    read = read_scenario(scenario)
    target = out_dir or Path("runs") / safe_name(read.name, "scenario")
    check_folder(target, force)
    if events_out:
        check_file(events_out)
    spec, state, store_url = warm_start(read)
    spec = with_run(spec, replications=replications, seed=seed, horizon=_duration(horizon, "--horizon") and horizon)
    hook = _event_log_writer(events_out, spec.layout.timezone) if events_out else None
    inputs = {str(scenario): checksum(scenario)} | provenance(state, store_url)
    with replication_executor(workers, scheduler) as pool:
        result = _run_with_progress(spec, pool, target, inputs, hook, state, force)
    out.print(_table(result.summary))
    warn(result.summary.get("warnings", ()))
    out.print(f"results: {result.out}", highlight=False, markup=False)
    if events_out:
        out.print(f"event log of replication 0: {events_out}", highlight=False, markup=False)


def _event_log_writer(path: Path, timezone: str):
    def write(rep, model) -> None:
        if rep.replication == 0:
            from hospitaltwin.experiment.export import replication_events, write_events

            write_events(replication_events(rep, model, timezone), path)
    return write


def _run_with_progress(spec, workers, target: Path, inputs: dict, hook=None, state=None,
                       force: bool = False):
    with progress(spec.name, spec.run.replications) as bar:
        return run_scenario(spec, workers=workers, out=target, inputs=inputs, state=state,
                            progress=bar.step, on_replication=hook, force=force)


def _table(summary: dict) -> Table:
    """One row per unit and per pool; each cell is mean ± half-width of its 95% CI."""
    title = f"{summary['scenario']}: {summary['replications']} replications, mean ± 95% CI half-width"
    table = Table(title=escape(title))
    table.add_column("resource")
    kpis = HEADLINE["units"]
    for kpi in kpis:
        table.add_column(kpi, justify="right")
    unstable = {u for u, load in summary.get("offered_load", {}).items() if load.get("unstable")}
    for name, values in summary["units"].items():
        label = f"{escape(name)} [bold red](unstable)[/]" if name in unstable else escape(name)
        table.add_row(label, *(_cell(values.get(k)) for k in kpis))
    for name, values in summary["equipment"].items():
        cells = {"mean_census": values.get("mean_in_use"), "diverted_fraction": values.get("unmet_fraction"),
                 "p_full": values.get("p_full")}
        table.add_row(escape(f"{name} (device)"), *(_cell(cells.get(k)) for k in kpis))
    table.caption = "devices: mean_census = devices in use, diverted_fraction = unmet fraction"
    return table


def _cell(entry: dict | None) -> str:
    if not entry or entry["mean"] is None:
        return "–"
    mean, (lo, hi) = entry["mean"], entry["ci95"]
    if lo is None:
        return _fmt(mean)
    return f"{_fmt(mean)} ±{_fmt((hi - lo) / 2)}"
