"""The SAA optimality gap of a surge plan (multiple replications procedure) against the true gap.

On the tiny hospital with demand held for a whole day at a level drawn from a known law, the
expected cost of every plan is computed exactly (the expected shortfall of a discrete law), and
enumerating every plan gives the true optimum, independently of the model code. A plan made on
a few sampled paths then has a known true gap, which the estimate's 95% upper bound must cover
about 95% of the time or more (the procedure is conservative); the estimate of the plan's own
cost is unbiased, so its 95% interval covers the true cost about 95% of the time. A plan from
two paths reports a large gap and one from many paths a small one.
"""

from __future__ import annotations

import itertools
import math
from datetime import datetime

import numpy as np
import pytest

from hospitaltwin.optimize.paths import DemandPaths
from hospitaltwin.optimize.surge.data import build_data
from hospitaltwin.optimize.surge.gap import batches, estimate_gap
from hospitaltwin.optimize.surge.options import SurgeOptions
from hospitaltwin.optimize.surge.solve import solve_plan
from tests.optimize.surge_cases import CAPACITY, _allowed, _cost, tiny_scenario, two_options

DAYS = 3
LEVELS = {"ICU": np.arange(1, 9), "PACU": np.arange(0, 5)}  # equally likely daily demand levels
# Beds cost near the value of the marginal ICU bed, so plans are close and sampling matters.
OPTIONS = SurgeOptions.model_validate(two_options(BAYS={"cost_per_bed_day": 90.0}, AREA={"cost_per_bed_day": 110.0}))
ITEMS = list(OPTIONS.options.values())


def daily_paths(seed: int, count: int) -> DemandPaths:
    """Demand held for each whole day at a level drawn from :data:`LEVELS`, days independent."""
    rng = np.random.default_rng(seed)
    hours = DAYS * 24 + 1
    levels = [np.repeat(rng.choice(LEVELS[u], (count, DAYS + 1)), 24, axis=1)[:, :hours] for u in ("ICU", "PACU")]
    return DemandPaths(["ICU", "PACU"], [], {}, datetime(2024, 1, 1), np.stack(levels, axis=1),
                       np.zeros((count, 0, hours)))


def data(seed: int, count: int):
    return build_data(OPTIONS, tiny_scenario(), daily_paths(seed, count), DAYS, 0.0)


def true_cost(beds: np.ndarray) -> float:
    """Bed costs plus the exact expected cost of patient-days not placed."""
    total = _cost(ITEMS, beds)
    for unit, (physical, staffed) in CAPACITY.items():
        gain = sum((beds[o] for o, item in enumerate(ITEMS) if item.serves == unit), np.zeros(DAYS, int))
        give = sum((beds[o] for o, item in enumerate(ITEMS) if item.convert_from == unit), np.zeros(DAYS, int))
        for d in range(DAYS):
            capacity = min(physical - give[d], staffed) + gain[d]
            short = np.maximum(LEVELS[unit] - capacity, 0).mean()  # patients a day not placed
            total += OPTIONS.unmet_cost_per_patient_day.get(unit, 0.0) * short
    return total


@pytest.fixture(scope="module")
def optimum() -> float:
    best = math.inf
    for combo in itertools.product(*[range(item.most + 1) for item in ITEMS for _ in range(DAYS)]):
        beds = np.array(combo).reshape(len(ITEMS), DAYS)
        if _allowed(OPTIONS, ITEMS, beds, DAYS):
            best = min(best, true_cost(beds))
    return best


def test_the_instance_is_one_where_few_paths_give_worse_plans(optimum):
    gaps = [true_cost(solve_plan(data(100 + trial, 2)).beds) - optimum for trial in range(12)]
    assert max(gaps) > 0.03 * optimum, "some plans from two paths are clearly worse than the best"
    assert min(gaps) >= -1e-9, "no plan beats the enumerated optimum"


def test_upper_bound_covers_the_true_gap_and_the_plan_cost_interval_its_true_cost(optimum):
    trials, covered, cost_covered, large = 16, 0, 0, 0
    for trial in range(trials):
        beds = solve_plan(data(1000 + trial, 4)).beds
        true_gap = true_cost(beds) - optimum
        estimate = estimate_gap(beds, batches(data(5000 + trial, 10 * 4), 4))
        covered += estimate.gap_upper >= true_gap - 1e-9
        lo, hi = estimate.interval(estimate.plan_values)
        cost_covered += lo <= true_cost(beds) <= hi
        large += true_gap > 0
    # With 95% coverage, 13 or fewer of 16 happens with probability 4.3%; the bound is
    # conservative, so its coverage is higher still.
    assert covered >= 14 and cost_covered >= 14, (covered, cost_covered)
    assert large >= 3, "some plans have a true gap to cover"


def test_a_plan_from_too_few_paths_reports_a_large_gap_and_many_paths_a_small_one(optimum):
    few = solve_plan(data(7, 2)).beds
    many = solve_plan(data(7, 300)).beds
    few_gap = estimate_gap(few, batches(data(8, 10 * 2), 2))
    many_gap = estimate_gap(many, batches(data(9, 10 * 300), 300))
    assert few_gap.relative(few_gap.gap_upper) > 0.05
    assert many_gap.relative(many_gap.gap_upper) < 0.02
    assert many_gap.gap_upper >= true_cost(many) - optimum - 1e-9
    report = many_gap.report()
    assert report["batches"] == 10 and report["batch_paths"] == 300
    assert report["lower_bound"]["ci95"][0] <= optimum, "the lower bound's interval reaches below the optimum"
    assert 0 <= report["same_plan_batches"] <= 10
