"""``hospitaltwin init DIR``: a first model of a hospital from the numbers a planner has.

Takes each unit's beds, yearly admissions from outside and mean stay, where patients go next
and ventilator use as flags, or asks for them when run on a terminal without ``--unit``;
writes ``layout.yaml``, ``demand.yaml`` and ``scenario.yaml`` (:mod:`hospitaltwin.config.starter`)
and shows each unit's demand against its beds, so a number that cannot be right (a unit asked
to hold more patients than it has beds) is seen before the first run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from hospitaltwin.cli.common import command, out, warn
from hospitaltwin.config.starter import (
    StarterNumbers,
    parse_shares,
    parse_unit,
    parse_unit_shares,
    write_starter,
)
from hospitaltwin.core.durations import parse_duration
from hospitaltwin.core.errors import HospitaltwinError

EXAMPLE = ("hospitaltwin init my-hospital --unit ED:beds=30,admissions=40000,stay=5h "
           "--unit ICU:beds=16,stay=4d --unit WARD:beds=150,admissions=3000,stay=4.5d "
           "--route ED:ICU=0.03,WARD=0.15 --route ICU:WARD=0.8,death=0.1")


@command("init")
def init_cmd(
    folder: Path = typer.Argument(..., metavar="DIR", help="Folder for layout.yaml, demand.yaml and scenario.yaml "
                                                            "(created; existing files are never overwritten)."),
    units: list[str] = typer.Option([], "--unit", help="A unit: NAME:beds=N,admissions=N,stay=D (admissions a year "
                                                       "from outside, mean stay such as 4d or 6h; on_full=divert "
                                                       "optional). Repeat for every unit."),
    routes: list[str] = typer.Option([], "--route", help="Where a unit's patients go next: UNIT:TARGET=SHARE,… with "
                                                         "TARGET another unit or death; the rest go home. Repeatable."),
    ventilators: int = typer.Option(0, "--ventilators", min=0, help="Ventilators in the hospital."),
    ventilated: str = typer.Option(None, "--ventilated", help="Share of the patients entering a unit who are "
                                                              "ventilated there: UNIT=SHARE,…, e.g. ICU=0.4."),
    ventilation: str = typer.Option("3d", "--ventilation", help="Mean time on a ventilator."),
    name: str = typer.Option(None, "--name", help="The scenario's name (default: the folder's name)."),
    timezone: str = typer.Option("UTC", "--timezone", help="The hospital's time zone, e.g. Europe/Amsterdam."),
    horizon: str = typer.Option("180d", "--horizon", help="Simulated time of the scenario's runs."),
    warmup: str = typer.Option("30d", "--warmup", help="Time to fill the empty hospital before measuring."),
    replications: int = typer.Option(10, "--replications", "-r", min=1, help="Replications of the scenario's runs."),
) -> None:
    """Write a starter layout, demand and scenario from beds, admissions a year and mean stays."""
    if not units:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise HospitaltwinError(f"give the hospital's units as flags, e.g. {EXAMPLE} "
                                    "(or run `hospitaltwin init DIR` on a terminal to be asked)")
        units, routes, ventilators, ventilated, ventilation = _ask()
    numbers = StarterNumbers(
        name=name or folder.resolve().name, units=tuple(parse_unit(u) for u in units),
        routes=dict(parse_shares(r, "--route") for r in routes), ventilators=ventilators,
        ventilated=parse_unit_shares(ventilated, "--ventilated") if ventilated else {},
        ventilation_h=_hours(ventilation, "--ventilation"), timezone=timezone, horizon=horizon,
        warmup=warmup, replications=replications)
    written = write_starter(numbers, folder)
    for path in written:
        out.print(f"wrote {path}", highlight=False, markup=False)
    _show_loads(folder / "scenario.yaml")
    out.print(f"next: hospitaltwin run {folder / 'scenario.yaml'}", highlight=False, markup=False)


def _hours(text: str, option: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise HospitaltwinError(f"{option}: {exc}") from None


def _show_loads(scenario_path: Path) -> None:
    """Each unit's offered load against its beds: the first check of the numbers."""
    from hospitaltwin.config.load import read_scenario
    from hospitaltwin.experiment.hazards import hazards, offered_loads

    scenario = read_scenario(scenario_path)
    table = Table(title="Demand against beds (offered load: the beds its patients would fill with no limit)")
    for column in ("unit", "beds", "offered load", "utilisation"):
        table.add_column(column, justify="left" if column == "unit" else "right")
    for load in offered_loads(scenario):
        util = f"{load.utilisation:.0%}" if load.staffed_beds else "–"
        table.add_row(escape(load.unit), f"{load.physical_beds:.0f}", f"{load.load:.1f}", util)
    out.print(table)
    warn(hazards(scenario)["warnings"])


def _ask() -> tuple[list[str], list[str], int, str | None, str]:
    """Ask for the numbers on a terminal, one unit at a time; a bad answer is asked again."""
    out.print("Describe your hospital unit by unit (press Enter on an empty name to finish).", highlight=False)
    units, names = [], []
    while True:
        name = typer.prompt("Unit name (e.g. ICU)", default="", show_default=False).strip()
        if not name:
            if units:
                break
            continue
        beds = typer.prompt(f"  Beds in {name}", type=int)
        admissions = typer.prompt(f"  Admissions a year into {name} from outside (0: patients come from other units)",
                                  type=float, default=0)
        stay = _until_valid(f"  Mean length of stay in {name} (e.g. 4d, 36h)", lambda t: _hours(t, "stay"))
        units.append(f"{name}:beds={beds},admissions={admissions:g},stay={stay}")
        names.append(name)
    routes = []
    for name in names:
        answer = _until_valid(f"Where do {name}'s patients go next? TARGET=SHARE,… (e.g. WARD=0.2,death=0.05; "
                              "Enter: all go home)", lambda t, n=name: not t or parse_shares(f"{n}:{t}", "--route"),
                              default="")
        if answer:
            routes.append(f"{name}:{answer}")
    ventilators = typer.prompt("Ventilators in the hospital (0: none modelled)", type=int, default=0)
    ventilated, ventilation = None, "3d"
    if ventilators:
        ventilated = _until_valid("Share of patients ventilated per unit (e.g. ICU=0.4)",
                                  lambda t: parse_unit_shares(t, "--ventilated"))
        ventilation = _until_valid("Mean time on a ventilator", lambda t: _hours(t, "--ventilation"), default="3d")
    return units, routes, ventilators, ventilated, ventilation


def _until_valid(question: str, check, default: str | None = None) -> str:
    """Ask ``question`` until ``check`` accepts the answer (it raises on a bad one)."""
    while True:
        answer = typer.prompt(question, default=default, show_default=bool(default)).strip()
        try:
            check(answer)
            return answer
        except HospitaltwinError as exc:
            out.print(f"  {exc}", highlight=False, markup=False)
