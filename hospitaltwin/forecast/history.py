"""Forecast from history: the one function ``forecast``, ``backtest`` and the service call.

:func:`forecast_from_history` takes a scenario (the hospital and the shape of its demand), a
history (the state store, or anything answering the same questions) and a time, and returns
the :class:`~hospitaltwin.forecast.Forecast` the twin ships:

1. the state at that time — the synced patients (event mode) or the latest daily census
   (counts mode); a state older than ``stale_after_h`` is flagged, one older than
   ``stale_limit_h`` refused unless ``allow_stale`` (:mod:`.freshness`);
2. in counts mode, each unit's stay law read from its counts when the scenario has none, and
   warnings for layout units the counts miss or report late (:mod:`.counts_mode`);
3. the demand model fitted per entry unit to the recent daily arrivals (:mod:`.demand`), one
   demand path drawn per replication;
4. the warm-started simulation of every replication and its aggregation;
5. in counts mode, each counted unit's census turned into the count it will report, with
   the noise the same model's past errors show (:mod:`.recalibrate`).

A backtest calls this same function at each past origin, so it scores exactly what ships.
"""

from __future__ import annotations

import copy
import math
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from hospitaltwin.calendar.timeline import hourly_rates
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.durations import local_origin
from hospitaltwin.core.state import SystemState
from hospitaltwin.core.streams import stream
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.forecast import Forecast, run_forecast
from hospitaltwin.forecast.counts_mode import CountsInputs, counts_inputs
from hospitaltwin.forecast.demand import DailyHistory, DemandFit, fit_demand, json_floats
from hospitaltwin.forecast.freshness import check_fresh
from hospitaltwin.forecast.weekdays import WEEKS, weekday_factors


class History(Protocol):
    """What a forecast reads from the state store (:class:`hospitaltwin.store.Store`)."""

    def state_at(self, at: datetime | None = None, layout=None) -> SystemState: ...

    def state_from_counts(self, at: datetime | None = None) -> SystemState: ...

    def arrivals(self, start: datetime, end: datetime): ...

    def counts_history(self, start: datetime, end: datetime): ...


HISTORY_WEEKS = 4  # what the forecast reads from recent history: demand, stays, past errors


class ForecastOptions(BaseModel):
    """How to forecast (frozen; copy with ``model_copy(update=...)`` to change).

    ``demand`` names the demand model (``trend``, ``multiplier`` or ``scenario``);
    ``history_weeks`` the weeks of arrivals it is fitted to (default :data:`HISTORY_WEEKS`); ``counts`` starts from daily counts; ``admissions_previous_day`` reads a
    day's admissions as those of the day before (the HHS convention); ``stale_after_h`` and
    ``stale_limit_h`` bound the state's age (warning, refusal unless ``allow_stale``);
    ``recalibrate`` turns a counted unit's census forecast into its reported count, with the
    noise its own past errors show (:mod:`.recalibrate`, counts mode only).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    horizon_h: float = Field(default=336.0, gt=0)
    replications: int = Field(default=500, ge=2)
    seed: int | None = Field(default=None, ge=0)
    workers: int = Field(default=1, ge=1)
    demand: Literal["trend", "multiplier", "scenario"] = "trend"
    history_weeks: int | None = Field(default=None, ge=1)
    counts: bool = False
    admissions_previous_day: bool = False
    stale_after_h: float = Field(default=24.0, ge=0)
    stale_limit_h: float = Field(default=168.0, ge=0)
    allow_stale: bool = False
    recalibrate: bool = True

    def weeks(self) -> int:
        """Weeks of history behind the demand level."""
        return HISTORY_WEEKS if self.history_weeks is None else self.history_weeks


def forecast_from_history(scenario: Scenario, history: History, at: datetime | None = None,
                          options: ForecastOptions | None = None, *, now: datetime | None = None,
                          workers: Workers | None = None, progress=None) -> Forecast:
    """Forecast from ``history``'s state at ``at`` (default: its latest) with ``options``.

    Parameters
    ----------
    scenario : Scenario
        The layout and the demand's shape (rates, profiles, stays, routing).
    history : History
        The state store (or a test double answering the same questions).
    at : datetime, optional
        Tz-aware time to forecast from; default the last event (or last day of counts).
    options : ForecastOptions, optional
        Horizon, replications, demand model, counts mode, staleness bounds.
    now : datetime, optional
        The wall-clock time the state's age is measured against when ``at`` is not given
        (default: now).
    workers : int or ReplicationExecutor, optional
        Where the replications run (a Dask cluster, say); default ``options.workers`` local
        processes.

    Returns
    -------
    Forecast
        ``info`` holds the demand model's fits, stays read from counts, warnings and the
        state's age besides the provenance.

    Raises
    ------
    HospitaltwinError
        When the state is older than ``stale_limit_h`` and ``allow_stale`` is not set, or the
        history cannot answer (no events, a time before the first one).
    """
    options = options or ForecastOptions()
    if options.counts:
        state = history.state_from_counts(at)
    else:
        state = history.state_at(at, scenario.layout)
    fresh = check_fresh(state, at, options, now or datetime.now(UTC))
    warnings = list(fresh.pop("warnings"))
    extra = None
    if options.counts:
        extra = counts_inputs(scenario, history, state, options.admissions_previous_day)
        scenario, warnings = extra.scenario, warnings + extra.warnings
    spec_seed = scenario.run.seed if options.seed is None else options.seed
    bank = demand_from_history(scenario, history, state, options, spec_seed, extra)
    fc = run_forecast(scenario, state, horizon_h=options.horizon_h, replications=options.replications,
                      seed=options.seed, workers=options.workers if workers is None else workers,
                      demand_paths=bank.rows(options.replications), progress=progress)
    if extra is not None and options.recalibrate:
        extra.recalibrate(fc, bank.fits, bank.history_expected, state.as_of.date())
    fc.info.update({"demand_model": options.demand, "history_weeks": options.weeks(),
                    "demand": bank.summaries(),
                    "state_age_h": fresh["age_h"], "stale": fresh["stale"], "warnings": warnings})
    if extra is not None:
        fc.info.update(extra.info())
    return fc


def demand_from_history(scenario: Scenario, history: History, state: SystemState,
                        options: ForecastOptions, seed: int, extra: CountsInputs | None = None) -> DemandBank:
    """The demand model fitted per entry unit to ``history``'s recent arrivals before ``state``,
    as a bank of per-replication paths over ``options.horizon_h`` seeded ``seed``.

    The forecast draws its replications' paths from it; an optimiser planning from the same
    state draws its demand paths (and, reseeded, its out-of-sample test's) from it, so a plan
    meets the demand the forecast shows. ``extra`` holds counts mode's inputs.
    """
    expected = expected_by_day(scenario, state.as_of, 7 * options.weeks())
    fits = _demand_fits(scenario, expected, history, state, options, extra)
    return DemandBank(scenario, fits, state.as_of, options.horizon_h, seed, extra, expected)


def _demand_fits(scenario: Scenario, expected: dict[str, np.ndarray], history: History, state: SystemState,
                 options: ForecastOptions, extra: CountsInputs | None) -> dict[str, DemandFit]:
    """One fitted demand level per entry unit with Poisson streams (``expected``: the
    scenario's arrivals per unit on each day of the history), with the weekday factors of
    its arrivals beyond the scenario's profile (read from :data:`~.weekdays.WEEKS` weeks)."""
    if options.demand == "scenario":
        return {}
    origin, days = state.as_of, 7 * options.weeks()
    long = max(days, 7 * WEEKS)
    observed = _observed_by_day(history, state, extra, long)
    long_expected = expected_by_day(scenario, origin, long)
    first = local_origin(origin - timedelta(days=long), scenario.layout.timezone).weekday()
    weekdays = (first + np.arange(long)) % 7
    fits = {}
    for unit, exp in expected.items():
        seen = observed.get(unit, np.zeros(long))
        ratio = np.where(long_expected[unit] > 0, (seen + 0.5) / np.maximum(long_expected[unit], 1e-12), np.nan)
        daily = DailyHistory(unit, seen[-days:], exp, weekday_factors(ratio, weekdays),
                             int(weekdays[long - days]))
        fits[unit] = fit_demand(daily, options.demand)
    for fit in fits.values():
        if fit.fitted:
            fit.fitted["start"] = (origin - timedelta(days=days - fit.first)).isoformat()
    return fits


def _observed_by_day(history: History, state: SystemState, extra: CountsInputs | None,
                     days: int) -> dict[str, np.ndarray]:
    """Arrivals (counts mode: admissions) per entry unit on each of the ``days`` days before
    the state's time."""
    if extra is not None:
        return extra.admissions_by_day(state.as_of, days)
    return arrivals_by_day(history, state.as_of, days, state.notes.get("first_event"))


def expected_by_day(scenario: Scenario, origin: datetime, days: int, ahead: bool = False) -> dict[str, np.ndarray]:
    """Arrivals per entry unit the scenario expects in each of the ``days`` 24-h periods before
    ``origin`` (oldest first; after it when ``ahead``), from its rates, profiles and changes."""
    first = origin if ahead else origin - timedelta(days=days)
    start = local_origin(first, scenario.layout.timezone)
    out: dict[str, np.ndarray] = {}
    for spec in scenario.demand.arrivals:
        if spec.rate is None:
            continue  # scheduled admissions do not follow the demand level
        hourly = hourly_rates(spec, (), 24.0 * days, start)
        out[spec.unit] = out.get(spec.unit, 0.0) + hourly.reshape(days, 24).sum(axis=1)
    return out


def arrivals_by_day(history: History, origin: datetime, days: int,
                    first_event: str | None = None) -> dict[str, np.ndarray]:
    """Entries from outside per unit in each 24-h period before ``origin`` (oldest first).

    Periods not wholly after the history's first event (``first_event``, ISO; default the
    first arrival seen) are NaN: before the log began nothing was recorded, not zero.
    """
    import pandas as pd

    frame = history.arrivals(origin - timedelta(days=days), origin)
    out: dict[str, np.ndarray] = {}
    if len(frame) == 0:
        return out
    times = pd.to_datetime(frame["time"], utc=True)
    age = (pd.Timestamp(origin) - times) / pd.Timedelta(days=1)
    index = days - 1 - np.floor(age.to_numpy()).astype(int)
    start = pd.Timestamp(first_event) if first_event else times.min()
    start = start.tz_localize("UTC") if start.tzinfo is None else start
    recorded = (pd.Timestamp(origin) - start) / pd.Timedelta(days=1)
    unseen = np.arange(days) < days - np.floor(recorded)
    for unit in frame["unit"].unique():
        keep = (frame["unit"].to_numpy() == unit) & (index >= 0) & (index < days)
        counts = np.bincount(index[keep], minlength=days).astype(float)
        counts[unseen] = np.nan
        out[unit] = counts
    return out


PATH_BLOCK = 64  # demand paths drawn together from one stream


class DemandBank:
    """Per-replication demand paths from fitted demand models: row ``r`` is replication ``r``'s.

    Rows are drawn in blocks of :data:`PATH_BLOCK`, block ``b`` from its own named stream of
    ``seed``, so row ``r`` is the same however many rows are asked for: a forecast of ``n``
    replications and an optimiser drawing paths in several rounds (and fresh ones for its
    out-of-sample test) see the same path for the same replication. :meth:`rows` gives what
    :func:`~hospitaltwin.engine.compile.with_demand_paths` takes. ``history_expected`` is what
    the scenario expected on each day the models were fitted to (counts mode's recalibration
    reads it).
    """

    def __init__(self, scenario: Scenario, fits: dict[str, DemandFit], origin: datetime,
                 horizon_h: float, seed: int, extra: CountsInputs | None = None,
                 history_expected: dict[str, np.ndarray] | None = None):
        self.fits, self.origin, self.horizon_h, self.seed, self.extra = fits, origin, horizon_h, seed, extra
        self.history_expected = history_expected or {}
        self.days = math.ceil(horizon_h / 24.0) + 1
        self.expected = expected_by_day(scenario, origin, self.days, ahead=True)
        self.streams = {unit: [spec.stream_name for spec in scenario.demand.arrivals
                               if spec.unit == unit and spec.rate is not None] for unit in fits}
        self._daily: dict[str, np.ndarray] = {}

    def reseeded(self, seed: int) -> DemandBank:
        """The same models with paths from another seed (fresh paths for an out-of-sample test)."""
        other = copy.copy(self)
        other.seed, other._daily = seed, {}
        return other

    def summaries(self) -> dict[str, dict]:
        """Each entry unit's demand model, as ``summary.json`` records it."""
        return {unit: fit.summary() for unit, fit in self.fits.items()}

    def rows(self, count: int) -> dict[str, np.ndarray]:
        """Hourly demand multipliers ``(count, hours)`` per Poisson stream, rows ``0 .. count-1``."""
        out = {}
        for unit, fit in self.fits.items():
            daily = self._daily_rows(unit, fit, count)
            if self.extra is not None:
                daily = daily * self.extra.entries_per_admission(unit)
            hourly = np.repeat(daily, 24, axis=1)[:, : math.ceil(self.horizon_h)]
            out.update({name: hourly for name in self.streams[unit]})
        return out

    def _daily_rows(self, unit: str, fit: DemandFit, count: int) -> np.ndarray:
        have = self._daily.get(unit, np.zeros((0, self.days)))
        blocks = [have]
        for block in range(len(have) // PATH_BLOCK, math.ceil(count / PATH_BLOCK)):
            rng = stream(self.seed, block, f"demand-path:{unit}")
            blocks.append(fit.sample(self.days, PATH_BLOCK, rng))
        self._daily[unit] = np.concatenate(blocks)
        fit.fitted["ahead"] = _band_ahead(self._daily[unit][:count], self.expected[unit], self.origin)
        return self._daily[unit][:count]


def _band_ahead(ratios: np.ndarray, expected: np.ndarray, origin: datetime) -> dict:
    """The demand paths' median and 90% band in arrivals per 24-h period, from ``origin``."""
    arrivals = ratios * expected[None, :]
    lo, mid, hi = np.quantile(arrivals, (0.05, 0.5, 0.95), axis=0)
    return {"start": origin.isoformat(), "level": json_floats(mid), "lo": json_floats(lo), "hi": json_floats(hi)}
