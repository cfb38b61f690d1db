"""``hospitaltwin export RESULT_DIR --xlsx FILE``: any result as an Excel workbook.

One sheet per table with units in the headers and a README sheet of provenance
(:mod:`hospitaltwin.report.workbook`); reads every kind of result ``report`` reads.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hospitaltwin.cli.common import command, out
from hospitaltwin.cli.progress import progress


@command("export")
def export_cmd(
    result: Path = typer.Argument(..., help="A result directory: a run, forecast, compare, backtest, calibration, "
                                            "roster, surge or network result."),
    xlsx: Path = typer.Option(..., "--xlsx", help="The Excel workbook to write (.xlsx; its folder is created)."),
) -> None:
    """Write a result directory as an Excel workbook: one sheet per table, units in the headers."""
    from hospitaltwin.report.workbook import export_workbook

    with progress(f"writing {xlsx.name}: rows") as bar:
        written = export_workbook(result, xlsx, progress=bar.update)
    sheets = ", ".join(f"{name} ({rows:,})" for name, rows in written.sheets)
    out.print(f"workbook: {written.path} (README and {len(written.sheets)} sheets: {sheets})",
              highlight=False, markup=False)
    for note in written.notes:
        out.print(f"note: {note}", highlight=False, markup=False)
