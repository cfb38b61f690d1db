"""A result directory as an Excel workbook: ``hospitaltwin export RESULT_DIR --xlsx FILE``.

Planners work in spreadsheets. :func:`export_workbook` reads any result directory (a run,
forecast, compare, backtest, calibration, roster, surge or network result) through
:func:`hospitaltwin.report.load.load_result`, so it accepts exactly what ``report`` accepts,
and writes one sheet per table (:mod:`.workbook_sheets`) after a README sheet: what the result
is, where it came from (inputs and their checksums, versions, seed), its warnings, and what
each sheet holds. Row 1 of every sheet says what the table is, row 2 heads its columns with
units, and the numbers are the files' own, unrounded.

Excel holds at most 1,048,576 rows a sheet. A table longer than that keeps its first whole
replications (or its first rows), and its title row and the README say so and name the file
holding all of it. The workbook is written under a temporary name and renamed at the end, so
an interrupted export leaves no half-written file; an existing file is replaced only if
hospitaltwin wrote it (the workbook's creator property), never a planner's own workbook.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.outputs import output_file
from hospitaltwin.report.load import Result, load_result
from hospitaltwin.report.workbook_sheets import Sheet, result_sheets

CREATOR = "hospitaltwin"
"""The workbook's creator property: how export knows a file it may replace."""
EXCEL_ROWS = 1_048_576
MAX_ROWS = EXCEL_ROWS - 2
"""Data rows a sheet can hold under its title and header rows."""


@dataclass
class Exported:
    """What :func:`export_workbook` wrote: the file and its sheets with their row counts."""

    path: Path
    sheets: list[tuple[str, int]]
    notes: list[str]


def export_workbook(result_dir: str | Path, xlsx: str | Path, *,
                    progress: Callable[[int, int], None] | None = None, max_rows: int = MAX_ROWS) -> Exported:
    """Write the result in ``result_dir`` as an Excel workbook at ``xlsx``.

    Parameters
    ----------
    result_dir
        Any result directory ``hospitaltwin report`` reads.
    xlsx
        The workbook to write (``.xlsx``; its folder is created).
    progress
        Called with (rows written, rows in all) as the sheets are written.
    max_rows
        Data rows a sheet may hold (Excel's limit unless a test asks for fewer).

    Returns
    -------
    Exported

    Raises
    ------
    HospitaltwinError
        When the directory holds no readable result, or ``xlsx`` is not an ``.xlsx`` path.
    """
    xlsx = Path(xlsx)
    if xlsx.suffix.lower() != ".xlsx":
        raise HospitaltwinError(f"{xlsx}: an Excel workbook is written as .xlsx")
    if xlsx.is_dir():
        raise HospitaltwinError(f"{xlsx}: is a folder; give the workbook's file name")
    if xlsx.exists() and not ours(xlsx):
        raise HospitaltwinError(f"{xlsx}: exists and was not written by hospitaltwin; it is never replaced: "
                                "give another file name")
    result = load_result(result_dir)
    sheets = [fit(sheet, max_rows) for sheet in result_sheets(result)]
    notes = [f"sheet '{s.name}': {note}" for s in sheets for note in s.notes]
    write_workbook(xlsx, [readme(result, sheets)] + sheets, progress)
    return Exported(xlsx, [(s.name, len(s.frame)) for s in sheets], notes)


def ours(path: Path) -> bool:
    """Whether the workbook at ``path`` was written by hospitaltwin (its creator property)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - any file openpyxl cannot read is not one of ours
        return False
    try:
        return book.properties.creator == CREATOR
    finally:
        book.close()


def fit(sheet: Sheet, max_rows: int = MAX_ROWS) -> Sheet:
    """``sheet`` cut to ``max_rows`` rows (whole replications where it has them), saying so."""
    frame = sheet.frame
    if len(frame) <= max_rows:
        return sheet
    source = sheet.title.split(":")[0]
    if "replication" in frame.columns:
        counts = frame.groupby("replication", sort=True).size()
        kept = counts.index[counts.cumsum() <= max_rows]
        frame = frame[frame["replication"].isin(kept)]
        what = (f"replications {kept.min()}-{kept.max()} of {len(counts)}" if len(kept)
                else f"the first {max_rows:,} rows")
        if not len(kept):
            frame = sheet.frame.head(max_rows)
    else:
        frame, what = frame.head(max_rows), f"the first {max_rows:,} rows"
    note = (f"{what} only ({len(frame):,} of {len(sheet.frame):,} rows): a sheet holds at most "
            f"{EXCEL_ROWS:,} rows; all of them are in {source}")
    return Sheet(sheet.name, f"{sheet.title} — {note}", frame, [*sheet.notes, note])


UNITS_NOTE = ("headers carry units: (h) hours, (per day), (0-1) a probability or share; times in "
              "'h from start' count hours from the calendar start")


def readme(result: Result, sheets: list[Sheet]) -> Sheet:
    """The README sheet: what the result is, its provenance, warnings and the sheets."""
    m, rows = result.manifest, []
    rows += [("what", f"hospitaltwin {result.kind} result '{result.name}', exported from {result.path}"),
             ("kind", result.kind), ("scenario", result.name), ("created", m.get("created")),
             ("seed", m.get("seed")), ("replications", m.get("replications")),
             ("result format", m.get("result_format")), ("time zone", result.timezone),
             ("calendar start", m.get("origin"))]
    rows += [(f"input {name}", value) for name, value in (m.get("inputs") or {}).items()]
    rows += [(f"version {name}", value) for name, value in (m.get("versions") or {}).items()]
    rows += [("warning", text) for text in result.summary.get("warnings") or []]
    rows += [(f"sheet {s.name}", s.title) for s in sheets]
    rows += [("note", UNITS_NOTE)]
    frame = pd.DataFrame([(k, v) for k, v in rows if v is not None], columns=["about", "value"])
    return Sheet("README", f"{result.label}: what this workbook holds and where it comes from", frame)


def write_workbook(path: Path, sheets: list[Sheet], progress: Callable[[int, int], None] | None = None) -> Path:
    """Write ``sheets`` to ``path`` (title row, header row, data), atomically."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    book.properties.creator = CREATOR
    total, done = sum(len(s.frame) for s in sheets), 0
    for sheet in sheets:
        page = book.create_sheet(sheet.name)
        page.freeze_panes = "A3"
        for i, width in enumerate(_widths(sheet.frame), start=1):
            page.column_dimensions[_column_letter(i)].width = width
        title = WriteOnlyCell(page, value=sheet.title)
        title.font = Font(bold=True)
        page.append([title])
        header = []
        for name in sheet.frame.columns:
            cell = WriteOnlyCell(page, value=str(name))
            cell.font = Font(bold=True)
            header.append(cell)
        page.append(header)
        for row in zip(*(_python(sheet.frame.iloc[:, c]) for c in range(sheet.frame.shape[1]))):
            page.append(row)
            done += 1
            if progress is not None and done % 5000 == 0:
                progress(done, total)
    with output_file(path) as tmp:
        book.save(tmp)
    if progress is not None:
        progress(total, total)
    return path


def _python(values: pd.Series) -> list:
    """A column's values as Excel stores them (see :func:`_cell`), numbers converted in one pass."""
    if isinstance(values.dtype, np.dtype) and values.dtype.kind == "f":
        return [None if math.isnan(v) else v for v in values.tolist()]
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "iub":
        return values.tolist()
    return [_cell(v) for v in values.tolist()]


def _cell(value: object) -> object:
    """A value as Excel stores it: numbers, text, dates; missing as an empty cell."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (datetime, date, int, str)):
        return value
    return str(value)


def _widths(frame: pd.DataFrame) -> list[float]:
    """Column widths from the header and the first rows."""
    head = frame.head(50)
    return [min(60.0, max(10.0, len(str(c)) * 0.9, *(len(str(v)) * 1.1 for v in head[c]))) for c in frame.columns]


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
