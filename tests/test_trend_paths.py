"""The demand model's vectorised path draw is the fitted local linear trend's own simulation:
the same recursion as ``statsmodels``' ``simulate`` given the same draws, and the predictive
mean and variance the model gives each day ahead."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hospitaltwin.forecast import level_errors
from hospitaltwin.forecast.demand import DailyHistory, fit_demand
from hospitaltwin.forecast.trend_paths import level_paths, propagate

DAYS = 14


@pytest.fixture(scope="module")
def result():
    """A local linear trend fitted to 6 weeks of admissions rising 2% a day, with extra noise."""
    rng = np.random.default_rng(11)
    t = np.arange(42)
    observed = rng.poisson(40 * np.exp(0.02 * t + rng.normal(0, 0.05, 42))).astype(float)
    fit = fit_demand(DailyHistory("A", observed, np.full(42, 40.0)), "trend")
    assert fit.model == "trend"
    return fit._sampler.result


def test_the_recursion_is_statsmodels_own_given_the_same_draws(result):
    rng = np.random.default_rng(3)
    _, level_var, trend_var = result.params
    for _ in range(5):
        initial = rng.multivariate_normal(result.predicted_state[:, -1], result.predicted_state_cov[:, :, -1])
        shocks = rng.standard_normal((DAYS - 1, 2)) * np.sqrt([level_var, trend_var])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = result.simulate(DAYS, anchor="end", initial_state=initial,
                                     state_shocks=np.vstack([shocks, np.zeros((1, 2))]),
                                     measurement_shocks=np.zeros((DAYS, 1)))
        ours = propagate(initial[None, :], shocks[None, :, :])[0]
        assert ours == pytest.approx(np.asarray(theirs).ravel(), abs=1e-12)


def test_paths_have_the_models_predictive_mean_and_variance_on_every_day(result):
    n = 20_000
    _, level_var, trend_var = (float(v) for v in result.params)
    paths = level_paths(result.predicted_state[:, -1], result.predicted_state_cov[:, :, -1],
                        (level_var, trend_var), DAYS, n, np.random.default_rng(5))
    level, slope = result.filtered_state[:, -1]
    mean = level + slope * np.arange(1, DAYS + 1)
    variance = np.diag(level_errors.lead_covariance(result.filtered_state_cov[:, :, -1],
                                                    np.diag([level_var, trend_var]), DAYS))
    # 4 standard errors: of a mean sd/sqrt(n); of a normal sample's variance var*sqrt(2/(n-1))
    assert (np.abs(paths.mean(axis=0) - mean) < 4 * np.sqrt(variance / n)).all()
    assert (np.abs(paths.var(axis=0, ddof=1) / variance - 1) < 4 * np.sqrt(2 / (n - 1))).all()
    assert variance[-1] > 1.5 * variance[0]  # the test has power: the fan widens over the days


def test_one_day_ahead_and_no_paths_are_shaped_right(result):
    mean, cov = result.predicted_state[:, -1], result.predicted_state_cov[:, :, -1]
    assert level_paths(mean, cov, (0.0, 0.0), 1, 3, np.random.default_rng(1)).shape == (3, 1)
    assert level_paths(mean, cov, (0.0, 0.0), DAYS, 0, np.random.default_rng(1)).shape == (0, DAYS)
