"""Assemble a report: check every result, lay out its pages, write the PDF and PNGs.

:func:`build_report` is the whole ``report`` stage as one function. It reads and checks all
result directories first (so a bad input writes nothing), then lays the report out for a
board: page 1 is the answer in words (:mod:`~hospitaltwin.report.board`); then the figures
that carry it, result by result; then each result's detail (its findings, tables and
charts); provenance is the last page. Each result kind is a :class:`Section`: what it says on
page 1 (``answer``), its key figures, its detail pages, and the intro and findings of its
detail. An earlier result given as ``previous`` is compared with the current one of its kind
("what changed since the last report").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hospitaltwin.core.outputs import check_file, check_folder
from hospitaltwin.report import (
    backtest_pages,
    calibration_pages,
    compare_pages,
    forecast_answer,
    forecast_pages,
    network_pages,
    roster_pages,
    run_answer,
    run_pages,
    surge_answer,
    surge_pages,
)
from hospitaltwin.report.board import board_pages
from hospitaltwin.report.document import Written, write_document
from hospitaltwin.report.load import load_results
from hospitaltwin.report.previous import changes
from hospitaltwin.report.provenance import provenance_pages
from hospitaltwin.report.style import report_style

TITLE = "hospitaltwin report"


@dataclass(frozen=True)
class Section:
    """What a result kind contributes: page-1 findings, key figures, detail pages."""

    answer: Callable
    key_pages: Callable
    pages: Callable


def _none(result) -> list:
    return []


def section(module, answer: Callable | None = None) -> Section:
    """A section from a result kind's module (``answer`` and ``key_pages`` optional)."""
    return Section(answer or getattr(module, "answer", _none), getattr(module, "key_pages", _none), module.pages)


SECTIONS = {"forecast": section(forecast_pages, forecast_answer.answer),
            "surge": section(surge_pages, surge_answer.answer),
            "run": section(run_pages, run_answer.answer),
            "compare": section(compare_pages), "network": section(network_pages),
            "roster": section(roster_pages), "backtest": section(backtest_pages),
            "calibration": section(calibration_pages)}


def build_report(results_dirs, pdf: str | Path, png_dir: str | Path | None = None, force: bool = False,
                 previous=()) -> Written:
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
    previous : iterable of str or Path, optional
        Result directories of the last report (an earlier forecast, surge plan, …): page 1 says
        what changed since.

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
    previous = list(previous)
    earlier = load_results(previous) if previous else []
    with report_style():
        findings = [f for r in results for f in SECTIONS[r.kind].answer(r)]
        findings += changes(results, earlier, given=bool(previous))
        pages = board_pages(results, findings)
        footers = [TITLE] * len(pages)
        for part in ("key_pages", "pages"):
            for result in results:
                own = getattr(SECTIONS[result.kind], part)(result)
                pages += own
                footers += [f"{TITLE} · {result.label}"] * len(own)
        last = provenance_pages(results, earlier)
        pages += last
        footers += [TITLE] * len(last)
        names = ", ".join(r.name for r in results)
        return write_document(pages, footers, Path(pdf), Path(png_dir) if png_dir else None, f"{TITLE}: {names}",
                              force)
