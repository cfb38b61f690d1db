"""The command center's loop on the bundled sample: sync -> state -> forecast -> backtest -> report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.forecast.history import HISTORY_WEEKS

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
SCENARIO = """\
name: community-sample
layout: {layout}
demand: {demand}
run: {{horizon: 30d, warmup: 10d, replications: 2, seed: 1}}
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    work = tmp_path_factory.mktemp("twin")
    env = {"HOSPITALTWIN_PSEUDONYM_KEY": "test-key-0123456789abcdef"}
    url = f"sqlite:///{work / 'twin.db'}"
    result = runner.invoke(app, ["sync", str(ROOT / "samples/community-adt.csv.gz"), "--map", str(ROOT / "samples/community-units.yaml"),
                                 "--timezone", "America/Chicago", "--store", url], env=env)
    assert result.exit_code == 0, result.output
    scenario = work / "scenario.yaml"
    scenario.write_text(SCENARIO.format(layout=ROOT / "layouts/community-150.yaml", demand=ROOT / "scenarios/demand/community-150.yaml"))
    return url, scenario, work


def test_state_forecast_and_report(store):
    url, scenario, work = store
    state = runner.invoke(app, ["state", "--store", url, "--layout", str(ROOT / "layouts/community-150.yaml")])
    assert state.exit_code == 0 and "ICU" in state.output
    out = work / "forecast"
    result = runner.invoke(app, ["forecast", "--store", url, "--scenario", str(scenario), "--horizon", "3d",
                                 "--replications", "30", "--allow-stale", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "reaches its staffed capacity" in result.output and "stale state" in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["last_event"].startswith("2025-07-07") and summary["stale"] and summary["state_age_h"] > 24 * 100
    ed = summary["demand"]["ED"]
    assert ed["model"] == "trend" and ed["diagnostics"]["days"] == 7 * HISTORY_WEEKS and ed["diagnostics"]["level_per_day"] > 20
    with open(out / "forecast.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["time"].endswith("-05:00"), "times in the hospital's zone (Chicago, summer)"
    assert {r["kind"] for r in rows} == {"beds", "staffed_beds", "equipment"}
    report = runner.invoke(app, ["report", str(out), "--pdf", str(work / "huddle.pdf")])
    assert report.exit_code == 0, report.output
    assert (work / "huddle.pdf").stat().st_size > 10_000


def test_backtest_on_the_sample(store):
    url, scenario, work = store
    out = work / "backtest"
    result = runner.invoke(app, ["backtest", "--store", url, "--scenario", str(scenario), "--origins", "2d", "--every", "1d",
                                 "--horizon", "2d", "--replications", "20", "--weeks", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["origins"]) == 3 and set(summary["by_lead_day"]) == {"1", "2"}


def test_a_forecast_before_the_first_event_is_refused_clearly(store):
    url, scenario, work = store
    result = runner.invoke(app, ["forecast", "--store", url, "--scenario", str(scenario), "--at", "2020-01-01",
                                 "--out", str(work / "never")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert not (work / "never").exists(), "nothing half-written"


def test_compare_from_the_store_state(store, tmp_path):
    url, scenario, _ = store
    policy = tmp_path / "more-icu.yaml"
    policy.write_text("name: more-icu\nlayout:\n  units: {ICU: {beds: 16}}\n"
                      "  staff: {icu_nurses: {shifts: {day: {weekday: 8, weekend: 8}, night: {weekday: 8}}}}\n")
    out = tmp_path / "compare"
    result = runner.invoke(app, ["compare", str(scenario), "--policy", str(policy), "--store", url, "--horizon", "5d",
                                 "-r", "6", "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"]["run"]["warmup"] == "0h" and manifest["scenario"]["run"]["origin"].startswith("2025-07-06")
    with open(out / "comparison.csv") as handle:
        rows = {(r["name"], r["kpi"]): r for r in csv.DictReader(handle)}
    assert float(rows[("ICU", "p_full")]["diff_mean"]) < 0


def test_counts_mode_forecast(tmp_path):
    """A command center with daily counts only: census per unit warm-starts the forecast."""
    lines = ["date,hospital,unit,census,admissions,discharges"]
    for day in range(35):
        date = f"2025-06-{day + 1:02d}" if day < 30 else f"2025-07-{day - 29:02d}"
        lines += [f"{date},main,ICU,{9 + day % 3},3,3", f"{date},main,MS_2E,26,6,6", f"{date},main,ED,15,100,100"]
    counts = tmp_path / "counts.csv"
    counts.write_text("\n".join(lines) + "\n")
    url = f"sqlite:///{tmp_path / 'counts.db'}"
    result = runner.invoke(app, ["sync", str(counts), "--counts", "--store", url])
    assert result.exit_code == 0, result.output
    scenario = tmp_path / "s.yaml"
    scenario.write_text(SCENARIO.format(layout=ROOT / "layouts/community-150.yaml", demand=ROOT / "scenarios/demand/community-150.yaml"))
    out = tmp_path / "fc"
    refused = runner.invoke(app, ["forecast", "--store", url, "--scenario", str(scenario), "--counts", "--horizon", "2d",
                                  "--replications", "20", "--out", str(out)])
    assert refused.exit_code == 2 and "--allow-stale" in refused.output and not out.exists()
    result = runner.invoke(app, ["forecast", "--store", url, "--scenario", str(scenario), "--counts", "--horizon", "2d",
                                 "--replications", "20", "--allow-stale", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "unit PCU of the layout has no daily counts" in " ".join(result.output.split())
    with open(out / "forecast.csv") as handle:
        first: dict = {}
        for r in csv.DictReader(handle):
            first.setdefault((r["resource"], r["kind"]), r)
    assert float(first[("ICU", "beds")]["mean"]) == 9 + 34 % 3, "the last day's census starts the forecast"
    summary = json.loads((out / "summary.json").read_text())
    assert "PCU" in summary["missing_units"] and any("PCU" in w for w in summary["warnings"])
    assert summary["demand"]["ED"]["model"] == "trend", "admissions from the counts set the demand level"
    icu = summary["demand"]["ICU"]  # 3 a day: too few to read a trend from
    assert icu["model"] == "level" and icu["diagnostics"]["observed"] == 3 * icu["diagnostics"]["days"]
