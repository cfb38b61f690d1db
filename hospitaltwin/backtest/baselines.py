"""The baselines a forecast must beat, computed from the same history in the same run.

``persistence``: the level at the forecast origin, for every lead. ``last_week``: the level
at the same time of the week in the latest week known at the origin. ``hour_of_week``: the
empirical distribution of the levels at that time of the week over the ``weeks`` latest
weeks known at the origin (a probabilistic climatology, so its intervals and CRPS are
comparable with the model's; its median is its point forecast). ``linear_trend``: the
least-squares line through the last 7 days of levels, extended. ``ses``: simple exponential
smoothing of the resource's own series (``statsmodels``, smoothing weight fitted), flat
ahead. No baseline looks past the origin. Point forecasts have no intervals; their CRPS is
the absolute error.

``past`` arrays hold levels every step (an hour; a day in counts mode, ``period`` 7) from
``back_weeks(weeks, horizon)`` weeks before the origin up to the origin (column ``-1`` is the
origin).
"""

from __future__ import annotations

import math

import numpy as np

WEEK_H = 168


def back_weeks(weeks: int, horizon_h: int) -> int:
    """Weeks of history the baselines need before an origin."""
    return weeks + max(1, math.ceil(horizon_h / WEEK_H))


def _first_week_back(leads: np.ndarray, period: int = WEEK_H) -> np.ndarray:
    """For each lead, how many weeks back the same time of the week was last seen."""
    return np.maximum(1, np.ceil(leads / period)).astype(int)


def persistence(origin_level: np.ndarray, leads: int) -> np.ndarray:
    """``(R, leads)``: the level at the origin for every lead 1..leads."""
    return np.repeat(origin_level[:, None], leads, axis=1)


def same_hour_back(past: np.ndarray, leads: int, extra_weeks: int = 0, period: int = WEEK_H) -> np.ndarray:
    """``(R, leads)``: the level at lead time minus k weeks, k the first week back + ``extra_weeks``."""
    ell = np.arange(1, leads + 1)
    index = past.shape[1] - 1 + ell - period * (_first_week_back(ell, period) + extra_weeks)
    return past[:, index]


def last_week(past: np.ndarray, leads: int, period: int = WEEK_H) -> np.ndarray:
    """``(R, leads)``: same time of the week, latest week known at the origin."""
    return same_hour_back(past, leads, period=period)


def climatology(past: np.ndarray, leads: int, weeks: int, period: int = WEEK_H) -> np.ndarray:
    """``(R, leads, weeks)``: same time of the week over the ``weeks`` latest known weeks."""
    return np.stack([same_hour_back(past, leads, k, period) for k in range(weeks)], axis=2)


def linear_trend(past: np.ndarray, leads: int, period: int = WEEK_H) -> np.ndarray:
    """``(R, leads)``: least-squares line through the last week (``period + 1`` levels), extended."""
    window = past[:, -(period + 1):].astype(float)
    x = np.arange(window.shape[1]) - (window.shape[1] - 1)
    slope = ((x - x.mean()) * (window - window.mean(axis=1, keepdims=True))).sum(axis=1) / ((x - x.mean()) ** 2).sum()
    intercept = window.mean(axis=1) - slope * x.mean()
    return np.maximum(intercept[:, None] + slope[:, None] * np.arange(1, leads + 1)[None, :], 0.0)


def exponential_smoothing(past: np.ndarray, leads: int) -> np.ndarray:
    """``(R, leads)``: simple exponential smoothing of each row, its last level held flat."""
    import warnings

    from statsmodels.tsa.holtwinters import SimpleExpSmoothing

    out = np.empty((past.shape[0], leads))
    for r, series in enumerate(past.astype(float)):
        if np.ptp(series) == 0:
            out[r] = series[-1]
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = SimpleExpSmoothing(series, initialization_method="estimated").fit()
        out[r] = fit.forecast(leads)
    return out


def hist_from_samples(samples: np.ndarray, size: int) -> np.ndarray:
    """Histograms ``(..., size)`` of integer samples along the last axis."""
    flat = np.clip(samples.reshape(-1, samples.shape[-1]).astype(np.int64), 0, size - 1)
    out = np.zeros((flat.shape[0], size))
    rows = np.repeat(np.arange(flat.shape[0]), flat.shape[1])
    np.add.at(out, (rows, flat.ravel()), 1)
    return out.reshape(*samples.shape[:-1], size)
