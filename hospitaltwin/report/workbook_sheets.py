"""The tables of a result, as a workbook shows them: one :class:`Sheet` per table.

A result is read through :func:`hospitaltwin.report.load.load_result`, the one declaration of
what each kind of result holds; this module turns it into sheets. Every sheet has a title (what
the table is, from which file, and what was aggregated) and headers with units
(:func:`hospitaltwin.report.columns.label`). Values are the files' own, unrounded.

- JSON summaries: a run's KPIs as one row per unit, pool or hospital with the mean and 95%
  interval of each KPI; any other mapping as key/value rows; lists of records (a forecast's
  risks, a plan's steps) and mappings of records (offered load per unit) as tables.
- CSV tables: as they are, times in the hospital's local time.
- A run's hourly census and equipment: per resource and hour across the replications (mean,
  and the 5th and 95th percentiles of occupancy), since one row per replication and hour soon
  passes what a spreadsheet holds; the per-replication rows stay in the Parquet files.
- A run's stays and device episodes: one row each, as in the Parquet files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pandas as pd

from hospitaltwin.report.columns import label
from hospitaltwin.report.load import CSV_COLUMNS, Result, read_parquet

KPI_SCOPES = {"units": "unit", "equipment": "pool", "hospitals": "hospital"}
RUN_RECORDS = {
    "stays": ("replication", "patient", "stream", "source", "intended_unit", "unit", "arrive", "start", "ready",
              "end", "wait", "boarding", "outcome"),
    "devices": ("replication", "pool", "patient", "unit", "start", "end", "met"),
}
HOURLY = {"census": ("unit", ("occupied", "staffed", "physical", "waiting", "boarding")),
          "equipment": ("pool", ("in_use", "demand", "capacity"))}


@dataclass
class Sheet:
    """One table of a workbook.

    Attributes
    ----------
    name : str
        The sheet's name (at most 31 characters).
    title : str
        What the table is and where it comes from (row 1 of the sheet).
    frame : DataFrame
        The table, columns headed with their units.
    notes : list of str
        What was aggregated or left out, for the sheet and the README.
    """

    name: str
    title: str
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def result_sheets(result: Result) -> list[Sheet]:
    """Every table of ``result`` as a sheet, the summary first."""
    sheets = summary_sheets(result.summary, _summary_file(result), result.kind)
    sheets += [csv_sheet(result, stem) for stem in result.tables if stem in CSV_COLUMNS]
    if result.kind == "run":
        sheets += run_sheets(result)
    if result.solve:
        sheets += json_sheets("solve", result.solve, "solve.json: the solver's status, bound, gap and costs")
    if result.evaluation is not None:
        table = result.evaluation.tables["comparison"]
        sheets.append(Sheet("evaluation", f"{_relative(result, result.evaluation.path)}: the out-of-sample test, "
                                          "paired differences on fresh random numbers", _headed(table)))
    return _unique(sheets)


def _summary_file(result: Result) -> str:
    return result.manifest.get("summary_file", "summary.json")


def _relative(result: Result, path) -> str:
    try:
        return str(path.relative_to(result.path)) or "."
    except ValueError:
        return str(path)


def summary_sheets(summary: dict, source: str, kind: str) -> list[Sheet]:
    """A JSON summary: scoped KPIs (a run's) as wide tables, the rest by :func:`json_sheets`."""
    sheets, rest = [], {}
    for key, value in summary.items():
        if key in KPI_SCOPES and _is_kpi_scope(value):
            sheets.append(kpi_sheet(key, value, source))
        else:
            rest[key] = value
    return json_sheets("summary", rest, f"{source}: the {kind}'s summary") + sheets


def _is_kpi_scope(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(kpis, dict) and all(isinstance(e, dict) and "mean" in e for e in kpis.values())
        for kpis in value.values())


def kpi_sheet(scope: str, entries: dict, source: str) -> Sheet:
    """One row per resource; per KPI its mean and the ends of its 95% interval."""
    rows = []
    for name, kpis in entries.items():
        row = {KPI_SCOPES[scope]: name}
        for kpi, entry in kpis.items():
            lo, hi = (entry.get("ci95") or [None, None])[:2]
            row |= {label(kpi): entry.get("mean"), f"{label(kpi)} 95% CI low": lo,
                    f"{label(kpi)} 95% CI high": hi}
        rows.append(row)
    return Sheet(f"KPIs {scope}", f"{source}: mean and 95% confidence interval of every KPI per "
                                  f"{KPI_SCOPES[scope]}, over the replications, after the warm-up", pd.DataFrame(rows))


def json_sheets(name: str, data: dict, title: str) -> list[Sheet]:
    """Key/value rows for scalars (nested keys joined by dots); a table for each list of
    records or mapping of records."""
    pairs, tables = [], []
    for key, value in data.items():
        records = _records(key, value)
        if records is not None:
            tables.append(Sheet(key.replace("_", " ")[:31], f"{title}: {key}", _headed(records, key)))
        else:
            pairs += _flatten(key, value)
    head = [Sheet(name, title, pd.DataFrame(pairs, columns=["key", "value"]))] if pairs else []
    return head + tables


def _records(key: str, value: object) -> pd.DataFrame | None:
    if isinstance(value, list) and value and all(isinstance(v, dict) and _flat(v) for v in value):
        return pd.DataFrame([_cells(v) for v in value])
    if isinstance(value, dict) and value and all(isinstance(v, dict) and v and _flat(v) for v in value.values()):
        return pd.DataFrame([{"name": k, **_cells(v)} for k, v in value.items()])
    return None


def _flat(record: dict) -> bool:
    return all(not isinstance(v, dict) and (not isinstance(v, list) or len(v) <= 2) for v in record.values())


def _cells(record: dict) -> dict:
    """A record's values as cells; a pair (an interval) becomes two columns."""
    out = {}
    for key, value in record.items():
        if isinstance(value, list):
            out |= {f"{key} low": value[0] if value else None, f"{key} high": value[1] if len(value) > 1 else None}
        else:
            out[key] = value
    return out


def _flatten(key: str, value: object) -> list[tuple[str, object]]:
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _flatten(f"{key}.{k}", v)]
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return [(key, ", ".join("" if v is None else str(v) for v in value))]
        return [pair for i, v in enumerate(value) for pair in _flatten(f"{key}.{i}", v)]
    return [(key, value)]


def _headed(frame: pd.DataFrame, table: str | None = None) -> pd.DataFrame:
    """Columns renamed to their labels with units (as meant in ``table``); a ``kpi`` column gains
    its meaning and unit beside it, since the values of the row are in that unit."""
    if "kpi" in frame.columns and "KPI (unit)" not in frame.columns:
        frame = frame.copy()
        frame.insert(frame.columns.get_loc("kpi") + 1, "KPI (unit)", [label(str(k)) for k in frame["kpi"]])
    return frame.rename(columns={c: _header(str(c), table) for c in frame.columns})


def _header(column: str, table: str | None = None) -> str:
    if column == "KPI (unit)":
        return column
    base, _, end = column.rpartition(" ")
    if end in ("low", "high") and base:
        return f"95% CI {end}" if base == "ci95" else f"{label(base, table)} {end}"
    return label(column, table)


def csv_sheet(result: Result, stem: str) -> Sheet:
    """A CSV table of the result, times as the hospital's local time."""
    frame = result.tables[stem].copy()
    zone = result.timezone
    if "time" in frame.columns:
        frame["time"] = pd.to_datetime(frame["time"], utc=True).dt.tz_convert(zone).dt.tz_localize(None)
        frame = frame.rename(columns={"time": f"time (local, {zone})"})
    if "date" in frame.columns:
        frame["date"] = pd.to_datetime(frame["date"]).dt.date
        frame = frame.rename(columns={"date": f"date (local, {zone})"})
    return Sheet(stem, f"{stem}.csv", _headed(frame, stem))


def run_sheets(result: Result) -> list[Sheet]:
    """A run's hourly tables across replications, and its stays and device episodes."""
    sheets = []
    for stem, (key, columns) in HOURLY.items():
        path = result.path / f"{stem}.parquet"
        if path.is_file():
            frame = read_parquet(path, ("replication", key, "time_h", *columns))
            sheets.append(hourly_sheet(stem, frame, key, columns, result))
    for stem, columns in RUN_RECORDS.items():
        path = result.path / f"{stem}.parquet"
        if path.is_file():
            sheets.append(Sheet(stem, f"{stem}.parquet: one row per {'bed request' if stem == 'stays' else 'episode'}"
                                      ", every replication", _headed(read_parquet(path, columns), stem)))
    return sheets


def hourly_sheet(stem: str, frame: pd.DataFrame, key: str, columns: tuple[str, ...], result: Result) -> Sheet:
    """Per resource and hour: the mean of every column over the replications, and the 5th and
    95th percentiles of the first (occupied beds, devices in use)."""
    table = hourly_table(frame, key, columns)
    origin = pd.Timestamp(result.manifest["origin"])
    local = [origin + timedelta(hours=float(h)) for h in table["time_h"]]
    table.insert(2, f"time (local, {result.timezone})", local)
    replications = frame["replication"].nunique()
    title = (f"{stem}.parquet: per {key} and hour, across the {replications} replications "
             f"(each replication's rows are in {stem}.parquet)")
    renamed = {c: f"{label(c, stem)} mean" for c in columns}
    renamed |= {f"{columns[0]}_p05": f"{label(columns[0], stem)} 5th percentile",
                f"{columns[0]}_p95": f"{label(columns[0], stem)} 95th percentile", "time_h": label("time_h")}
    return Sheet(stem, title, table.rename(columns=renamed))


def hourly_table(frame: pd.DataFrame, key: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Means over replications per ``key`` and hour; 5th/95th percentiles of ``columns[0]``."""
    groups = frame.groupby([key, "time_h"], sort=True, observed=True)
    table = groups[list(columns)].mean()
    first = groups[columns[0]]
    table[f"{columns[0]}_p05"] = first.quantile(0.05)
    table[f"{columns[0]}_p95"] = first.quantile(0.95)
    return table.reset_index()


def _unique(sheets: list[Sheet]) -> list[Sheet]:
    """Sheet names Excel accepts: at most 31 characters, no ``[]:*?/\\``, each once."""
    seen: set[str] = set()
    for sheet in sheets:
        base = "".join("-" if c in "[]:*?/\\" else c for c in sheet.name)[:31]
        name, n = base, 2
        while name.lower() in seen:
            name = f"{base[:28]} {n}"
            n += 1
        seen.add(name.lower())
        sheet.name = name
    return sheets
