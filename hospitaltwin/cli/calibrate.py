"""``hospitaltwin calibrate EVENTS --layout L --out demand.yaml``: fit demand from an event log."""

from __future__ import annotations

from pathlib import Path

import typer

from hospitaltwin.cli.common import command, err, force_option, out
from hospitaltwin.config.load import read_layout
from hospitaltwin.core.errors import HospitaltwinError


@command("calibrate")
def calibrate_cmd(
    events: Path = typer.Argument(..., help="Canonical events (from `hospitaltwin ingest`), Parquet or CSV."),
    layout: Path = typer.Option(..., "--layout", help="The layout the demand is for."),
    out_path: Path = typer.Option(..., "--out", help="Demand YAML to write."),
    since: str = typer.Option(None, "--since", help="Start of the window (ISO date; default: the log's start)."),
    until: str = typer.Option(None, "--until", help="End of the window (default: the log's end)."),
    los: str = typer.Option("aic", "--los", help="Stay laws: aic, bic, empirical, or a family name."),
    force: bool = force_option(),
) -> None:
    """Fit arrival streams, stay laws, routing and equipment use; write demand and report."""
    from hospitaltwin.calibrate.assemble import calibrate, write_demand
    from hospitaltwin.calibrate.calibration_report import print_report
    from hospitaltwin.calibrate.diagnostics import write_calibration_result
    from hospitaltwin.config.checks import check_demand
    from hospitaltwin.config.yamlio import SourceMap
    from hospitaltwin.eventlog.episodes import equipment_episodes, unit_stays
    from hospitaltwin.eventlog.load import load_events
    from hospitaltwin.core.outputs import check_file, check_folder
    from hospitaltwin.experiment.results import checksum

    check_file(out_path)
    check_folder(out_path.with_suffix(".calibration"), force)
    hospital = read_layout(layout)
    frame = load_events(events, hospital.timezone)
    _check_units(frame, hospital, events)
    from hospitaltwin.calibrate.overflow import attribute_overflow

    stays, placed = attribute_overflow(unit_stays(frame), hospital)
    if placed:
        out.print(f"{placed} stays reached by moves the layout does not allow, in declared overflow units, "
                  "are counted as stays of the unit they overflowed from", highlight=False)
    demand, report = calibrate(stays, equipment_episodes(frame), timezone=hospital.timezone,
                               since=since, until=until, los_choice=los)
    written, _ = write_demand(demand, out_path, report)
    inputs = {str(events): checksum(events), str(layout): checksum(layout)}
    folder = write_calibration_result(out_path.with_suffix(".calibration"), written, report, stays, demand, inputs,
                                      force)
    print_report(report, out)
    out.print(f"demand: {written}\ndiagnostics: {folder}", highlight=False, markup=False)
    problems = check_demand(demand, hospital, SourceMap(str(out_path)))
    if problems:
        for problem in problems:
            err.print(f"  {problem}", markup=False, highlight=False)
        raise HospitaltwinError(f"the calibrated demand does not fit layout {layout} ({len(problems)} problem(s) above); "
                                "fix the layout (units, transfers, equipment) or map units at ingest")


def _check_units(frame, hospital, path: Path) -> None:
    named = frame["unit"].dropna().value_counts()
    unknown = {u: int(n) for u, n in named.items() if u not in hospital.units}
    if unknown:
        listed = ", ".join(f"'{u}' ({n} events)" for u, n in sorted(unknown.items()))
        raise HospitaltwinError(f"{path}: units not in the layout: {listed}; map them with "
                                "`hospitaltwin ingest --map units.yaml` or add them to the layout")
