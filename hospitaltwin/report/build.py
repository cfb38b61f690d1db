"""Assemble a report: check every result, lay out its pages, write the PDF and PNGs.

:func:`build_report` is the whole ``report`` stage as one function: it reads and checks all
result directories first (so a bad input writes nothing), then draws the cover and the
executive summary, then each result's own pages in the order given, under the report's
matplotlib style, and writes them with page numbers. Each result kind has a module with
``intro``, ``sentences`` and ``pages`` (see :data:`SECTIONS`).
"""

from __future__ import annotations

from pathlib import Path

from hospitaltwin.core.outputs import check_file, check_folder
from hospitaltwin.report import (backtest_pages, calibration_pages, compare_pages, forecast_pages, network_pages,
                                 roster_pages, run_pages, surge_pages)
from hospitaltwin.report.cover import TITLE, cover_pages, summary_pages
from hospitaltwin.report.document import Written, write_document
from hospitaltwin.report.load import load_results
from hospitaltwin.report.style import report_style

SECTIONS = {"run": run_pages, "forecast": forecast_pages, "compare": compare_pages, "backtest": backtest_pages,
            "calibration": calibration_pages, "roster": roster_pages, "surge": surge_pages,
            "network": network_pages}


def build_report(results_dirs, pdf: str | Path, png_dir: str | Path | None = None, force: bool = False) -> Written:
    """Write the report of one or more result directories.

    Parameters
    ----------
    results_dirs : iterable of str or Path
        Result directories (runs, forecasts, comparisons, backtests, calibrations, rosters, surge
        plans, network plans).
    pdf : str or Path
        The PDF to write (its folder is created).
    png_dir : str or Path, optional
        Where to write one PNG per chart (1920 x 1080), named after its page number: a folder
        the tool owns (see :class:`~hospitaltwin.core.outputs.ResultFolder`).
    force : bool
        Write the PNGs beside files in ``png_dir`` the tool did not write (never deleted).

    Returns
    -------
    Written
        The PDF, its page count and the PNGs.

    Raises
    ------
    HospitaltwinError
        When a directory holds no readable result; nothing is written then.
    """
    results = load_results(results_dirs)
    check_file(pdf)
    if png_dir is not None:
        check_folder(png_dir, force)
    with report_style():
        pages = cover_pages(results) + summary_pages(results, SECTIONS)
        footers = [TITLE] * len(pages)
        for result in results:
            own = SECTIONS[result.kind].pages(result)
            pages += own
            footers += [f"{TITLE} · {result.label}"] * len(own)
        names = ", ".join(r.name for r in results)
        return write_document(pages, footers, Path(pdf), Path(png_dir) if png_dir else None, f"{TITLE}: {names}",
                              force)
