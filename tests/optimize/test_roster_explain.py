"""Infeasible rosters are explained in the user's terms: which rules, shifts and nurses conflict."""

from __future__ import annotations

import numpy as np

from hospitaltwin.config import scenario_from_dict
from hospitaltwin.optimize.roster import demand_instance, problem_from_dict, solve_instance

from tests.optimize.rosterkit import random_demand, two_units


def _instance(problem: dict):
    scenario = scenario_from_dict(two_units())
    parsed = problem_from_dict(problem, scenario.layout)
    return demand_instance(parsed, scenario, random_demand(parsed, scenario, np.random.default_rng(0)))


def _ecls_week(max_consecutive: int | None) -> dict:
    contract = {"shifts_per_week": 4, "min_rest": "11h"}
    if max_consecutive is not None:
        contract["max_consecutive"] = max_consecutive
    return {
        "name": "ecls-week", "period": {"start": "2024-01-01", "weeks": 1}, "groups": ["ga", "gb"],
        "contracts": {"icu": contract},
        "nurses": [{"id": "E", "count": 4, "contract": "icu", "groups": ["ga"], "skills": ["ecls"]},
                   {"id": "W", "count": 4, "contract": "icu", "groups": ["gb"]}],
        "cover": [{"group": "ga", "skill": "ecls", "min": 2}],
    }


def test_too_few_ecls_nurses_for_every_shift_names_the_rules_shifts_and_nurses():
    # Two ECLS-trained nurses on each of the day's two shifts need all four every day, which
    # at most 3 days in a row forbids.
    result = solve_instance(_instance(_ecls_week(3)), time_limit=10, workers=1)
    assert result.solution.status == "INFEASIBLE" and result.solution.assignments == []
    text = str(result.explanation)
    assert "cover.0: at least 2 nurses with skill 'ecls' on ga (4 such nurses can work it)" in text
    assert "at most 3 days worked in a row (contract 'icu')" in text
    assert sum(f"E-0{i}" in text for i in range(1, 5)) >= 3, "the ECLS nurses whose limit binds are named"
    assert "day 2024-01-0" in text and "night 2024-01-0" in text, "the shifts are named"
    assert "W-0" not in text, "nurses outside the conflict are not blamed"
    assert result.explanation.minimal, "every rule listed is needed for the conflict"
    shifts = [k for k in result.explanation.keys if k[0] == "cover"]
    assert len({result.inst.slots[k[2]].day for k in shifts}) == 4, "four days in a row cannot all be covered"


def test_the_same_cover_is_met_once_the_named_rule_is_relaxed():
    result = solve_instance(_instance(_ecls_week(None)), time_limit=10, workers=1)
    assert result.solution.status == "OPTIMAL" and result.explanation is None


def test_a_nurse_whose_own_rules_conflict_is_named_with_them():
    problem = _ecls_week(None)
    problem["contracts"]["tight"] = {"shifts_per_week": 2, "max_shifts_per_week": 1, "min_hours_per_week": "24h"}
    problem["nurses"].append({"id": "T1", "contract": "tight", "groups": ["gb"]})
    result = solve_instance(_instance(problem), time_limit=10, workers=1)
    assert result.solution.status == "INFEASIBLE"
    text = str(result.explanation)
    assert "nurse T1 (contract 'tight'): at most 1 shifts a week; at least 1d a week on average cannot all hold" in text
    assert "cover" not in text and "E-01" not in text
