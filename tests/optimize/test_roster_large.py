"""A hospital-sized roster under a short time limit still returns a roster that keeps every rule.

120 nurses over four weeks (the benchmark instance) with 8 deterministic seconds: not enough
to approach the optimum, but the solve must return its best roster (FEASIBLE, with an honest
bound below it), never one that breaks a contract, a cover rule or leave.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hospitaltwin.config import read_scenario
from hospitaltwin.optimize.roster import demand_instance, read_problem, roster_demand, solve_instance
from hospitaltwin.optimize.roster.lns import penalty

from tests.optimize.rosterkit import _keeps_rules

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_time_limit_still_returns_a_roster_that_keeps_every_rule():
    scenario = read_scenario(ROOT / "scenarios/rosters/six-units.yaml")
    problem = read_problem(ROOT / "scenarios/rosters/six-units-nurses.yaml", scenario.layout)
    demand, origin = roster_demand(scenario, problem, paths=40, seed=11)
    inst = demand_instance(problem, scenario, demand, origin)
    s = solve_instance(inst, time_limit=8, workers=2, gap=0.01).solution
    assert s.status == "FEASIBLE" and s.bound <= s.objective, s.steps
    assert penalty(inst, s.assignments) == 0, "every cover minimum and minimum-hours rule is met"
    days = Counter((n, inst.slots[t].day) for n, t in s.assignments)
    assert max(days.values()) == 1, "one shift a day"
    for n in range(len(inst.staff)):
        mine = [t for m, t in s.assignments if m == n]
        assert not set(mine) & inst.leave[n] and set(mine) <= set(inst.eligible[n])
        assert _keeps_rules(inst, n, inst.staff[n].contract, mine), inst.staff[n].id
