"""Counts mode: what daily counts add to a forecast, and what they fail to say.

From the store's daily counts before the forecast origin, per unit:

- the admissions per day, which set the demand model's level (with ``admissions_previous_day``
  a row's admissions are those of the day before its date, the HHS convention);
- when the scenario gives the unit no length-of-stay law, one read from its census and
  admissions (:func:`~hospitaltwin.forecast.stays.fit_stays`), with the number of census
  entries per counted admission; a unit with counts but no arrival stream gets a Poisson one
  at its recent admission rate;
- for such a unit, its census forecast turned into the count it will report: weekday
  reporting factors and the noise its own past forecast errors show
  (:mod:`~hospitaltwin.forecast.recalibrate`);
- warnings, never silence: a unit of the layout missing from the counts (it starts empty)
  and a unit whose latest count is older than the state's day are named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from hospitaltwin.config.demand import ArrivalStream, LosSpec, UnitDemand
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.state import SystemState
from hospitaltwin.forecast.recalibrate import (
    CensusErrors,
    PastInputs,
    census_errors,
    log_variance,
    reported,
)
from hospitaltwin.forecast.stays import CountStays, fit_stays

LOOKBACK_DAYS = 200
RATE_DAYS = 28


@dataclass
class CountsInputs:
    """The scenario counts mode runs, and what it learnt from the counts."""

    scenario: Scenario
    dates: list
    census: dict[str, np.ndarray]
    admissions: dict[str, np.ndarray]
    stays: dict[str, CountStays] = field(default_factory=dict)
    from_counts: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    stale: dict[str, str] = field(default_factory=dict)
    previous_day: bool = False
    warnings: list[str] = field(default_factory=list)
    errors: dict[str, CensusErrors] = field(default_factory=dict)

    def admissions_by_day(self, origin: datetime, days: int) -> dict[str, np.ndarray]:
        """Admissions per unit in each of the ``days`` days before ``origin``'s date."""
        last = origin.date() - timedelta(days=1)
        wanted = [last - timedelta(days=days - 1 - i) for i in range(days)]
        index = {d: i for i, d in enumerate(self.dates)}
        out = {}
        for unit, series in self.admissions.items():
            out[unit] = np.array([series[index[d]] if d in index else np.nan for d in wanted])
        return out

    def entries_per_admission(self, unit: str) -> float:
        """Census entries per counted admission (1 unless the stays came from the counts)."""
        fit = self.stays.get(unit)
        return fit.entries_per_admission if fit is not None and unit in self.from_counts else 1.0

    def recalibrate(self, fc, fits: dict, expected: dict[str, np.ndarray], day: date) -> None:
        """Turn each counted unit's census forecast into its reported count, recalibrated on
        its own past errors (:mod:`.recalibrate`); ``expected`` per unit are the scenario's
        arrivals on the days before ``day`` (the origin's), ``fits`` the demand models."""
        acc = fc.accumulator
        leads = (acc.level_sum.shape[1] - 1) // 24
        if leads < 1 or not self.dates or self.dates[-1] != day:
            return
        for unit in self.from_counts:
            rows = [i for i, r in enumerate(acc.resources) if r.name == unit and r.kind != "equipment"]
            past = self._past(unit, fits.get(unit), expected.get(unit), day)
            if not rows or past is None:
                continue
            sim_var = np.array([log_variance(acc.levels[rows[0]][24 * h]) for h in range(1, leads + 1)])
            errors = census_errors(unit, past, leads, sim_var)
            for i in rows:
                acc.replace_levels(i, reported(acc.levels[i].astype(float), fc.origin, errors))
            self.errors[unit] = errors

    def _past(self, unit: str, fit, expected: np.ndarray | None, day: date) -> PastInputs | None:
        """The unit's counts, expected arrivals and demand forecasts on the counts' days."""
        if expected is None:
            return None
        window = day - timedelta(days=len(expected))
        offset = (window - self.dates[0]).days  # counts index of the window's first day
        aligned = np.full(len(self.dates), np.nan)
        lo = max(offset, 0)
        aligned[lo: offset + len(expected)] = expected[lo - offset:]

        def ratio_ahead(t: int, days: int):
            if fit is None:
                return np.ones(days)
            return fit.ratio_ahead(t - 1 - offset, days)

        return PastInputs(self.census[unit], self.admissions[unit], self.dates, aligned, ratio_ahead)

    def info(self) -> dict:
        """What ``summary.json`` records of counts mode."""
        return {"stays_from_counts": {u: self.stays[u].summary() for u in self.from_counts},
                "recalibration": {u: e.summary() for u, e in self.errors.items()},
                "missing_units": list(self.missing), "stale_units": dict(self.stale),
                "admissions_previous_day": self.previous_day}


def counts_inputs(scenario: Scenario, history, state: SystemState, previous_day: bool) -> CountsInputs:
    """Read the counts behind ``state`` and adapt ``scenario`` to them."""
    frame = history.counts_history(state.as_of - timedelta(days=LOOKBACK_DAYS), state.as_of)
    dates, census, admissions = _series(frame, previous_day)
    stale = dict(state.notes.get("stale_units", {}))
    missing = tuple(u for u in scenario.layout.units if u not in census)
    inputs = CountsInputs(scenario, dates, census, admissions, missing=missing, stale=stale,
                          previous_day=previous_day)
    inputs.stays = {u: s for u in census if (s := fit_stays(u, census[u], admissions[u])) is not None}
    inputs.scenario, inputs.from_counts = _with_counted_stays(scenario, inputs)
    inputs.warnings = _warnings(inputs)
    return inputs


def _series(frame, previous_day: bool) -> tuple[list, dict, dict]:
    """Daily census and admissions per unit over every date of the frame (NaN where absent)."""
    if len(frame) == 0:
        return [], {}, {}
    days = frame["date"].dt.date
    shifted = days - timedelta(days=1) if previous_day else days
    first, last = min(days.min(), shifted.min()), days.max()
    dates = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    index = {d: i for i, d in enumerate(dates)}
    census, admissions = {}, {}
    for unit in frame["unit"].unique():
        mine = (frame["unit"] == unit).to_numpy()
        census[unit] = _place(len(dates), index, days[mine], frame["census"][mine])
        admissions[unit] = _place(len(dates), index, shifted[mine], frame["admissions"][mine])
    return dates, census, admissions


def _place(n: int, index: dict, days, values) -> np.ndarray:
    out = np.full(n, np.nan)
    out[[index[d] for d in days]] = np.asarray(values, dtype=float)
    return out


def _with_counted_stays(scenario: Scenario, inputs: CountsInputs) -> tuple[Scenario, tuple[str, ...]]:
    """``scenario`` with stays (and arrival streams) from the counts where it has none."""
    demand = scenario.demand
    units, arrivals, counted = dict(demand.units), list(demand.arrivals), []
    for unit, fit in inputs.stays.items():
        if unit not in scenario.layout.units or unit in units:
            continue
        units[unit] = UnitDemand(los=LosSpec(dist="exponential", mean=f"{fit.mean_days * 24.0:.6g}h"))
        counted.append(unit)
        if not any(a.unit == unit for a in arrivals):
            rate = float(np.nanmean(inputs.admissions[unit][-RATE_DAYS:]))
            arrivals.append(ArrivalStream(unit=unit, rate=max(rate, 1e-6)))
    if not counted:
        return scenario, ()
    new = demand.model_copy(update={"units": units, "arrivals": tuple(arrivals)})
    return scenario.model_copy(update={"demand": new}), tuple(counted)


def _warnings(inputs: CountsInputs) -> list[str]:
    out = [f"unit {u} of the layout has no daily counts: it is forecast from empty"
           for u in inputs.missing]
    out += [f"unit {u}: the latest count is from {day}, older than the state's day; "
            "that census is used" for u, day in sorted(inputs.stale.items())]
    return out
