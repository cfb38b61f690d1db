"""``hospitaltwin report RESULT_DIR… --pdf FILE [--png DIR]``: planners' PDF and PNG figures.

Matplotlib is switched to its non-interactive Agg backend before anything is drawn, so the
command runs the same on a server with no display. A directory that holds no result, a
result of another format, or a missing file ends in one clear message and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hospitaltwin.cli.common import command, force_option, out
from hospitaltwin.cli.progress import progress


@command("report")
def report(
    results: list[Path] = typer.Argument(..., help="Result directories, in the order their pages should come: "
                                                   "a run, forecast, compare, backtest, calibration (the folder "
                                                   "of demand.yaml and demand.calibration.json), roster, surge "
                                                   "or network result."),
    pdf: Path = typer.Option(..., "--pdf", help="The PDF to write (its folder is created)."),
    png: Path = typer.Option(None, "--png", help="Also write one PNG per chart (1920 x 1080) into this folder "
                             "(a folder hospitaltwin owns: an earlier report's figures there are replaced)."),
    previous: list[Path] = typer.Option(None, "--previous", metavar="RESULT_DIR", help="A result directory of the last report (an earlier "
                                        "forecast or surge plan); page 1 says what changed since. Repeat for several."),
    force: bool = force_option(),
) -> None:
    """Turn result directories into a multi-page PDF (and PNG figures) for planners and boards."""
    import matplotlib

    matplotlib.use("Agg")
    from hospitaltwin.report import build_report

    with progress(f"drawing the report of {len(results)} result(s)"):
        written = build_report(results, pdf, png, force, previous=previous or ())
    out.print(f"report: {written.pdf} ({written.pages} pages)", highlight=False, markup=False)
    if png is not None:
        out.print(f"figures: {png}/ ({len(written.pngs)} PNG files, named by page number)", highlight=False, markup=False)
