"""``hospitaltwin sync INPUT… --store URL``: add what is new in event logs (or daily counts) to the store."""

from __future__ import annotations

from pathlib import Path

import typer

from hospitaltwin.cli.common import command, out
from hospitaltwin.cli.ingest import AMBIGUOUS_HELP, KEY_HELP, pseudonym_key
from hospitaltwin.cli.progress import progress
from hospitaltwin.core.errors import HospitaltwinError


@command("sync")
def sync_command(
    inputs: list[Path] = typer.Argument(..., help="Event logs (any format ingest reads), or counts CSVs with --counts."),
    store: str = typer.Option(..., "--store", help="sqlite:///twin.db (or a path) or postgresql+psycopg://USER:PASS@HOST/DB."),
    fmt: str = typer.Option("auto", "--format", help="auto (from content), canonical, mimic, hl7, fhir or xes."),
    unit_map: Path = typer.Option(None, "--map", help="Unit-mapping YAML (units: and activities:)."),
    timezone: str = typer.Option("UTC", "--timezone", help="Zone of timestamps without an offset."),
    ambiguous: str = typer.Option("order", "--ambiguous", help=AMBIGUOUS_HELP, metavar="RULE"),
    key_file: Path = typer.Option(None, "--key-file", help=KEY_HELP),
    counts: bool = typer.Option(False, "--counts", help="The inputs are daily counts CSVs (date, hospital, unit, census, …)."),
) -> None:
    """Sync event logs into the state store: incremental, idempotent, one transaction."""
    from hospitaltwin.store import Store  # sqlalchemy and pandas: imported only for this verb

    if counts:
        if fmt != "auto" or unit_map is not None or key_file is not None or ambiguous != "order":
            raise HospitaltwinError("--counts reads daily counts CSVs; --format, --map, "
                                    "--ambiguous and --key-file are for event logs")
        _sync_counts(Store, store, inputs)
        return
    key = pseudonym_key(key_file)
    with Store.open(store) as twin, progress(f"syncing {len(inputs)} input(s)"):
        report = twin.sync(inputs, key, fmt=fmt, unit_map=unit_map, tz=timezone,
                           ambiguous=ambiguous)
        held = twin.summary()
    _print_events(report, held)


def _sync_counts(Store, url: str, inputs: list[Path]) -> None:
    from hospitaltwin.store.counts import read_counts

    for path in inputs:
        read_counts(path)  # every file checked before any is stored
    with Store.open(url) as twin:
        for path in inputs:
            r = twin.sync_counts(path)
            _say(f"{path}: {r.read:,} rows: {r.new:,} new, {r.replaced:,} replaced (corrections), "
                 f"{r.duplicates:,} unchanged")
        held = twin.summary()
    _say(f"store: {held['count_rows']:,} daily counts from {held['first_day']} to {held['last_day']}")


def _print_events(report, held: dict) -> None:
    _say(f"sync {report.sync_id}: {report.read:,} read = {report.new:,} new + "
         f"{report.duplicates:,} duplicates + {report.quarantined:,} quarantined; "
         f"{report.cancelled:,} cancelled, {report.held:,} held, {report.patients:,} patients updated")
    for problem, count in report.problems.items():
        _say(f"quarantined: {count:,} row(s) {problem}")
    if report.ambiguous:
        _say(f"ambiguous: {report.ambiguous:,} local time(s) in the repeated autumn hour, read "
             "as --ambiguous says")
    for name, count in report.unmapped.items():
        _say(f"unmapped unit name {name!r}: {count:,} event(s) (add it to the --map file)")
    for note in report.notes:
        _say(f"note: {note}")
    if report.held:
        _say(f"held: {report.held:,} stored event(s) break a sequence rule for now (e.g. a discharge "
             "whose admission has not arrived); they count once the missing events arrive")
    first, last = held["first_event"], held["last_event"]
    span = f" from {first.isoformat()} to {last.isoformat()}" if last else ""
    _say(f"store: {held['events']:,} events{span}; {held['cancelled']:,} cancelled in all")


def _say(text: str) -> None:
    out.print(text, markup=False, highlight=False)
