"""``hospitaltwin export``: every kind of result as a workbook openpyxl reads back, with the same
numbers as the result's CSV, Parquet and JSON files (to the last digit but one: a workbook stores
a float as decimal text, which may round its last bit)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.report.columns import label
from hospitaltwin.report.load import CSV_COLUMNS, load_result
from hospitaltwin.report.workbook import export_workbook
from hospitaltwin.report.workbook_sheets import hourly_table

runner = CliRunner()
KINDS = ["run", "network", "forecast", "compare", "backtest", "calibration", "calibration_bare", "roster",
         "roster_plan", "surge", "network_plan", "network_plan_bare"]


def sheet(book, name: str) -> tuple[str, pd.DataFrame]:
    """A sheet's title (row 1) and its table (header in row 2)."""
    rows = list(book[name].iter_rows(values_only=True))
    return rows[0][0], pd.DataFrame(rows[2:], columns=rows[1])


@pytest.fixture(scope="module")
def books(results, tmp_path_factory):
    folder = tmp_path_factory.mktemp("workbooks")
    out = {}
    for kind in KINDS:
        written = export_workbook(results[kind], folder / f"{kind}.xlsx")
        out[kind] = load_workbook(written.path, read_only=True)
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_every_csv_table_comes_back_with_the_same_numbers(kind, results, books):
    book, result = books[kind], load_result(results[kind])
    assert book.sheetnames[0] == "README" and book.properties.creator == "hospitaltwin"
    title, about = sheet(book, "README")
    assert result.kind in title and "input" in " ".join(about["about"]) or kind.startswith("calibration")
    for stem, table in result.tables.items():
        if stem not in CSV_COLUMNS:
            continue
        _, shown = sheet(book, stem)
        for column in table.columns:
            if column in ("time", "date"):
                continue
            header = label(column, stem)
            assert header in shown.columns, f"{kind}/{stem}: no column {header!r}"
            if pd.api.types.is_numeric_dtype(table[column]):
                np.testing.assert_allclose(shown[header].astype(float).to_numpy(), table[column].to_numpy(),
                                           rtol=1e-14, atol=0, equal_nan=True, err_msg=f"{kind}/{stem}.{column}")
            else:
                assert shown[header].fillna("").astype(str).tolist() == table[column].fillna("").astype(str).tolist()


def test_a_runs_kpis_census_and_stays_are_the_files_numbers(results, books):
    path, book = results["run"], books["run"]
    summary = json.loads((path / "summary.json").read_text())
    _, kpis = sheet(book, "KPIs units")
    for _, row in kpis.iterrows():
        entry = summary["units"][row["unit"]]["mean_wait_h"]
        assert row["mean wait for a bed (h)"] == entry["mean"]
        assert row["mean wait for a bed (h) 95% CI low"] == entry["ci95"][0]
    census = pd.read_parquet(path / "census.parquet")
    expected = hourly_table(census, "unit", ("occupied", "staffed", "physical", "waiting", "boarding"))
    title, shown = sheet(book, "census")
    assert "across the 3 replications" in title
    np.testing.assert_allclose(shown["occupied (beds) mean"].astype(float), expected["occupied"])
    np.testing.assert_allclose(shown["occupied (beds) 95th percentile"].astype(float), expected["occupied_p95"])
    assert shown["boarding (patients) mean"].notna().all()
    stays = pd.read_parquet(path / "stays.parquet")
    _, rows = sheet(book, "stays")
    assert len(rows) == len(stays)
    np.testing.assert_allclose(rows["wait (h)"].astype(float), stays["wait"], equal_nan=True)
    assert rows["outcome"].tolist() == stays["outcome"].astype(str).tolist()


def test_a_forecasts_risks_and_times_in_local_time(results, books):
    summary = json.loads((results["forecast"] / "summary.json").read_text())
    _, risks = sheet(books["forecast"], "risks")
    assert risks["probability (0-1)"].astype(float).tolist() == [r["probability"] for r in summary["risks"]]
    _, hourly = sheet(books["forecast"], "forecast")
    zone = load_result(results["forecast"]).timezone
    first = pd.read_csv(results["forecast"] / "forecast.csv")["time"].iloc[0]
    assert hourly[f"time (local, {zone})"].iloc[0] == pd.Timestamp(first).tz_convert(zone).tz_localize(None)


def test_a_table_longer_than_a_sheet_keeps_whole_replications_and_says_so(results, tmp_path):
    stays = pd.read_parquet(results["run"] / "stays.parquet")
    per_replication = stays.groupby("replication").size()
    limit = int(per_replication.iloc[0] + per_replication.iloc[1] // 2)
    written = export_workbook(results["run"], tmp_path / "cut.xlsx", max_rows=limit)
    title, rows = sheet(load_workbook(written.path, read_only=True), "stays")
    assert len(rows) == per_replication.iloc[0] and set(rows["replication"]) == {0}
    assert "replications 0-0 of 3 only" in title and "stays.parquet" in title
    assert any("stays" in note and "at most 1,048,576 rows" in note for note in written.notes)
    _, about = sheet(load_workbook(written.path, read_only=True), "README")
    assert "replications 0-0 of 3" in " ".join(about["value"].astype(str))


def test_a_workbook_hospitaltwin_did_not_write_is_never_replaced(results, tmp_path):
    mine = tmp_path / "planner.xlsx"
    Workbook().save(mine)
    before = mine.read_bytes()
    with pytest.raises(HospitaltwinError, match="was not written by hospitaltwin"):
        export_workbook(results["compare"], mine)
    assert mine.read_bytes() == before
    ours = tmp_path / "ours.xlsx"
    export_workbook(results["compare"], ours)
    export_workbook(results["surge"], ours)  # its own workbook is replaced
    assert "plan" in load_workbook(ours, read_only=True).sheetnames


def test_the_command_line(results, tmp_path):
    done = runner.invoke(app, ["export", str(results["surge"]), "--xlsx", str(tmp_path / "plan.xlsx")])
    assert done.exit_code == 0, done.output
    assert "workbook:" in done.output and "plan (" in done.output
    bad = runner.invoke(app, ["export", str(tmp_path), "--xlsx", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 2 and "holds no hospitaltwin result" in bad.output
    assert not (tmp_path / "x.xlsx").exists()
    csv = runner.invoke(app, ["export", str(results["surge"]), "--xlsx", str(tmp_path / "plan.csv")])
    assert csv.exit_code == 2 and "written as .xlsx" in csv.output
