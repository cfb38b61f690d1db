"""``hospitaltwin ingest INPUT…``: read, validate and pseudonymise event logs into one canonical log."""

from __future__ import annotations

from pathlib import Path

import typer

from hospitaltwin.cli.common import command, err, out
from hospitaltwin.cli.progress import progress
from hospitaltwin.core.errors import HospitaltwinError

EXAMPLES = 5
KEY_HELP = "Pseudonymisation key file (else $HOSPITALTWIN_PSEUDONYM_KEY); make one with `keygen`."
AMBIGUOUS_HELP = ("Naive times in the hour repeated when clocks go back: order (by row order "
                  "per patient), earliest (summer time) or latest (standard time).")


def pseudonym_key(key_file: Path | None) -> bytes:
    """The key of an ingest or sync, with warnings (a key file others may read, the demo key)
    on stderr."""
    from hospitaltwin.eventlog.keys import DEMO_KEY, load_key

    key = load_key(key_file, warn=lambda text: err.print(f"warning: {text}", markup=False,
                                                         highlight=False))
    if key == DEMO_KEY:
        err.print("warning: using the PUBLIC demo key: anyone can re-identify what it "
                  "pseudonymises; it is accepted for the bundled synthetic sample only",
                  markup=False, highlight=False)
    return key


@command("ingest")
def ingest_command(
    inputs: list[Path] = typer.Argument(..., help="Event-log files, or a MIMIC-IV directory."),
    out_path: Path = typer.Option(..., "--out", help="Canonical events (.parquet or .csv)."),
    fmt: str = typer.Option("auto", "--format", help="auto (from content), canonical, mimic, hl7, fhir or xes."),
    unit_map: Path = typer.Option(None, "--map", help="Unit-mapping YAML (units: and activities:)."),
    timezone: str = typer.Option("UTC", "--timezone", help="Zone of timestamps without an offset."),
    ambiguous: str = typer.Option("order", "--ambiguous", help=AMBIGUOUS_HELP, metavar="RULE"),
    key_file: Path = typer.Option(None, "--key-file", help=KEY_HELP),
    quarantine: Path = typer.Option(None, "--quarantine",
                                    help="Rows that cannot be used (default: OUT.quarantine.csv)."),
    report: Path = typer.Option(None, "--report", help="Write the data-quality summary as JSON."),
) -> None:
    """Read event logs, map units, quarantine what cannot be used, pseudonymise identifiers."""
    from hospitaltwin.eventlog.ingest import (  # pandas: imported only for this verb
        ingest,
        write_outputs,
    )
    from hospitaltwin.eventlog.quality import (
        files_table,
        no_events_message,
        quality_table,
        unmapped_table,
    )

    key = pseudonym_key(key_file)
    with progress(f"reading and checking {len(inputs)} input(s)") as bar:
        result = ingest(inputs, key, fmt=fmt, unit_map=unit_map, tz=timezone,
                        ambiguous=ambiguous)
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
    refusal = no_events_message(result.summary["totals"], [str(p) for p in inputs])
    if refusal:
        raise HospitaltwinError(refusal + f"; no events file was written to {out_path}")


def _examples(quarantine) -> None:
    """The first few quarantined rows as 'file:line: reason'."""
    if quarantine.empty:
        return
    out.print(f"first quarantined rows (of {len(quarantine):,}):", highlight=False)
    for row in quarantine.head(EXAMPLES).itertuples():
        out.print(f"  {row.source_file}:{row.source_line}: {row.reason}", markup=False,
                  highlight=False)
