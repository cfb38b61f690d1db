"""The three baselines a forecast must beat, computed from the same history in the same run.

``persistence``: the level at the forecast origin, for every lead. ``last_week``: the level
at the same hour of the week in the latest week known at the origin. ``hour_of_week``: the
empirical distribution of the levels at that hour of the week over the ``weeks`` latest
weeks known at the origin (a probabilistic climatology, so its intervals and CRPS are
comparable with the model's; its median is its point forecast). No baseline looks past the
origin. Point forecasts have no intervals; their CRPS is the absolute error.

``past`` arrays hold hourly levels from ``back_weeks(weeks, horizon)`` weeks before the
origin up to the origin (column ``-1`` is the origin).
"""

from __future__ import annotations

import math

import numpy as np

WEEK_H = 168


def back_weeks(weeks: int, horizon_h: int) -> int:
    """Weeks of history the baselines need before an origin."""
    return weeks + max(1, math.ceil(horizon_h / WEEK_H))


def _first_week_back(leads: np.ndarray) -> np.ndarray:
    """For each lead, how many weeks back the same hour of the week was last seen."""
    return np.maximum(1, np.ceil(leads / WEEK_H)).astype(int)


def persistence(origin_level: np.ndarray, leads: int) -> np.ndarray:
    """``(R, leads)``: the level at the origin for every lead 1..leads."""
    return np.repeat(origin_level[:, None], leads, axis=1)


def same_hour_back(past: np.ndarray, leads: int, extra_weeks: int = 0) -> np.ndarray:
    """``(R, leads)``: the level at lead time minus k weeks, k the first week back + ``extra_weeks``."""
    ell = np.arange(1, leads + 1)
    index = past.shape[1] - 1 + ell - WEEK_H * (_first_week_back(ell) + extra_weeks)
    return past[:, index]


def last_week(past: np.ndarray, leads: int) -> np.ndarray:
    """``(R, leads)``: same hour of the week, latest week known at the origin."""
    return same_hour_back(past, leads)


def climatology(past: np.ndarray, leads: int, weeks: int) -> np.ndarray:
    """``(R, leads, weeks)``: same hour of the week over the ``weeks`` latest known weeks."""
    return np.stack([same_hour_back(past, leads, k) for k in range(weeks)], axis=2)


def hist_from_samples(samples: np.ndarray, size: int) -> np.ndarray:
    """Histograms ``(..., size)`` of integer samples along the last axis."""
    flat = np.clip(samples.reshape(-1, samples.shape[-1]).astype(np.int64), 0, size - 1)
    out = np.zeros((flat.shape[0], size))
    rows = np.repeat(np.arange(flat.shape[0]), flat.shape[1])
    np.add.at(out, (rows, flat.ravel()), 1)
    return out.reshape(*samples.shape[:-1], size)
