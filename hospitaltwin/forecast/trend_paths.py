"""Paths of a local linear trend's level ahead, drawn for many replications at once.

The demand model (:mod:`.demand`) is a local linear trend fitted by ``statsmodels``: a level
and a slope that both wander,

    level[t+1] = level[t] + slope[t] + level shock,    slope[t+1] = slope[t] + slope shock.

A replication's demand path is one draw of the level over the days ahead from the fitted
model's predictive distribution: the state of the first day ahead from its predicted
distribution (mean and covariance after the last day of history), then the model's shocks.
That is what ``MLEResults.simulate(anchor="end")`` draws with the measurement noise off, but
``statsmodels`` runs its simulation smoother once per path, a Python-level loop of tens of
microseconds each; thousands of paths per entry unit made it a visible share of a forecast's
time. The recursion is linear, so here it is two cumulative sums over arrays of shocks. The
test suite checks it against ``simulate`` given the same initial states and shocks.
"""

from __future__ import annotations

import numpy as np


def level_paths(mean: np.ndarray, cov: np.ndarray, shock_var: tuple[float, float], days: int,
                n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, days)`` draws of the level on each day ahead.

    Parameters
    ----------
    mean, cov
        Predicted mean ``(2,)`` and covariance ``(2, 2)`` of (level, slope) on the first day
        ahead.
    shock_var
        Daily variances of the level and slope shocks.
    days, n, rng
        Days ahead, number of paths, and the random stream they are drawn from.
    """
    initial = rng.multivariate_normal(mean, cov, size=n)
    shocks = rng.standard_normal((n, max(days - 1, 0), 2)) * np.sqrt(np.maximum(shock_var, 0.0))
    return propagate(initial, shocks)


def propagate(initial: np.ndarray, shocks: np.ndarray) -> np.ndarray:
    """The level on each day from (level, slope) ``initial`` ``(n, 2)`` on the first day and
    the (level, slope) ``shocks`` ``(n, days - 1, 2)`` between days."""
    n, steps = shocks.shape[0], shocks.shape[1]
    slopes = initial[:, 1:2] + np.concatenate([np.zeros((n, 1)), np.cumsum(shocks[:, :, 1], axis=1)], axis=1)
    moves = slopes[:, :steps] + shocks[:, :, 0]
    return initial[:, 0:1] + np.concatenate([np.zeros((n, 1)), np.cumsum(moves, axis=1)], axis=1)
