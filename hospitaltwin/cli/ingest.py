"""``hospitaltwin ingest INPUT…``: read, validate and pseudonymise event logs into one canonical log."""

from __future__ import annotations

from pathlib import Path

import typer

from hospitaltwin.cli.common import command, out
from hospitaltwin.cli.progress import progress

EXAMPLES = 5


@command("ingest")
def ingest_command(
    inputs: list[Path] = typer.Argument(..., help="Event-log files, or a MIMIC-IV directory."),
    out_path: Path = typer.Option(..., "--out", help="Canonical events (.parquet or .csv)."),
    fmt: str = typer.Option("auto", "--format", help="auto (from content), canonical, mimic, hl7, fhir or xes."),
    unit_map: Path = typer.Option(None, "--map", help="Unit-mapping YAML (units: and activities:)."),
    timezone: str = typer.Option("UTC", "--timezone", help="Zone of timestamps without an offset."),
    key_file: Path = typer.Option(None, "--key-file",
                                  help="Pseudonymisation key (else $HOSPITALTWIN_PSEUDONYM_KEY)."),
    quarantine: Path = typer.Option(None, "--quarantine",
                                    help="Rows that cannot be used (default: OUT.quarantine.csv)."),
    report: Path = typer.Option(None, "--report", help="Write the data-quality summary as JSON."),
) -> None:
    """Read event logs, map units, quarantine what cannot be used, pseudonymise identifiers."""
    from hospitaltwin.eventlog.ingest import ingest, write_outputs  # pandas: imported only for this verb
    from hospitaltwin.eventlog.pseudonym import load_key
    from hospitaltwin.eventlog.quality import files_table, quality_table, unmapped_table

    key = load_key(key_file)
    with progress(f"reading and checking {len(inputs)} input(s)") as bar:
        result = ingest(inputs, key, fmt=fmt, unit_map=unit_map, tz=timezone)
        bar.stage(f"writing {out_path}")
        written = write_outputs(result, out_path, quarantine, report)
    out.print(files_table(result.summary))
    unmapped = unmapped_table(result.summary)
    if unmapped is not None:
        out.print(unmapped)
    out.print(quality_table(result.summary))
    _examples(result.quarantine)
    for note in result.summary["notes"]:
        out.print(f"note: {note}", markup=False, highlight=False)
    for what, path in written.items():
        out.print(f"wrote {what}: {path}", markup=False, highlight=False)


def _examples(quarantine) -> None:
    """The first few quarantined rows as 'file:line: reason'."""
    if quarantine.empty:
        return
    out.print(f"first quarantined rows (of {len(quarantine):,}):", highlight=False)
    for row in quarantine.head(EXAMPLES).itertuples():
        out.print(f"  {row.source_file}:{row.source_line}: {row.reason}", markup=False,
                  highlight=False)
