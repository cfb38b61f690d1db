"""``hospitaltwin state --store URL [--at T]``: census per unit and hospital, equipment, patients.

With ``--layout``, each unit shows its physical beds and the beds staffed at that time by the
layout's rosters (as planned, no absence; see :mod:`hospitaltwin.store.capacity`), and each
equipment kind its device count. A store holding only daily counts shows the latest day's
census instead.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from hospitaltwin.cli.common import command, out


@command("state")
def state_command(
    store: str = typer.Option(..., "--store", help="sqlite:///twin.db (or a path) or postgresql+psycopg://USER:PASS@HOST/DB."),
    at: str = typer.Option(None, "--at", help="ISO 8601 time (default: the last event); naive = the layout's zone, else UTC."),
    layout: Path = typer.Option(None, "--layout", help="Layout file: physical and staffed beds, device counts."),
    patients: bool = typer.Option(False, "--patients", help="List the (pseudonymous) patients with elapsed stay."),
    timezone: str = typer.Option(None, "--timezone", help="Zone of a naive --at and of printed times (default: the layout's, else UTC)."),
) -> None:
    """Who is in which bed at a time: census per unit and hospital, equipment in use."""
    from hospitaltwin.store import Store  # sqlalchemy and pandas: imported only for this verb
    from hospitaltwin.store.times import parse_user_time

    spec = _layout(layout)
    zone = timezone or (spec.timezone if spec is not None else "UTC")
    when = parse_user_time(at, zone) if at else None
    with Store.open_existing(store) as twin:
        held = twin.summary()
        from_counts = held["last_event"] is None and held["count_rows"] > 0
        state = twin.state_from_counts(when) if from_counts else twin.state_at(when)
    _print_state(state, spec, zone)
    if patients:
        _print_patients(state)


def _layout(path: Path | None):
    if path is None:
        return None
    from hospitaltwin.config.load import read_layout

    return read_layout(path)


def _local(when, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return when.astimezone(ZoneInfo(zone)).isoformat(timespec="minutes")


def _print_state(state, spec, zone: str) -> None:
    notes = state.notes
    if notes.get("source") == "counts":
        origin = f"daily counts of {notes['day']}"
    else:
        origin = f"{notes['events']:,} events, the last at {_local(_iso(notes['last_event']), zone)}"
    _say(f"state at {_local(state.as_of, zone)} ({origin})")
    out.print(_unit_table(state, spec, state.as_of))
    out.print(_equipment_table(state, spec))
    if notes.get("stale_units"):
        _say("units without a count that day (latest earlier count used): "
             + ", ".join(f"{u} ({d})" for u, d in notes["stale_units"].items()))
    if notes.get("devices_outside_beds"):
        _say(f"note: {notes['devices_outside_beds']} device(s) in use by patients in no bed")


def _iso(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


def _unit_table(state, spec, when):
    from rich.table import Table

    from hospitaltwin.store.capacity import bed_capacity

    census = state.census()
    beds = bed_capacity(spec, when) if spec is not None else {}
    hospital_of = (lambda u: spec.hospital_of(u) if u in spec.units else "(not in layout)") \
        if spec is not None else (lambda u: state.notes.get("hospitals", {}).get(u, "all"))
    table = Table(title="Beds", title_justify="left")
    columns = ["hospital", "unit", "occupied"] + (["staffed", "physical", "free staffed"] if spec else [])
    for column in columns:
        table.add_column(column, justify="left" if column in ("hospital", "unit") else "right")
    totals: dict[str, list[int]] = {}
    for unit in sorted(set(census) | set(beds), key=lambda u: (hospital_of(u), u)):
        physical, staffed = beds.get(unit, (0, 0))
        row = [census.get(unit, 0), staffed, physical, staffed - census.get(unit, 0)]
        total = totals.setdefault(hospital_of(unit), [0, 0, 0, 0])
        totals[hospital_of(unit)] = [a + b for a, b in zip(total, row)]
        table.add_row(escape(hospital_of(unit)), escape(unit), *(f"{v:,}" for v in row[: len(columns) - 2]))
    for hospital, row in totals.items():
        table.add_row(escape(hospital), "[bold]total[/]", *(f"{v:,}" for v in row[: len(columns) - 2]))
    return table


def _equipment_table(state, spec):
    from rich.table import Table

    from hospitaltwin.store.capacity import equipment_capacity

    in_use: dict[str, int] = {}
    for patient in state.patients:
        for device in patient.devices:
            in_use[device.kind] = in_use.get(device.kind, 0) + 1
    devices = equipment_capacity(spec) if spec is not None else {}
    table = Table(title="Equipment", title_justify="left")
    table.add_column("kind")
    table.add_column("in use", justify="right")
    if spec is not None:
        table.add_column("devices", justify="right")
    for kind in sorted(set(in_use) | set(devices)):
        extra = [f"{devices.get(kind, 0):,}"] if spec is not None else []
        table.add_row(escape(kind), f"{in_use.get(kind, 0):,}", *extra)
    return table


def _print_patients(state) -> None:
    from rich.table import Table

    table = Table(title="Patients", title_justify="left")
    for column in ("patient", "unit", "in unit", "devices"):
        table.add_column(column, justify="right" if column == "in unit" else "left")
    for p in state.patients:
        stay = "unknown" if p.elapsed_h is None else f"{p.elapsed_h:,.1f} h"
        devices = ", ".join(d.kind + ("" if d.elapsed_h is None else f" {d.elapsed_h:,.1f} h")
                            for d in p.devices)
        table.add_row(p.patient_id, p.unit, stay, devices)
    out.print(table)


def _say(text: str) -> None:
    out.print(text, markup=False, highlight=False)
