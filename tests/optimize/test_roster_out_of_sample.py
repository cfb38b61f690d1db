"""An optimised roster beats the naive roster of the same nurses in the twin, out of sample.

The naive roster is what a planner without a forecast makes: the same nurses, the same rules,
filling the layout's usual pattern as evenly as they can. Both rosters run in the engine on
common random numbers from a seed other than the one the roster was optimised on; the paired
difference of patient-hours over the nurse ratio (what the roster's objective prices) must
favour the optimised roster with its 95% CI excluding zero, unit by unit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hospitaltwin.config import read_scenario, scenario_from_dict
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.optimize.roster import (
    naive_instance,
    period_run,
    plan_roster,
    problem_from_dict,
    read_problem,
    solve_instance,
)
from hospitaltwin.optimize.roster.roster_policy import (
    compare_rosters,
    evaluate,
    rostered_units,
    target_rows,
)
from tests.optimize.rosterkit import two_units
from tests.optimize.test_roster_files import NURSES

ROOT = Path(__file__).resolve().parents[2]


def _roster_and_naive(scenario, problem, *, paths: int, seed: int, time_limit: float):
    result = plan_roster(scenario, problem, paths=paths, seed=seed, time_limit=time_limit, workers=2)
    naive = solve_instance(naive_instance(problem, scenario), time_limit=time_limit, workers=2)
    assert result.solution.found and naive.solution.found
    return result, naive


def _over_ratio_rows(result, naive, scenario, problem, *, seed: int, plan_seed: int, replications: int):
    comparison = compare_rosters(period_run(scenario, problem), result.policy(), naive.policy("naive"),
                                 seed=seed, replications=replications, plan_seed=plan_seed)
    rows = [r for r in target_rows(comparison, rostered_units(result.inst)) if r["kpi"] == "over_ratio_patient_h"]
    assert {r["name"] for r in rows} == set(rostered_units(result.inst))
    return rows


def test_roster_beats_the_naive_roster_on_fresh_seeds_small_hospital():
    scenario = scenario_from_dict(two_units())
    problem = problem_from_dict(yaml.safe_load(NURSES), scenario.layout)
    result, naive = _roster_and_naive(scenario, problem, paths=20, seed=5, time_limit=10)
    in_sample = evaluate(result.inst, naive.solution.assignments)
    assert result.parts["cost"]["total"] < in_sample["cost"]["total"], "optimal in sample beats naive in sample"
    for row in _over_ratio_rows(result, naive, scenario, problem, seed=6, plan_seed=5, replications=30):
        assert row["diff_hi"] < 0 and row["better"] == "policy", row


@pytest.mark.slow
def test_roster_beats_the_naive_roster_on_fresh_seeds_six_unit_example():
    """The example of docs/how-to/roster.md and the benchmark, with the command line's defaults."""
    scenario = read_scenario(ROOT / "scenarios/rosters/six-units.yaml")
    problem = read_problem(ROOT / "scenarios/rosters/six-units-nurses.yaml", scenario.layout)
    result, naive = _roster_and_naive(scenario, problem, paths=40, seed=11, time_limit=30)
    rows = _over_ratio_rows(result, naive, scenario, problem, seed=12, plan_seed=11, replications=30)
    assert all(row["diff_hi"] < 0 for row in rows), [(r["name"], r["diff_mean"], r["diff_lo"], r["diff_hi"]) for r in rows]


def test_the_evaluation_refuses_the_seed_the_roster_was_optimised_on():
    scenario = scenario_from_dict(two_units())
    problem = problem_from_dict(yaml.safe_load(NURSES), scenario.layout)
    result, naive = _roster_and_naive(scenario, problem, paths=4, seed=5, time_limit=5)
    with pytest.raises(HospitaltwinError, match="out-of-sample test needs another"):
        compare_rosters(period_run(scenario, problem), result.policy(), naive.policy("naive"),
                        seed=5, replications=4, plan_seed=5)
