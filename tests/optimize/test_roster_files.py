"""The roster problem file is validated like every hospitaltwin file, and the command line
writes the documented results or ends in one clear message."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hospitaltwin.cli import app
from hospitaltwin.config import read_scenario, scenario_from_dict
from hospitaltwin.config.policy import apply_policy, read_policy
from hospitaltwin.core.errors import ConfigError
from hospitaltwin.optimize.roster import read_problem
from tests.optimize.rosterkit import two_units

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()

NURSES = """\
name: two-units-week
period: {start: 2024-01-15, weeks: 1}
groups: [ga, gb]
contracts:
  full: {shifts_per_week: 3, max_shifts_per_week: 4, min_rest: 11h, max_consecutive: 3}
nurses:
  - {id: A, count: 6, contract: full, groups: [ga], skills: [ecls]}
  - {id: B, count: 5, contract: full, groups: [gb]}
  - {id: F1, contract: full, groups: [ga, gb]}
requests:
  - {nurse: A-02, date: 2024-01-17, weight: 2}
cover:
  - {group: ga, skill: ecls, min: 1}
costs: {uncovered_patient_hour: 1, overtime_shift: 10, broken_request: 5}
solver: {time_limit: 10, workers: 1}
"""


@pytest.fixture()
def files(tmp_path) -> tuple[Path, Path]:
    scenario = tmp_path / "two-units.yaml"
    scenario.write_text(yaml.safe_dump(two_units()))
    nurses = tmp_path / "nurses.yaml"
    nurses.write_text(NURSES)
    return scenario, nurses


@pytest.mark.parametrize("scenario, nurses", [
    ("scenarios/academic-baseline.yaml", "scenarios/rosters/academic-icu-nurses.yaml"),
    ("scenarios/rosters/six-units.yaml", "scenarios/rosters/six-units-nurses.yaml")])
def test_the_example_problems_are_valid(scenario, nurses):
    problem = read_problem(ROOT / nurses, read_scenario(ROOT / scenario).layout)
    assert problem.nurses and problem.cover


def _set(data: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    for part in parents:
        data = data[int(part)] if isinstance(data, list) else data[part]
    data[int(last) if isinstance(data, list) else last] = value
    return data


@pytest.mark.parametrize("key, value, where, reason", [
    ("contracts.full.max_shift_per_week", 4, "contracts.full.max_shift_per_week", "unknown key (expected one of: shifts_per_week"),
    ("groups", ["ga", "gc"], "groups.1", "unknown staff group of the layout 'gc' (known: ga, gb)"),
    ("nurses.0.contract", "fll", "nurses.0.contract", "unknown contract 'fll' (known: full)"),
    ("requests.0.nurse", "A-2", "requests.0.nurse", "unknown nurse 'A-2' (nurses given with 'count' are named"),
    ("requests.0.date", "2024-02-17", "requests.0.date", "2024-02-17 is outside the period 2024-01-15 to 2024-01-21"),
    ("cover.0.skill", "ecsl", "cover.0.skill", "unknown skill among the nurses of 'ga' 'ecsl' (known: ecls)"),
    ("period.weeks", 7, "period.weeks", "less than or equal to 6"),
    ("contracts.full.min_rest", 11, "contracts.full.min_rest", "expected a duration with a unit")])
def test_bad_input_names_file_key_and_reason(files, key, value, where, reason):
    scenario, nurses = files
    data = yaml.safe_load(NURSES)
    _set(data, key, value)
    nurses.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError) as caught:
        read_problem(nurses, scenario_from_dict(two_units()).layout)
    message = str(caught.value)
    assert str(nurses) in message and where in message and reason in message, message


def test_optimize_roster_writes_roster_policy_solve_and_manifest(files, tmp_path):
    scenario, nurses = files
    out = tmp_path / "out"
    result = runner.invoke(app, ["optimize", "roster", "--scenario", str(scenario), "--nurses", str(nurses),
                                 "--paths", "6", "--seed", "3", "--replications", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "expected uncovered patient-hours" in result.output and "naive roster" in result.output
    with open(out / "roster.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["staff", "day", "shift", "unit"] and {r["unit"] for r in rows} <= {"ga", "gb"}
    assert not any(r["staff"] == "A-02" and r["day"] == "2024-01-17" for r in rows), "a cheap request is kept"
    solve = json.loads((out / "solve.json").read_text())
    assert solve["status"] == "OPTIMAL" and solve["seed"] == 0 and solve["workers"] == 1
    assert {"uncovered_patient_h", "overtime_shifts", "broken_requests", "cost"} <= set(solve["parts"])
    assert solve["bound"] <= solve["objective"] and solve["paths"] == 6 and solve["naive"]["parts"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["result_format"] == 1 and manifest["kind"] == "roster" and len(manifest["inputs"]) == 2
    evaluation = read_scenario(out / "scenario.yaml")
    assert evaluation.run.warmup == 14 * 24 and evaluation.run.horizon == 21 * 24, "the period is the KPI window"
    policy = read_policy(out / "policy.yaml")
    staff = apply_policy(evaluation, policy).changes.staff
    counts = {(c.group, c.shift, c.from_[:10]): c.count for c in staff}
    worked = {}
    for r in rows:
        worked[(r["unit"], r["shift"], r["day"])] = worked.get((r["unit"], r["shift"], r["day"]), 0) + 1
    assert all(counts[key] == worked.get(key, 0) for key in counts) and len(counts) == 2 * 2 * 7


def test_an_impossible_roster_is_explained_and_ends_cleanly(files, tmp_path):
    scenario, nurses = files
    nurses.write_text(NURSES.replace("{group: ga, skill: ecls, min: 1}", "{group: ga, skill: ecls, min: 5}"))
    out = tmp_path / "out"
    result = runner.invoke(app, ["optimize", "roster", "--scenario", str(scenario), "--nurses", str(nurses),
                                 "--paths", "2", "--out", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "No roster satisfies every rule" in result.output and "cover.0: at least 5 nurses with skill 'ecls'" in result.output
    solve = json.loads((out / "solve.json").read_text())
    assert solve["status"] == "INFEASIBLE" and solve["explanation"] and not (out / "roster.csv").exists()


def test_a_period_before_the_warm_up_ends_is_refused(files, tmp_path):
    scenario, nurses = files
    nurses.write_text(NURSES.replace("2024-01-15", "2024-01-08").replace("2024-01-17", "2024-01-10"))
    result = runner.invoke(app, ["optimize", "roster", "--scenario", str(scenario), "--nurses", str(nurses), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "before the scenario's warm-up ends (2024-01-15 00:00)" in result.output


def test_validate_recognises_a_roster_problem_and_names_its_problems(files):
    _, nurses = files
    assert runner.invoke(app, ["validate", str(nurses)]).exit_code == 0
    nurses.write_text(NURSES.replace("max_consecutive: 3", "max_consecutiv: 3"))
    result = runner.invoke(app, ["validate", str(nurses)])
    assert result.exit_code == 1 and "(roster problem)" in result.output
    assert "contracts.full.max_consecutiv" in result.output and "unknown key" in result.output, result.output
