"""CP-SAT finds the optimum an exhaustive search finds, on small random rosters.

Three nurses, one of whom may work in either of two units, are free on three days (a Friday,
Saturday and Sunday); their rules, requests, cover rules and costs are drawn at random. The
exhaustive search enumerates every roster from the rules as the problem file documents them
and prices it with the same cost tables. The whole model must reach the same objective; the
stepwise method used for large rosters must return a bound below it and a roster above it;
an instance without any roster must be reported infeasible with an explanation.
"""

from __future__ import annotations

import pytest

from hospitaltwin.optimize.roster import solve_instance
from hospitaltwin.optimize.roster.cpsat import offset_of, scaled_objective
from hospitaltwin.optimize.roster.model import SCALE
from tests.optimize.rosterkit import brute_force, small_instance

SEEDS = list(range(20))


@pytest.mark.parametrize("seed", SEEDS)
def test_cp_sat_matches_exhaustive_search(seed):
    inst = small_instance(seed)
    best, roster = brute_force(inst)
    result = solve_instance(inst, time_limit=20, workers=2, gap=0.0, method="direct")
    if best is None:
        assert result.solution.status == "INFEASIBLE" and result.explanation is not None
        assert result.explanation.lines, "an infeasible roster is explained"
        return
    assert result.solution.status == "OPTIMAL"
    assert result.solution.objective == pytest.approx(best / SCALE, abs=1e-9)
    found = result.solution.assignments
    assert scaled_objective(inst, found) + offset_of(inst) == best, "the roster returned has the objective reported"
    assert result.parts["cost"]["total"] == pytest.approx(best / SCALE, abs=0.01 * len(inst.segments))


@pytest.mark.parametrize("seed", SEEDS[:6])
def test_stepwise_method_brackets_the_optimum(seed):
    inst = small_instance(seed)
    best, _ = brute_force(inst)
    result = solve_instance(inst, time_limit=10, workers=2, gap=0.0, method="steps")
    if best is None:
        assert result.solution.status == "INFEASIBLE"
        return
    s = result.solution
    assert s.found, s.steps
    assert s.bound <= best / SCALE + 1e-9 <= s.objective + 1e-9
    assert s.objective == pytest.approx((scaled_objective(inst, s.assignments) + offset_of(inst)) / SCALE)


def test_instances_exercise_the_rules():
    """The random instances are not all trivial: some infeasible, some with binding rules."""
    outcomes = [brute_force(small_instance(seed))[0] for seed in SEEDS]
    assert sum(o is None for o in outcomes) >= 3 and sum(o is not None for o in outcomes) >= 12
