"""The demand level a forecast runs at: the scenario's demand scaled by what the store saw lately.

For each entry unit, the arrivals observed in the last weeks before the forecast are compared
with the arrivals the scenario's demand expects over the same hours (its rates and hour-of-week
profiles, in the layout's local time). The multiplier is the ratio, shrunk toward 1 as a
gamma-Poisson posterior mean with one week of the scenario's demand as prior weight:
``(observed + expected_week) / (expected + expected_week)``. Four weeks of data thus weigh 80%.
A unit with no expected demand keeps multiplier 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from hospitaltwin.calendar.timeline import hourly_rates
from hospitaltwin.config.scenario import DemandChange, Scenario


@dataclass(frozen=True)
class Level:
    """Observed vs expected arrivals of one unit and the multiplier applied."""

    unit: str
    observed: int
    expected: float
    multiplier: float


def expected_arrivals(scenario: Scenario, start_local: datetime, hours: float) -> dict[str, float]:
    """Arrivals per entry unit the scenario expects in ``hours`` from ``start_local``."""
    out: dict[str, float] = {}
    for stream in scenario.demand.arrivals:
        if stream.rate is None:
            continue  # scheduled admissions do not drift with the trend
        total = float(np.sum(hourly_rates(stream, (), hours, start_local)))
        out[stream.unit] = out.get(stream.unit, 0.0) + total
    return out


def demand_levels(scenario: Scenario, observed: dict[str, int], start_local: datetime,
                  hours: float) -> list[Level]:
    """Multipliers per unit from ``observed`` arrivals over ``hours`` from ``start_local``."""
    expected = expected_arrivals(scenario, start_local, hours)
    levels = []
    for unit, mean in sorted(expected.items()):
        prior = mean * 168.0 / hours if hours > 0 else 0.0
        seen = int(observed.get(unit, 0))
        multiplier = (seen + prior) / (mean + prior) if mean > 0 else 1.0
        levels.append(Level(unit, seen, mean, multiplier))
    return levels


def with_levels(scenario: Scenario, levels: list[Level]) -> Scenario:
    """A copy of ``scenario`` whose arrivals are scaled by each unit's multiplier."""
    extra = tuple(DemandChange(multiplier=round(lv.multiplier, 6), units=(lv.unit,))
                  for lv in levels if abs(lv.multiplier - 1.0) > 1e-9)
    if not extra:
        return scenario
    changes = scenario.changes.model_copy(update={"demand": (*scenario.changes.demand, *extra)})
    return scenario.model_copy(update={"changes": changes})
