"""Reports for planners and boards: any result directory as a multi-page PDF plus PNG figures.

``report`` reads result files only (``manifest.json``, ``summary.json``, the Parquet and CSV
tables); it never imports the engine or runs a simulation. :func:`build_report` checks every
directory (:mod:`~hospitaltwin.report.load`), then writes page 1, the answer in words a board
reads (:mod:`~hospitaltwin.report.board`); the figures that carry it; each result's detail
(findings, tables with 95% intervals, charts in a colour-blind-safe style,
:mod:`~hospitaltwin.report.style`); and one page of provenance at the back. Times are the
hospital's, its zone named; numbers are formatted by one module
(:mod:`~hospitaltwin.report.numformat`). The same inputs give the same PDF bytes.
"""

from hospitaltwin.report.build import SECTIONS, build_report
from hospitaltwin.report.document import Written
from hospitaltwin.report.load import Result, load_result

__all__ = ["SECTIONS", "Result", "Written", "build_report", "load_result"]
