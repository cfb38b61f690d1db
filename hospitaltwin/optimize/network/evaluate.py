"""Out-of-sample test of a network plan in the engine: today's network against the plan.

Both run the scenario with the same seed and replications - common random numbers, as
``hospitaltwin compare`` does - and that seed must differ from the one the plan's demand paths
were drawn with, so the plan is judged on patients it has never seen. Besides every KPI the
engine reports per unit, pool and hospital, the network's own totals are added per
replication: per device kind, the unmet fraction over all pools (unmet episodes / episodes)
and unmet device-hours per day; diversions per day summed over hospitals, and the patients
lost to the network per day (diverted, less those who arrived at a linked hospital). Rows are the
paired differences of :func:`hospitaltwin.compare.paired.paired_rows` (``better`` only where the 95%
confidence interval excludes zero).
"""

from __future__ import annotations

import warnings
from collections import defaultdict

import numpy as np

from hospitaltwin.compare.paired import paired_rows
from hospitaltwin.config.policy import Policy, apply_policy
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.durations import format_hours
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.state import SystemState
from hospitaltwin.experiment.replicate import run_scenario, with_run

NETWORK = "network"
LOST = "lost_per_day"


def evaluate_plan(scenario: Scenario, policy: dict, *, seed: int, replications: int, plan_seed: int,
                  horizon_h: float | None = None, workers: int = 1,
                  state: SystemState | None = None) -> list[dict]:
    """Paired differences plan - today over ``replications`` engine runs seeded ``seed``.

    ``horizon_h`` (the plan's days) sets the window measured after the scenario's warmup
    (default: the scenario's own horizon); from a ``state`` the scenario has no warmup.
    """
    if seed == plan_seed:
        raise HospitaltwinError(f"the evaluation seed ({seed}) is the seed the plan was optimised on: "
                                "choose another (--eval-seed) so the test is out of sample")
    horizon = None if horizon_h is None else format_hours(scenario.run.warmup + horizon_h)
    base = with_run(scenario, seed=seed, replications=replications, horizon=horizon)
    chosen = Policy.model_validate(policy)
    today = _per_replication(run_scenario(base, workers=workers, state=state, tables=False).kpis)
    planned = _per_replication(run_scenario(apply_policy(base, chosen), workers=workers, state=state,
                                            tables=False).kpis)
    kinds = _pool_kinds(scenario)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # KPIs undefined in every replication (no requests)
        return _judge_lost(paired_rows(chosen.name, _with_network(today, kinds), _with_network(planned, kinds)))


def _per_replication(kpis) -> dict[tuple, np.ndarray]:
    """``{(scope, name, kpi): values by replication}``."""
    grouped: dict[tuple, dict[int, float]] = defaultdict(dict)
    keys = zip(kpis.labels("scope"), kpis.labels("name"), kpis.labels("kpi"))
    for key, rep, value in zip(keys, kpis["replication"], kpis["value"]):
        grouped[key][int(rep)] = value
    return {k: np.array([v[r] for r in sorted(v)]) for k, v in grouped.items()}


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


def _judge_lost(rows: list[dict]) -> list[dict]:
    """Patients lost to the network: fewer is better (a KPI the engine itself does not report)."""
    for row in rows:
        if row["kpi"] == LOST:
            lo, hi = row["diff_lo"], row["diff_hi"]
            row["better"] = "policy" if hi < 0 else "baseline" if lo > 0 else "none"
    return rows


def headline(rows: list[dict]) -> list[dict]:
    """The rows a command center reads first: network totals, then per pool and hospital."""
    wanted = {("network", "unmet_fraction"), ("network", "unmet_h_per_day"), ("network", "diverted_per_day"),
              ("network", LOST),
              ("equipment", "unmet_fraction"), ("hospital", "diverted_per_day")}
    order = {"network": 0, "equipment": 1, "hospital": 2}
    return sorted((r for r in rows if (r["scope"], r["kpi"]) in wanted), key=lambda r: order[r["scope"]])
