"""``hospitaltwin optimize surge``: the documented files, a printed summary, clean user errors."""

from __future__ import annotations

import csv
import json

import yaml
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.config.policy import read_policy
from tests.optimize.surge_cases import small_options, small_wave

runner = CliRunner()


def _inputs(tmp_path, options=None):
    scenario, opts = tmp_path / "wave.yaml", tmp_path / "options.yaml"
    scenario.write_text(yaml.safe_dump(small_wave(), sort_keys=False))
    opts.write_text(yaml.safe_dump(options or small_options(), sort_keys=False))
    return ["optimize", "surge", "--scenario", str(scenario), "--options", str(opts)]


def test_surge_writes_policy_plan_solve_report_manifest_and_evaluation(tmp_path):
    out = tmp_path / "plan"
    args = _inputs(tmp_path) + ["--paths", "30", "--horizon", "10d", "--seed", "3", "-r", "6", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "surge plan: optimal" in result.output and "PACU_ICU: open days" in result.output
    assert "out of sample (seed 4, 6 replications)" in result.output
    policy = read_policy(out / "policy.yaml")
    assert policy.name == "surge-small-icu-surge" and policy.changes.beds
    rows = list(csv.DictReader(open(out / "plan.csv")))
    assert list(rows[0]) == ["option", "unit", "day", "from", "beds", "nurses_per_shift"]
    assert len(rows) == 2 * 10 and rows[0]["from"] == "20d" and rows[0]["unit"] == "ICU"
    solve = json.loads((out / "solve.json").read_text())
    assert solve["status"] == "optimal" and solve["gap"] <= 1e-6 and solve["settings"]["random_seed"] == 3
    assert solve["unmet_patient_days"]["ICU"]["plan"] < solve["unmet_patient_days"]["ICU"]["no_plan"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["result_format"] == 1 and manifest["kind"] == "surge" and manifest["seed"] == 3
    assert manifest["replications"] == 30 and manifest["plan"]["days"] == 10 and len(manifest["inputs"]) == 2
    comparison = out / "evaluation" / "comparison.csv"
    assert comparison.exists() and json.loads((out / "evaluation" / "summary.json").read_text())["seed"] == 4


def test_bad_options_end_in_one_clear_message(tmp_path):
    options = small_options()
    options["options"]["PACU_ICU"]["lead"] = "1d"
    result = runner.invoke(app, _inputs(tmp_path, options) + ["--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "options.PACU_ICU.lead" in result.output and "unknown key" in result.output
    assert "Traceback" not in result.output


def test_conflicting_limits_are_explained_not_reported_as_a_status(tmp_path):
    options = small_options()
    options["options"]["ICU_AREA"].update(open_now=4, min_open="5d")
    options["nurses_per_shift"] = 1
    args = _inputs(tmp_path, options) + ["--paths", "4", "--horizon", "5d", "--no-evaluate", "--out", str(tmp_path / "x")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "no surge plan meets these rules together" in result.output
    assert "options.ICU_AREA.open_now" in result.output and "at most 1 surge nurse(s) per shift on day 1" in result.output


def test_a_horizon_in_part_days_and_an_evaluation_on_the_plan_seed_are_refused(tmp_path):
    result = runner.invoke(app, _inputs(tmp_path) + ["--horizon", "36h", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "whole number of days" in result.output
    args = _inputs(tmp_path) + ["--paths", "4", "--horizon", "3d", "--seed", "5", "--eval-seed", "5",
                                "-r", "2", "--out", str(tmp_path / "y")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "out-of-sample test needs another" in result.output
