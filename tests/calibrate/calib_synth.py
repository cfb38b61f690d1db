"""Synthetic data with known truth for the calibration tests (numpy only, seeded)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special


def weibull_shape(cv: float) -> float:
    """Weibull shape with coefficient of variation ``cv`` (independent of the fitter's)."""
    gap = lambda k: np.sqrt(special.gamma(1 + 2 / k) / special.gamma(1 + 1 / k) ** 2 - 1) - cv
    return optimize.brentq(gap, 0.2, 20.0)


def draw(family: str, mean: float, cv: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` durations from ``family`` with the given mean and coefficient of variation."""
    if family == "exponential":
        return rng.exponential(mean, n)
    if family == "lognormal":
        s2 = np.log1p(cv * cv)
        return rng.lognormal(np.log(mean) - s2 / 2, np.sqrt(s2), n)
    if family == "gamma":
        return rng.gamma(1 / cv**2, mean * cv**2, n)
    if family == "weibull":
        k = weibull_shape(cv)
        return rng.weibull(k, n) * mean / special.gamma(1 + 1 / k)
    raise ValueError(family)


def censor_limit(family: str, mean: float, cv: float, fraction: float) -> float:
    """``K`` such that censoring at ``Uniform(0, K)`` hits about ``fraction`` of durations."""
    pilot = draw(family, mean, cv, 200_000, np.random.default_rng(12345))
    share = lambda k: np.mean(pilot > np.random.default_rng(6789).uniform(0, k, pilot.size)) - fraction
    return optimize.brentq(share, mean * 0.05, mean * 200)


def censored_sample(family, mean, cv, n, fraction, seed):
    """Durations with independent uniform censoring; returns ``(durations, observed, truth)``."""
    rng = np.random.default_rng(seed)
    truth = draw(family, mean, cv, n, rng)
    limit = rng.uniform(0, censor_limit(family, mean, cv, fraction), n)
    return np.minimum(truth, limit), truth <= limit, truth


def hour_of_week_local(times, timezone):
    local = pd.DatetimeIndex(times).tz_convert(timezone)
    return np.asarray(local.day_of_week * 24 + local.hour)


def poisson_arrivals(since, until, rate_per_day, profile, timezone, rng) -> pd.DatetimeIndex:
    """Arrival times of a Poisson process whose rate per hour is ``rate/24 * profile[local how]``.

    Piecewise constant by UTC hour (the local hour-of-week of each UTC hour's midpoint), so the
    counts per hour are exactly Poisson and times are uniform within the hour.
    """
    edges = pd.date_range(since, until, freq="h")
    how = hour_of_week_local(edges[:-1] + pd.Timedelta(minutes=30), timezone)
    counts = rng.poisson(rate_per_day / 24 * np.asarray(profile)[how])
    starts = np.repeat(edges[:-1].as_unit("ns").asi8, counts)
    offsets = rng.uniform(0, 3600e9, counts.sum()).astype(np.int64)
    return pd.DatetimeIndex(np.sort(starts + offsets), tz="UTC")


def entry_stays(times, unit="ED", source=None) -> pd.DataFrame:
    """Entry stays (only the columns arrivals need) starting at ``times``."""
    return pd.DataFrame({
        "unit": unit, "start": times, "entry": True,
        "source": pd.Series([source] * len(times), dtype="string"),
    })
