"""The data behind the roster model: slots, segments and their expected uncovered patient-hours,
and the policy that carries a roster's head counts into the engine."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom

from hospitaltwin.config import scenario_from_dict
from hospitaltwin.config.policy import apply_policy
from hospitaltwin.engine import compile_scenario
from hospitaltwin.optimize.paths import DemandPaths
from hospitaltwin.optimize.roster import demand_instance, period_run, problem_from_dict
from hospitaltwin.optimize.roster.data import (
    UnitDemand,
    group_demand,
    segments_of,
    shortfall,
    split_shortfall,
    with_absence,
)
from hospitaltwin.optimize.roster.roster_policy import head_counts, to_policy
from tests.optimize.rosterkit import random_demand, two_units


def _week(**layout_changes) -> tuple:
    data = two_units()
    data["layout"]["staff"]["ga"].update(layout_changes)
    scenario = scenario_from_dict(data)
    problem = problem_from_dict({
        "name": "week", "period": {"start": "2024-01-15", "weeks": 1}, "groups": ["ga"],
        "contracts": {"c": {"shifts_per_week": 3}},
        "nurses": [{"id": "N", "count": 6, "contract": "c", "groups": ["ga"]}]}, scenario.layout)
    return scenario, problem


def test_expected_uncovered_patient_hours_match_a_direct_computation():
    scenario, problem = _week(absence_rate=0.1)
    demand = random_demand(problem, scenario, np.random.default_rng(4), paths=7)
    inst = demand_instance(problem, scenario, demand)
    ratio = 2.0
    for seg in inst.segments[:6]:
        values = demand["ga"][:, seg.start:seg.start + seg.hours]
        for rostered in range(len(seg.cost)):
            present = np.arange(rostered + 1)
            p = binom.pmf(present, rostered, 0.9)
            uncovered = [np.maximum(values - np.floor(k * ratio), 0).sum(axis=1).mean() for k in present]
            assert seg.cost[rostered] == pytest.approx(float(p @ uncovered), rel=1e-9, abs=1e-9)
    assert all(np.all(np.diff(s.cost) <= 1e-12) and np.all(np.diff(s.cost, 2) >= -1e-9) for s in inst.segments), \
        "non-increasing and convex in the head count"


def test_beds_cap_the_demand_nurses_can_cover():
    scenario, problem = _week()
    hours = problem.days * 24 + 24
    beds = np.full((2, 2, 14 * 24 + hours + 1), 50, dtype=np.int32)
    paths = DemandPaths(["A", "B"], [], {}, scenario.run.origin, beds, np.zeros((2, 0, beds.shape[2])))
    demand = group_demand(paths, scenario, problem, scenario.run.origin)
    assert demand["ga"].patients.shape == (1, 2, hours) and demand["ga"].patients.max() == 8
    inst = demand_instance(problem, scenario, demand)
    seg = inst.segments[0]
    assert seg.cost[0] == pytest.approx(8 * seg.hours), "8 physical beds, not 50 patients, are uncovered"
    assert seg.cost[4] == 0, "four nurses at 1:2 cover every bed"


def test_overlapping_shifts_make_their_own_segments():
    shifts = {"day": {"start": "7h", "length": "12h", "weekday": 3}, "mid": {"start": "11h", "length": "12h", "weekday": 1},
              "night": {"start": "19h", "length": "12h", "weekday": 2}}
    scenario, problem = _week(shifts=shifts)
    inst = demand_instance(problem, scenario, {"ga": np.zeros((1, problem.days * 24 + 24))})
    first = segments_of(inst.slots, "ga", 48)
    names = [tuple(inst.slots[t].shift for t in cover) for cover, _, _ in first]
    assert names[:4] == [("day",), ("day", "mid"), ("mid", "night"), ("night",)]
    assert [(start, hours) for _, start, hours in first[:4]] == [(7, 4), (11, 8), (19, 4), (23, 8)]


def test_absence_mixes_the_cost_over_nurses_present():
    g = shortfall(np.array([[3.0, 5.0], [4.0, 4.0]]), 2.0, 3)
    assert g.tolist() == [8.0, 4.0, 0.5, 0.0]
    assert with_absence(g, 0.0).tolist() == g.tolist()
    assert with_absence(g, 0.5)[1] == pytest.approx(0.5 * 8 + 0.5 * 4)


def test_a_roster_reaches_the_engine_as_exact_head_counts_per_day_and_shift():
    scenario, problem = _week()
    inst = demand_instance(problem, scenario, random_demand(problem, scenario, np.random.default_rng(1)))
    rng = np.random.default_rng(2)
    roster = [(n, t.index) for t in inst.slots for n in range(6) if rng.random() < 0.4]
    policy = to_policy(inst, roster, "random")
    model = compile_scenario(apply_policy(period_run(scenario, problem), policy))
    plan = model.staff[0].plan
    heads = head_counts(inst, roster)
    offset = 14 * 24.0  # the period starts 14 days after the scenario's origin
    for t in inst.slots:
        at = np.flatnonzero(np.isclose(plan.starts, offset + t.start))
        assert len(at) == 1 and plan.rostered[at[0]] == heads[t.index], t.label()
    before = np.flatnonzero(plan.starts < offset)
    assert set(plan.rostered[before]) <= {2, 3}, "outside the period the layout's own roster runs"


def _largest_remainder(capacity: int, beds: list[int]) -> list[int]:
    """Staffed beds per unit as the engine documents its split: in proportion to physical beds,
    floors first, the rest one by one to the largest remainders (first unit first on ties)."""
    exact = [min(capacity * b / sum(beds), b) for b in beds]
    shares = [int(np.floor(e + 1e-9)) for e in exact]
    spare = min(capacity, sum(beds)) - sum(shares)
    for u in sorted(range(len(beds)), key=lambda u: -(exact[u] - shares[u]))[:spare]:
        shares[u] += shares[u] < beds[u]
    return shares


def test_a_group_of_several_units_prices_each_units_share_of_the_staffed_beds():
    rng = np.random.default_rng(7)
    beds = [8, 6, 3]
    patients = np.stack([rng.integers(0, b + 1, size=(5, 9)) for b in beds]).astype(float)
    demand = UnitDemand(patients, np.array([[b] * 9 for b in beds], dtype=float))
    g = split_shortfall(demand, 2, 6, 2.0, 9)
    for k in range(10):
        shares = _largest_remainder(int(2 * k), beds)
        direct = sum(np.maximum(patients[u, :, 2:8] - shares[u], 0).sum(axis=1) for u in range(3)).mean()
        assert g[k] == pytest.approx(direct), k
    pooled = shortfall(patients[:, :, 2:8].sum(axis=0), 2.0, 9)
    assert np.all(g >= pooled - 1e-9) and np.any(g > pooled + 1e-9), "nurses of one unit do not cover another's"
