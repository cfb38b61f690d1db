"""Counts mode: the census a unit will report, recalibrated on the unit's own recent errors.

The simulation forecasts how many patients are in a unit. Daily counts add two things the
simulation does not know, and this module adds them to the forecast of a unit whose stays
were read from its counts:

- **Weekday reporting.** Reported census runs a few percent low or high on some weekdays
  (fewer discharges or late reports at weekends).
  :func:`~hospitaltwin.forecast.weekdays.weekday_factors` reads the factor of each weekday
  from the last 8 weeks of counts (census over its centred 7-day mean, shrunk by its noise);
  the forecast for a day is the simulated census times that day's factor over the factor of
  the origin's day.
- **The model's own error.** At each of the last :data:`PAST_ORIGINS` days whose outcome the
  counts already hold, the same model makes a point forecast of the census 1, 2, … days
  ahead: the stay law refitted to the counts known then, the admissions the demand model
  (with its fitted parameters) would have forecast from the admissions known then, and the
  weekday factors. Only errors whose outcome was reported by the origin are used (no look
  ahead). Per lead day, the variance a new error will have is predicted from them: their
  mean square times ``1 + 1/n``, ``n`` their effective number (a variance estimated from
  ``n`` independent errors predicts a new one only that well). The part of it that the
  simulation's own spread does not already hold is added to the forecast as multiplicative
  noise. The noise is Student-t, with ``n - 1`` degrees of freedom, at least :data:`MIN_DF`
  (the fewest with a finite variance). ``n`` comes from the errors' lag-1 autocorrelation
  and is never more than their number over the lead: forecasts ``h`` days ahead made on
  consecutive days share ``h - 1`` days of outcome, so ``N`` of them hold at most ``N / h``
  independent ones. The noise is integrated exactly over :data:`NODES` equally likely
  quantiles.

Event mode is not recalibrated: its census is known patient by patient, not as counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from hospitaltwin.forecast.level_errors import MIN_ERRORS, PAST_ORIGINS
from hospitaltwin.forecast.stays import fit_stays
from hospitaltwin.forecast.weekdays import weekday_factors

MIN_DF = 3
NODES = 50


@dataclass
class CensusErrors:
    """A unit's reporting factors and recalibration by lead day."""

    unit: str
    factors: np.ndarray
    sd: np.ndarray = field(default_factory=lambda: np.zeros(0))
    df: np.ndarray = field(default_factory=lambda: np.zeros(0))
    errors: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    rmse: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def summary(self) -> dict:
        """What ``summary.json`` records (lead day 1 first)."""
        return {"weekday_factors": [round(float(f), 4) for f in self.factors],
                "past_origins": PAST_ORIGINS, "errors": [int(n) for n in self.errors],
                "rmse_log": _rounded(self.rmse), "added_sd_log": _rounded(self.sd),
                "df": _rounded(self.df)}


def _rounded(values: np.ndarray) -> list:
    return [round(float(v), 4) for v in values]


@dataclass(frozen=True)
class PastInputs:
    """What a unit's past point forecasts need, aligned on the counts' days (oldest first).

    ``expected`` are the scenario's arrivals per day, ``ratio_ahead(t, h)`` the demand model's
    ratio forecast for days ``t .. t+h-1`` made with admissions up to day ``t - 1``.
    """

    census: np.ndarray
    admissions: np.ndarray
    dates: list
    expected: np.ndarray
    ratio_ahead: object


def past_errors(inputs: PastInputs, factors: np.ndarray, leads: int) -> list[np.ndarray]:
    """Log errors ``log(reported / forecast)`` of past point forecasts, per lead day 1..``leads``.

    The forecast made at census day ``t`` for day ``t + h`` is scored only when ``t + h`` is
    at most the last day (the origin's): its outcome was known at the origin.
    """
    census, last = inputs.census, len(inputs.census) - 1
    weekday = np.array([factors[d.weekday()] for d in inputs.dates])
    out: list[list[float]] = [[] for _ in range(leads)]
    for t in range(last - PAST_ORIGINS - leads + 1, last):
        if t < 1 or not census[t] > 0:
            continue
        known = np.append(inputs.admissions[:t], np.nan)  # day t's admissions are not yet known
        stays = fit_stays("", census[: t + 1], known)
        ratio = inputs.ratio_ahead(t, min(leads, last - t))
        if stays is None or ratio is None:
            continue
        admitted = inputs.expected[t: t + len(ratio)] * ratio * stays.entries_per_admission
        for h in range(1, len(ratio) + 1):
            if t < last - PAST_ORIGINS - h + 1 or not np.isfinite(census[t + h]):
                continue
            now = census[t] / weekday[t]
            forecast = predict_census(now, admitted[:h], stays.mean_days) * weekday[t + h]
            out[h - 1].append(math.log(max(census[t + h], 0.5) / max(forecast, 0.5)))
    return [np.array(e) for e in out]


def predict_census(census: float, admitted: np.ndarray, mean_days: float) -> float:
    """Expected census ``len(admitted)`` days after a day starting at ``census``.

    Exponential stays of mean ``mean_days``; ``admitted[j]`` enter during day ``j`` (spread
    over it), so each survives to the end of the last day with probability ``q p**k``.
    """
    p = math.exp(-1.0 / mean_days)
    h = len(admitted)
    arrivals = mean_days * (1.0 - p) * float(np.dot(admitted, p ** np.arange(h - 1, -1, -1)))
    return census * p**h + arrivals


def effective_number(errors: np.ndarray, lead: int = 1) -> float:
    """Errors' effective number: ``n (1 - r) / (1 + r)`` with ``r`` their lag-1
    autocorrelation, and at most ``n / lead`` (errors ``lead`` days ahead from consecutive
    origins overlap by ``lead - 1`` days of outcome)."""
    centred = errors - errors.mean()
    total = float(centred @ centred)
    r = float(centred[:-1] @ centred[1:]) / total if total > 0 else 0.0
    r = min(max(r, 0.0), 0.95)
    return min(len(errors) * (1.0 - r) / (1.0 + r), len(errors) / lead)


def census_errors(unit: str, inputs: PastInputs, leads: int, sim_log_var: np.ndarray) -> CensusErrors:
    """The unit's weekday factors and, per lead day, the noise the forecast lacks.

    ``sim_log_var[h - 1]`` is the variance of the log census the simulation already gives at
    lead day ``h``. The variance of a new error is predicted as the errors' mean square times
    ``1 + 1/n`` (``n`` their effective number); the noise added is what the simulation's
    variance lacks of it. Leads with fewer than :data:`MIN_ERRORS` errors take the last
    measured lead's noise grown as the square root of the lead (a random walk's).
    """
    factors = weekday_factors(inputs.census, np.array([d.weekday() for d in inputs.dates]))
    errors = past_errors(inputs, factors, leads)
    result = CensusErrors(unit, factors, np.zeros(leads), np.full(leads, float(MIN_DF)),
                          np.array([len(e) for e in errors]), np.full(leads, np.nan))
    measured = 0
    for h, e in enumerate(errors, start=1):
        if len(e) < MIN_ERRORS:
            if measured:
                result.sd[h - 1] = result.sd[measured - 1] * math.sqrt(h / measured)
                result.df[h - 1] = result.df[measured - 1]
            continue
        mse, n = float(np.mean(e**2)), max(effective_number(e, h), 1.0)
        result.rmse[h - 1] = math.sqrt(mse)
        result.sd[h - 1] = math.sqrt(max(mse * (1.0 + 1.0 / n) - float(sim_log_var[h - 1]), 0.0))
        result.df[h - 1] = max(n - 1.0, MIN_DF)
        measured = h
    return result


def log_variance(hist: np.ndarray) -> float:
    """Variance of the log level of a histogram over levels 0.. (level 0 read as 0.5)."""
    held = np.flatnonzero(hist)
    levels = np.log(np.maximum(held, 0.5))
    weights = hist[held] / hist.sum()
    mean = float(weights @ levels)
    return float(weights @ (levels - mean) ** 2)


def reported(hist: np.ndarray, origin: datetime, errors: CensusErrors) -> np.ndarray:
    """Hourly histograms ``(hours, levels)`` of a unit's census turned into its reported count.

    Hour ``h`` after ``origin`` is scaled by its day's weekday factor over the origin day's and
    multiplied by ``exp(sd * t)``, ``t`` at :data:`NODES` equally likely Student-t quantiles
    (``sd`` and degrees of freedom interpolated between lead days, 0 at the origin). The number
    of replications per hour is kept.
    """
    from scipy.stats import t as student

    leads = np.arange(len(errors.sd) + 1)
    sd = np.concatenate(([0.0], errors.sd))
    base = errors.factors[origin.weekday()]
    dfs = errors.df if len(errors.df) else np.array([float(MIN_DF)])
    nodes = student.ppf((np.arange(NODES)[None, :] + 0.5) / NODES, dfs[:, None])
    rows = []
    for hour in range(hist.shape[0]):
        lead = hour / 24.0
        scale = _lead_sd(lead, leads, sd)
        day = (origin + timedelta(hours=hour)).weekday()
        quantiles = nodes[min(max(math.ceil(lead), 1), len(dfs)) - 1]
        multipliers = errors.factors[day] / base * np.exp(scale * quantiles)
        levels = np.flatnonzero(hist[hour])
        moved = np.rint(levels[:, None] * multipliers[None, :]).astype(np.int64)
        rows.append((moved.ravel(), np.repeat(hist[hour, levels] / NODES, NODES)))
    width = max(hist.shape[1], max(int(m.max(initial=0)) for m, _ in rows) + 1)
    out = np.empty((len(rows), width))
    for hour, (moved, weights) in enumerate(rows):
        out[hour] = np.bincount(moved, weights=weights, minlength=width)
    return out


def _lead_sd(lead: float, leads: np.ndarray, sd: np.ndarray) -> float:
    """``sd`` at a fractional lead day: linear between lead days, a random walk's beyond."""
    if lead <= leads[-1]:
        return float(np.interp(lead, leads, sd))
    return float(sd[-1] * math.sqrt(lead / leads[-1])) if leads[-1] > 0 else 0.0
