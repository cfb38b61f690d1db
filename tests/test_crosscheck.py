"""Two independent engines, one semantics: the SimPy engine against the salabim cross-check.

The congested network of the theory tests (ED boarding, ICU diversion, WARD overflow into
HDU) has no closed form, so its KPIs are compared between two implementations that share no
event logic and no random numbers: for every unit and KPI, the Welch interval of the
difference of the two engines' replication means must contain zero (99.9%, Bonferroni-minded
over the twenty comparisons), and must be narrow enough to mean something. The same network
with ventilators and ECLS (too few of each) compares the pools' episodes, unmet fraction,
use and time full (a slow test).
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


def run_both(scenario, ours_n: int, theirs_n: int, theirs_scenario=None) -> tuple[list[dict], list[dict]]:
    """KPIs ``{(unit or pool, kpi): value}`` per replication: SimPy on ``scenario``, salabim on
    ``theirs_scenario`` (default: the same scenario), each on its own fixed seeds."""
    model = compile_scenario(scenario)
    ours = [{(n, k): v for _, n, k, v in simulate(model, 21, r, tables=False).kpis} for r in range(ours_n)]
    theirs = [simulate_salabim(theirs_scenario or scenario, 1000 + r) for r in range(theirs_n)]
    return ours, theirs


def differences(ours: list[dict], theirs: list[dict], keys, level: float = 0.999) -> dict:
    """Per key: the SimPy mean, the salabim mean and the Welch interval of their difference."""
    out = {}
    for key in keys:
        a = np.array([x[key] for x in ours])
        b = np.array([x[key] for x in theirs])
        out[key] = (a.mean(), b.mean(), *_welch(a, b, level))
    return out


def assert_agree(diffs: dict, widths: dict[str, float], floors: dict[str, float] | None = None) -> None:
    """Every interval holds zero (widened by the KPI's absolute ``floors``, for quantities near
    zero) and is narrower than ``widths`` (where given), so that agreement means something."""
    floors = floors or {}
    for (name, kpi), (ours, theirs, lo, hi) in diffs.items():
        floor = floors.get(kpi, 0.0)
        assert lo - floor <= 0 <= hi + floor, \
            f"{name} {kpi}: simpy {ours:.4g} vs salabim {theirs:.4g}, CI [{lo:.3g}, {hi:.3g}]"
        if kpi in widths:
            assert hi - lo < widths[kpi], f"{name} {kpi}: interval [{lo:.3g}, {hi:.3g}] too wide to compare"


def _agree(data: dict, names: dict[str, tuple[str, ...]], widths: dict[str, float], ours_n: int, theirs_n: int):
    """Every KPI of every named unit or pool: the Welch 99.9% interval of the difference of the
    engines' means holds zero, and is narrower than ``widths`` (where given)."""
    ours, theirs = run_both(scenario_from_dict(data), ours_n, theirs_n)
    assert_agree(differences(ours, theirs, [(n, k) for n, kpis in names.items() for k in kpis]), widths)


def test_salabim_and_simpy_engines_agree_on_a_congested_network():
    data = copy.deepcopy(NETWORK)
    data["run"].update(horizon="400d", warmup="30d")
    _agree(data, {unit: KPIS for unit in data["layout"]["units"]}, WIDTH, 30, 12)


@pytest.mark.slow
def test_salabim_and_simpy_engines_agree_on_ventilators_and_ecls_with_too_few_devices():
    """Ventilators for most ICU patients and ECLS as an escalation that keeps the patient in
    the ICU until it ends, with too few devices: both engines count the same unmet episodes."""
    data = copy.deepcopy(NETWORK)
    data["layout"]["equipment"] = {"ventilator": {"count": 3}, "ecls": {"count": 1}}
    data["demand"]["units"]["ICU"]["equipment"] = {
        "ventilator": {"p": 0.6, "duration": {"dist": "lognormal", "mean": "2d", "sd": "1.5d"}},
        "ecls": {"p": 0.2, "given": "ventilator", "after": {"dist": "exponential", "mean": "12h"},
                 "duration": {"dist": "lognormal", "mean": "4d", "sd": "2d"}, "extends_stay": True},
    }
    data["run"].update(horizon="400d", warmup="30d")
    pools = ("episodes_per_day", "unmet_fraction", "mean_in_use", "p_full")
    widths = {"episodes_per_day": 0.3, "unmet_fraction": 0.2, "mean_in_use": 1.0, "p_full": 0.3}  # ECLS: few runs
    _agree(data, {"ventilator": pools, "ecls": pools, "ICU": KPIS}, {**WIDTH, **widths}, 30, 12)


def test_the_cross_check_engine_refuses_what_it_does_not_model():
    data = copy.deepcopy(NETWORK)
    data["layout"]["hospitals"] = {"north": {}, "south": {}}
    for unit in data["layout"]["units"].values():
        unit["hospital"] = "north"
    data["layout"]["links"] = [{"from": "north", "to": "south", "delay": "1h"}]
    with pytest.raises(HospitaltwinError, match="does not model"):
        simulate_salabim(scenario_from_dict(data), 1)
