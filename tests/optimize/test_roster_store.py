"""A roster from the synced state: demand paths start from who is in bed at ``--at``."""

from __future__ import annotations

import json

import yaml
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.config import read_scenario
from tests.optimize.test_surge_store import ENV, SCENARIO, synced_store

runner = CliRunner()
SHIFTS = {"day": {"start": "7h", "length": "12h", "weekday": 5}, "night": {"start": "19h", "length": "12h", "weekday": 4}}
STAFFED = {**SCENARIO, "layout": {**SCENARIO["layout"],
                                  "staff": {"ward_nurses": {"units": ["WARD"], "patients_per_staff": 6, "shifts": SHIFTS}}}}
NURSES = {
    "name": "ward-week", "period": {"start": "2024-03-07", "weeks": 1}, "groups": ["ward_nurses"],
    "contracts": {"full": {"shifts_per_week": 3, "max_shifts_per_week": 4, "min_rest": "11h"}},
    "nurses": [{"id": "W", "count": 16, "contract": "full", "groups": ["ward_nurses"]}],
    "solver": {"time_limit": 10, "workers": 1},
}


def _args(tmp_path):
    url = synced_store(tmp_path)
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(STAFFED))
    (tmp_path / "nurses.yaml").write_text(yaml.safe_dump(NURSES))
    return url, ["optimize", "roster", "--scenario", str(tmp_path / "scenario.yaml"),
                 "--nurses", str(tmp_path / "nurses.yaml"), "--store", url, "--paths", "8", "-r", "4"]


def test_a_roster_from_the_store_runs_from_the_state_to_the_end_of_the_period(tmp_path):
    url, args = _args(tmp_path)
    out = tmp_path / "roster"
    result = runner.invoke(app, args + ["--at", "2024-03-06T12:00", "--out", str(out)], env=ENV)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["inputs"]["store"] == url and manifest["inputs"]["as_of"].startswith("2024-03-06T12:00")
    assert manifest["roster"]["origin"].startswith("2024-03-06T12:00")
    period = read_scenario(out / "scenario.yaml")
    assert period.run.warmup == 12.0 and period.run.horizon == 12.0 + 7 * 24, "KPIs cover the roster week"
    assert (out / "roster.csv").exists() and (out / "evaluation" / "comparison.csv").exists()


def test_a_period_that_starts_before_the_state_is_refused(tmp_path):
    _, args = _args(tmp_path)
    result = runner.invoke(app, args + ["--at", "2024-03-08T12:00", "--out", str(tmp_path / "x")], env=ENV)
    assert result.exit_code == 2 and "before the state's time 2024-03-08 12:00" in result.output, result.output
