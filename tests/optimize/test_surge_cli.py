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
    args = _inputs(tmp_path) + ["--paths", "30", "--horizon", "10d", "--seed", "3", "-r", "6", "--gap-batches", "3",
                                "--out", str(out)]
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
    saa = solve["saa"]
    assert saa["batches"] == 3 and saa["batch_paths"] == 30 and saa["paths_tried"] == [30]
    assert 0 <= saa["gap"] <= saa["gap_upper"] and saa["lower_bound"]["mean"] <= saa["plan_cost"]["mean"]
    assert "SAA gap: the plan may cost up to" in result.output and "demand paths: 120 x 10 days" in result.output
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


def test_a_gap_above_the_target_makes_the_plan_again_on_twice_the_paths(tmp_path):
    out = tmp_path / "plan"
    args = _inputs(tmp_path) + ["--paths", "6", "--horizon", "4d", "--gap-batches", "2", "--target-gap", "0",
                                "--max-paths", "12", "--no-evaluate", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    solve = json.loads((out / "solve.json").read_text())
    assert solve["saa"]["paths_tried"] == [6, 12] and solve["paths"] == 12 and solve["saa"]["batch_paths"] == 12
    assert "paths tried 6 -> 12" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["plan"]["paths"] == 12 and manifest["origin"].startswith("2024-01-01")


def test_a_plan_that_opens_nothing_says_what_opening_beds_would_cost_and_is_not_tested(tmp_path):
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "notes.txt").write_text("mine")
    options = small_options()
    for option in options["options"].values():
        option["cost_per_bed_day"] = 1_000_000
    options["budget"] = None
    out = tmp_path / "plan"
    args = _inputs(tmp_path, options) + ["--paths", "6", "--horizon", "4d", "--gap-batches", "2", "--out", str(out),
                                         "--force"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    solve = json.loads((out / "solve.json").read_text())
    assert sum(solve["beds_opened"].values()) == 0
    other = solve["alternative"]
    assert sum(sum(beds) for beds in other["beds"].values()) >= 1 and other["extra_expected_cost"] > 0
    assert other["cost"]["bed_days"] >= 1_000_000
    assert "nothing to test" in result.output and not (out / "evaluation").exists(), "nothing tested"
    assert (out / "notes.txt").read_text() == "mine", "files the tool did not write are left alone"
