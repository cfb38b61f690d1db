"""``hospitaltwin animate RESULT_DIR --out flow.html``: one replication's patient flow, animated.

Writes one self-contained HTML file (plotly.js inline, no network needed) that plays the
replication as patients moving between units, queues and boarding, with a clock, play, pause,
speed and a time slider (:func:`hospitaltwin.report.animate.animate`). A run's directory holds
everything needed; a forecast's needs ``--store``, the store it started from.
"""

from __future__ import annotations

from pathlib import Path

import typer

from hospitaltwin.cli.common import command, out
from hospitaltwin.cli.run import _duration


@command("animate")
def animate_cmd(
    result: Path = typer.Argument(..., help="A run's result directory (or a forecast's, with --store)."),
    out_file: Path = typer.Option(..., "--out", metavar="FILE", help="The HTML file to write (one file; plays offline)."),
    replication: int = typer.Option(0, "--replication", "-r", min=0, metavar="N", help="Which replication to draw."),
    start: str = typer.Option(None, "--start", metavar="DURATION", help="Where a run's window starts, e.g. 30d (default: the end of the warmup)."),
    hours: str = typer.Option(None, "--length", metavar="DURATION", help="How much of a run to draw, e.g. 3d (default: 7d)."),
    store: str = typer.Option(None, "--store", metavar="URL", help="For a forecast: the state store it started from."),
) -> None:
    """Animate one replication's patient flow as one HTML file that plays offline."""
    from hospitaltwin.report.animate import animate

    written = animate(result, out_file, replication, _duration(start, "--start"),
                      _duration(hours, "--length"), store)
    size = written.stat().st_size / 1e6
    out.print(f"animation: {written} ({size:.1f} MB; open it in a browser, no network needed)",
              highlight=False, markup=False)
