"""Two independent engines, one semantics: the SimPy engine against the salabim cross-check.

The congested network of the theory tests (ED boarding, ICU diversion, WARD overflow into
HDU) has no closed form, so its KPIs are compared between two implementations that share no
event logic and no random numbers: for every unit and KPI, the Welch interval of the
difference of the two engines' replication means must contain zero (99.9%, Bonferroni-minded
over the twenty comparisons), and must be narrow enough to mean something.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from scipy import stats
from test_theory import NETWORK

from hospitaltwin.config import scenario_from_dict
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.crosscheck.salabim_engine import simulate_salabim
from hospitaltwin.engine import compile_scenario, simulate

KPIS = ("arrivals_per_day", "diverted_fraction", "mean_census", "mean_wait_h", "p_full")
WIDTH = {"arrivals_per_day": 1.0, "diverted_fraction": 0.1, "mean_census": 2.5, "p_full": 0.3}  # waits: too noisy to bound


def _welch(a: np.ndarray, b: np.ndarray, level: float) -> tuple[float, float]:
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if va + vb > 0 else 1
    half = stats.t.ppf(0.5 + level / 2, dof) * math.sqrt(va + vb)
    return a.mean() - b.mean() - half, a.mean() - b.mean() + half


def test_salabim_and_simpy_engines_agree_on_a_congested_network():
    data = copy.deepcopy(NETWORK)
    data["run"].update(horizon="400d", warmup="30d")
    scenario = scenario_from_dict(data)
    model = compile_scenario(scenario)
    ours = [{(n, k): v for _, n, k, v in simulate(model, 21, r, tables=False).kpis} for r in range(30)]
    theirs = [simulate_salabim(scenario, 1000 + r) for r in range(12)]
    for unit in data["layout"]["units"]:
        for kpi in KPIS:
            a = np.array([x[(unit, kpi)] for x in ours])
            b = np.array([x[(unit, kpi)] for x in theirs])
            lo, hi = _welch(a, b, 0.999)
            assert lo <= 0 <= hi, f"{unit} {kpi}: simpy {a.mean():.4g} vs salabim {b.mean():.4g}, CI [{lo:.3g}, {hi:.3g}]"
            if kpi in WIDTH:
                assert hi - lo < WIDTH[kpi], f"{unit} {kpi}: interval too wide to compare"


def test_the_cross_check_engine_refuses_what_it_does_not_model():
    data = copy.deepcopy(NETWORK)
    data["layout"]["equipment"] = {"ventilator": {"count": 2}}
    with pytest.raises(HospitaltwinError, match="does not model"):
        simulate_salabim(scenario_from_dict(data), 1)
