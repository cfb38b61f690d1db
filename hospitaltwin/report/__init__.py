"""Reports for planners and boards: any result directory as a multi-page PDF plus PNG figures.

``report`` reads result files only (``manifest.json``, ``summary.json``, the Parquet and CSV
tables); it never imports the engine or runs a simulation. :func:`build_report` checks every
directory (:mod:`~hospitaltwin.report.load`), then writes a cover with provenance, an
executive summary in plain sentences, KPI tables with 95% intervals and one chart per page in
a colour-blind-safe style (:mod:`~hospitaltwin.report.style`), dated in the hospital's local
calendar. The same inputs give the same PDF bytes.
"""

from hospitaltwin.report.build import SECTIONS, build_report
from hospitaltwin.report.document import Written
from hospitaltwin.report.load import Result, load_result

__all__ = ["SECTIONS", "Result", "Written", "build_report", "load_result"]
