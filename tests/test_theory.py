"""The engine against queueing theory, with fixed seeds and tolerances from confidence intervals.

Erlang B (blocking of a loss system, insensitive to the stay law), Erlang C (waiting in an
M/M/c queue), M/G/infinity (Poisson census: mean = variance = offered load), Little's law on
every unit of a network with queues, boarding, overflow and diversion, and the periodic census
of an M_t/M/infinity system under sinusoidal arrivals (peak, trough and lag).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import assert_in_ci, one_unit, replicate_kpi
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.engine import compile_scenario, simulate


def erlang_b(servers: int, load: float) -> float:
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c(servers: int, load: float) -> float:
    b = erlang_b(servers, load)
    rho = load / servers
    return b / (1 - rho + rho * b)


LAWS = {
    "exponential": {"dist": "exponential", "mean": "4d"},
    "lognormal": {"dist": "lognormal", "mean": "4d", "cv": 1.5},
    "gamma": {"dist": "gamma", "mean": "4d", "cv": 0.5},
    "weibull": {"dist": "weibull", "mean": "4d", "cv": 2.0},
    "fixed": {"dist": "fixed", "mean": "4d"},
}


@pytest.mark.parametrize("law", list(LAWS))
def test_erlang_b_blocking_is_insensitive_to_the_stay_law(law):
    data = one_unit(10, 2.0, LAWS[law], horizon="1500d")
    diverted = replicate_kpi(data, "A", "diverted_fraction", 16)
    assert_in_ci(diverted, erlang_b(10, 8.0), max_half_width=0.012)


@pytest.mark.parametrize("law", ["exponential", "lognormal"])
def test_time_at_capacity_equals_blocking_for_poisson_arrivals(law):
    data = one_unit(10, 2.0, LAWS[law], horizon="1500d")
    assert_in_ci(replicate_kpi(data, "A", "p_full", 16), erlang_b(10, 8.0), max_half_width=0.012)


def test_erlang_c_probability_of_waiting_and_mean_wait():
    data = one_unit(10, 2.0, LAWS["exponential"], on_full="queue", horizon="3000d", warmup="100d")
    c = erlang_c(10, 8.0)
    mean_wait_h = c / (10 / 96 - 2 / 24)
    assert_in_ci(replicate_kpi(data, "A", "p_wait", 30), c, max_half_width=0.03)
    assert_in_ci(replicate_kpi(data, "A", "mean_wait_h", 30), mean_wait_h, max_half_width=0.15 * mean_wait_h)


def test_m_g_infinity_census_is_poisson():
    data = one_unit(1000, 5.0, {"dist": "lognormal", "mean": "3d", "sd": "2d"}, horizon="2000d")
    model = compile_scenario(scenario_from_dict(data))
    means, variances = [], []
    for r in range(16):
        census = simulate(model, 5, r).census
        occupied = census["occupied"][census["time_h"] >= model.warmup]
        means.append(occupied.mean())
        variances.append(occupied.var())
    assert_in_ci(np.array(means), 15.0, max_half_width=0.5)
    assert_in_ci(np.array(variances), 15.0, max_half_width=1.5)


NETWORK = {
    "name": "network",
    "layout": {"units": {
        "ED": {"beds": 8, "on_full": "queue"},
        "ICU": {"beds": 6, "on_full": "divert"},
        "HDU": {"beds": 4, "on_full": "queue"},
        "WARD": {"beds": 38, "on_full": "overflow", "overflow": ["HDU"]},
    }},
    "demand": {
        "arrivals": [{"unit": "ED", "rate": 18}, {"unit": "WARD", "rate": 1.0, "source": "elective"}],
        "units": {
            "ED": {"los": {"dist": "lognormal", "mean": "5h", "sd": "3h"},
                   "next": {"discharge": 0.55, "WARD": 0.35, "ICU": 0.1}},
            "ICU": {"los": {"dist": "gamma", "mean": "3d", "cv": 0.8}, "next": {"HDU": 0.7, "death": 0.3}},
            "HDU": {"los": {"dist": "exponential", "mean": "2d"}, "next": {"WARD": 1.0}},
            "WARD": {"los": {"dist": "weibull", "mean": "4d", "cv": 0.9}, "next": {"discharge": 0.97, "death": 0.03}},
        },
    },
    "run": {"horizon": "800d", "warmup": "40d", "replications": 1, "seed": 3},
}


def test_littles_law_holds_on_every_unit_of_a_congested_network():
    model = compile_scenario(scenario_from_dict(NETWORK))
    result = simulate(model, 3, 0)
    stays, lo, hi = result.stays, model.warmup, model.horizon
    kpis = {(n, k): v for _, n, k, v in result.kpis}
    for unit in model.units:
        here = (stays["unit"] == unit.index) & (stays["start"] >= lo) & (stays["end"] < hi)
        rate_per_h = here.sum() / (hi - lo)
        time_in_bed = (stays["end"] - stays["start"])[here].mean()
        assert kpis[(unit.id, "mean_census")] == pytest.approx(rate_per_h * time_in_bed, rel=0.03), unit.id
        queued = (stays["intended_unit"] == unit.index) & (stays["arrive"] >= lo) & (stays["start"] < hi)
        wait_h = (stays["start"] - stays["arrive"])[queued]
        assert kpis[(unit.id, "mean_queue")] == pytest.approx(queued.sum() / (hi - lo) * wait_h.mean(), rel=0.05, abs=0.02)
    assert kpis[("ED", "boarding_h_per_day")] > 0, "the network is meant to be congested (boarding in ED)"
    assert kpis[("WARD", "overflow_fraction")] > 0
    assert kpis[("ICU", "diverted_fraction")] > 0


def test_sinusoidal_arrivals_give_the_periodic_census_of_m_t_m_infinity():
    mean_rate, amplitude, los_h = 100.0, 0.8, 12.0
    profile = [1 + amplitude * math.sin(2 * math.pi * ((h % 24) + 0.5) / 24) for h in range(168)]
    data = one_unit(10_000, mean_rate, {"dist": "exponential", "mean": f"{los_h}h"}, horizon="120d", warmup="3d")
    data["demand"]["arrivals"][0]["profile"] = profile
    model = compile_scenario(scenario_from_dict(data))
    by_hour = []
    for r in range(16):
        census = simulate(model, 9, r).census
        keep = census["time_h"] >= model.warmup
        hour = (census["time_h"][keep] % 24).astype(int)
        by_hour.append(np.bincount(hour, census["occupied"][keep]) / np.bincount(hour))
    by_hour = np.array(by_hour)
    mu, omega = 1 / los_h, 2 * math.pi / 24
    step = math.sin(math.pi / 24) / (math.pi / 24)  # hourly steps damp the sinusoid slightly
    swing = mean_rate / 24 * amplitude * step / math.hypot(mu, omega)
    lag = math.atan(omega / mu) / omega
    theory = mean_rate / 24 / mu + swing * np.sin(omega * (np.arange(24) - lag))
    for hour in range(24):
        assert_in_ci(by_hour[:, hour], theory[hour], level=0.999, max_half_width=1.5)
    observed = by_hour.mean(axis=0)
    assert observed.max() == pytest.approx(mean_rate / 24 / mu + swing, abs=1.0)
    assert observed.min() == pytest.approx(mean_rate / 24 / mu - swing, abs=1.0)
    assert abs(int(np.argmax(observed)) - (6 + lag)) <= 1.0
