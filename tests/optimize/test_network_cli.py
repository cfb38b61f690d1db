"""``hospitaltwin optimize network``: the files it writes, what it prints, and bad input."""

from __future__ import annotations

import csv
import json

import pytest
import yaml
from typer.testing import CliRunner

from tests.optimize.network_cases import three_hospitals
from hospitaltwin.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("network") / "three.yaml"
    path.write_text(yaml.safe_dump(three_hospitals()))
    return path


def _invoke(*args):
    return runner.invoke(app, ["optimize", "network", *map(str, args)])


def test_writes_the_plan_prints_before_after_and_the_out_of_sample_test(scenario_file, tmp_path):
    out = tmp_path / "plan"
    result = _invoke("--scenario", scenario_file, "--paths", 12, "--horizon", "7d", "--seed", 3, "--evaluate", 6,
                     "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["evaluation.csv", "manifest.json", "moves.csv", "policy.yaml",
                                                     "shortage.csv", "solve.json", "transfers.csv"]
    assert "solver: optimal" in result.output and "→" in result.output
    assert "Out of sample" in result.output and "seed 4" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["result_format"] == 1 and manifest["kind"] == "network" and manifest["seed"] == 3
    assert manifest["replications"] == 12 and manifest["policy"]["layout"]["equipment"]
    solve = json.loads((out / "solve.json").read_text())
    assert solve["status"] == "optimal" and solve["gap"] <= 1e-4 and solve["bound"] <= solve["objective"] + 1e-9
    assert solve["expected_shortage"]["plan"]["device_days"] < solve["expected_shortage"]["today"]["device_days"]
    moves = list(csv.DictReader(open(out / "moves.csv")))
    assert moves and all(m["kind"] == "ventilator" and int(m["devices"]) > 0 for m in moves)
    transfers = list(csv.DictReader(open(out / "transfers.csv")))
    assert len(transfers) == 4 * 7 and {t["from"] for t in transfers} == {"west", "east"}
    assert all(int(t["planned_slots"]) <= int(t["limit_per_day"]) for t in transfers)
    policy = yaml.safe_load((out / "policy.yaml").read_text())
    counts = {p: v["count"] for p, v in policy["layout"]["equipment"].items()}
    assert sum(counts.values()) == 18 + 3 + 4
    evaluation = list(csv.DictReader(open(out / "evaluation.csv")))
    assert any(r["scope"] == "network" and r["kpi"] == "unmet_fraction" for r in evaluation)


@pytest.mark.parametrize("args, message", [
    (["--horizon", "36h"], "--horizon: the plan is made day by day; give whole days"),
    (["--horizon", "7"], "--horizon: expected a duration with a unit"),
    (["--min", "north_vents=2"], "--min: unknown equipment pool(s) north_vents"),
    (["--min", "west_vents=two"], "--min: expected POOL=N"),
    (["--min", "west_vents=9"], "west_vents (west) must keep at least 9 ventilators, but no plan gets more than 3"),
    (["--time-limit", "0s"], "--time-limit: a positive duration"),
    (["--seed", "4", "--eval-seed", "4"], "the evaluation seed (4) is the seed the plan is optimised on"),
])
def test_bad_input_is_one_clear_message(scenario_file, tmp_path, args, message):
    result = _invoke("--scenario", scenario_file, "--paths", 2, "--horizon", "2d", "--evaluate", 2,
                     "--out", tmp_path / "x", *args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output


def test_a_scenario_without_a_network_is_refused(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump({
        "name": "one", "layout": {"units": {"ICU": {"beds": 3}}, "equipment": {"ventilator": {"count": 2}}},
        "demand": {"arrivals": [{"unit": "ICU", "rate": 1}], "units": {"ICU": {"los": {"dist": "fixed", "mean": "1d"}}}},
        "run": {"horizon": "5d", "warmup": "1d"}}))
    result = _invoke("--scenario", path, "--paths", 2, "--horizon", "2d", "--out", tmp_path / "x")
    assert result.exit_code == 2 and "network allocation needs a layout with several 'hospitals'" in result.output
