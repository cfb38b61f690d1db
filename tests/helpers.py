"""Small builders shared by the tests: scenarios as Python data, KPIs as dicts."""

from __future__ import annotations

import numpy as np

from hospitaltwin.config import scenario_from_dict
from hospitaltwin.engine import compile_scenario, simulate
from hospitaltwin.experiment.summary import mean_ci


def one_unit(beds: int, rate: float, los: dict, *, on_full: str = "divert", horizon: str = "1000d",
             warmup: str = "30d", **unit) -> dict:
    """Scenario data for one unit fed by one Poisson stream."""
    return {
        "name": "test",
        "layout": {"units": {"A": {"beds": beds, "on_full": on_full, **unit}}},
        "demand": {"arrivals": [{"unit": "A", "rate": rate}], "units": {"A": {"los": los}}},
        "run": {"horizon": horizon, "warmup": warmup, "replications": 1, "seed": 1},
    }


def kpi_dict(replication) -> dict[tuple[str, str], float]:
    """``{(name, kpi): value}`` of one replication."""
    return {(name, kpi): value for _, name, kpi, value in replication.kpis}


def replicate_kpi(data: dict, name: str, kpi: str, replications: int, seed: int = 11) -> np.ndarray:
    """One KPI over ``replications`` replications of the scenario ``data``."""
    model = compile_scenario(scenario_from_dict(data))
    return np.array([kpi_dict(simulate(model, seed, r, tables=False))[(name, kpi)]
                     for r in range(replications)])


def assert_in_ci(values: np.ndarray, truth: float, level: float = 0.99, max_half_width: float | None = None):
    """The truth lies in the ``level`` t-interval of ``values``; the interval is not vacuous."""
    mean, lo, hi = mean_ci(values, level)
    assert lo <= truth <= hi, f"theory {truth:.5g} outside {level:.0%} CI [{lo:.5g}, {hi:.5g}] (mean {mean:.5g})"
    if max_half_width is not None:
        assert (hi - lo) / 2 <= max_half_width, f"CI half-width {(hi - lo) / 2:.4g} too wide to test anything"
    return mean, lo, hi
