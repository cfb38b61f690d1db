"""Out-of-sample test of a network plan in the engine: today's network against the plan.

Both run the scenario with the same seed and replications - common random numbers, as
``hospitaltwin compare`` does - and that seed must differ from the one the plan's demand paths
were drawn with, so the plan is judged on patients it has never seen. Besides every KPI the
engine reports per unit, pool and hospital, the network's own totals are added per
replication: per device kind, the unmet fraction over all pools (unmet episodes / episodes)
and unmet device-hours per day; diversions per day summed over hospitals, and the patients
lost to the network per day (diverted, less those who arrived at a linked hospital). The test
is :func:`hospitaltwin.compare.out_of_sample.out_of_sample` with those totals derived per
replication (``better`` only where the 95% confidence interval excludes zero).
"""

from __future__ import annotations

import warnings
from collections import defaultdict

import numpy as np

from hospitaltwin.compare.out_of_sample import out_of_sample, require_fresh_seed
from hospitaltwin.config.policy import Policy
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.durations import format_hours
from hospitaltwin.core.state import SystemState
from hospitaltwin.engine.compile import PathSource
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.experiment.replicate import with_run

NETWORK = "network"
LOST = "lost_per_day"


def evaluate_plan(scenario: Scenario, policy: dict, *, seed: int, replications: int, plan_seed: int,
                  horizon_h: float | None = None, workers: Workers = 1,
                  state: SystemState | None = None, demand: PathSource | None = None) -> list[dict]:
    """Paired differences plan - today over ``replications`` engine runs seeded ``seed``.

    ``horizon_h`` (the plan's days) sets the window measured after the scenario's warmup
    (default: the scenario's own horizon); from a ``state`` the scenario has no warmup.
    ``demand`` gives each replication its demand path (reseeded with ``seed``).
    """
    require_fresh_seed(seed, plan_seed)
    horizon = None if horizon_h is None else format_hours(scenario.run.warmup + horizon_h)
    kinds = _pool_kinds(scenario)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # KPIs undefined in every replication (no requests)
        return out_of_sample(with_run(scenario, horizon=horizon), Policy.model_validate(policy), seed=seed,
                             replications=replications, plan_seed=plan_seed, workers=workers, state=state, demand=demand,
                             derive=lambda values: _with_network(values, kinds)).rows


def _pool_kinds(scenario: Scenario) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = defaultdict(list)
    for name, pool in scenario.layout.equipment.items():
        kinds[pool.kind or name].append(name)
    return dict(kinds)


def _with_network(values: dict[tuple, np.ndarray], kinds: dict[str, list[str]]) -> dict[tuple, np.ndarray]:
    """Add network totals: per device kind over its pools, diversions over hospitals."""
    out = dict(values)
    for kind, pools in kinds.items():
        episodes = sum(values[("equipment", p, "episodes_per_day")] for p in pools)
        unmet = sum(np.nan_to_num(values[("equipment", p, "unmet_fraction")])
                    * values[("equipment", p, "episodes_per_day")] for p in pools)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[(NETWORK, kind, "unmet_fraction")] = np.where(episodes > 0, unmet / episodes, np.nan)
        out[(NETWORK, kind, "unmet_h_per_day")] = sum(values[("equipment", p, "unmet_h_per_day")] for p in pools)
    diverted = [v for (scope, _, kpi), v in values.items() if scope == "hospital" and kpi == "diverted_per_day"]
    arrived = [v for (scope, _, kpi), v in values.items() if scope == "hospital" and kpi == "network_arrivals_per_day"]
    if diverted:
        out[(NETWORK, "all hospitals", "diverted_per_day")] = sum(diverted)
        out[(NETWORK, "all hospitals", LOST)] = sum(diverted) - sum(arrived)
    return out


def headline(rows: list[dict]) -> list[dict]:
    """The rows a command center reads first: network totals, then per pool and hospital."""
    wanted = {("network", "unmet_fraction"), ("network", "unmet_h_per_day"), ("network", "diverted_per_day"),
              ("network", LOST),
              ("equipment", "unmet_fraction"), ("hospital", "diverted_per_day")}
    order = {"network": 0, "equipment": 1, "hospital": 2}
    return sorted((r for r in rows if (r["scope"], r["kpi"]) in wanted), key=lambda r: order[r["scope"]])
