"""Length-of-stay fits: recovery of known laws under right-censoring, selection, empirical law."""

import numpy as np
import pytest
from calib_synth import censored_sample, weibull_shape
from scipy import special

from hospitaltwin.calibrate.families import FAMILY_NAMES, fit_family
from hospitaltwin.calibrate.los import fit_los

MEAN, CV, N, CENSORED = 96.0, 0.8, 2000, 0.30


def true_sd(family: str) -> float:
    return MEAN if family == "exponential" else MEAN * CV


def cv_of(family):
    return 1.0 if family == "exponential" else CV


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_censored_fit_recovers_mean_and_picks_family(family):
    t, obs, _ = censored_sample(family, MEAN, cv_of(family), N, CENSORED, seed=11)
    assert 0.25 < 1 - obs.mean() < 0.35
    spec, report = fit_los(t, obs)
    assert report.chosen == family, [(f.family, f.aic) for f in report.candidates]
    fit = report.best()
    lo, hi = fit.mean_ci
    assert lo < MEAN < hi
    assert (hi - lo) / 2 < 0.15 * MEAN
    assert fit.sd_ci[0] < true_sd(family) < fit.sd_ci[1]
    assert spec.dist == family and spec.mean == pytest.approx(fit.mean, abs=0.01)
    assert report.ks_km[family] < 0.03


def test_naive_mean_is_biased_low_and_censored_mle_is_not():
    t, obs, truth = censored_sample("lognormal", MEAN, CV, N, CENSORED, seed=3)
    _, report = fit_los(t, obs, choice="lognormal")
    fit = report.best()
    naive = t[obs].mean()
    assert naive < 0.85 * MEAN and naive < fit.mean_ci[0]
    assert fit.mean_ci[0] < MEAN < fit.mean_ci[1]
    uncensored_only = fit_family(t[obs], np.ones(obs.sum(), bool), "lognormal")
    assert uncensored_only.mean_ci[1] < MEAN  # ignoring censoring misses the truth
    assert report.naive_mean_h == pytest.approx(naive)


def test_information_criteria_and_ks_separate_wrong_laws():
    t, obs, _ = censored_sample("lognormal", MEAN, 1.2, N, CENSORED, seed=5)
    _, report = fit_los(t, obs, choice="bic")
    assert report.chosen == "lognormal"
    by = {f.family: f for f in report.candidates}
    assert by["exponential"].aic - by["lognormal"].aic > 20
    assert report.ks_km["exponential"] > 3 * report.ks_km["lognormal"]
    assert by["lognormal"].bic - by["lognormal"].aic == pytest.approx(2 * (np.log(N) - 2))


def test_empirical_law_follows_kaplan_meier_with_parametric_tail():
    t, obs, truth = censored_sample("gamma", MEAN, CV, N, 0.4, seed=8)
    spec, report = fit_los(t, obs, choice="empirical", empirical_points=400)
    samples = np.array(spec.samples_h)
    assert spec.dist == "empirical" and samples.size == 400
    assert np.all(np.diff(samples) >= 0)
    assert abs(samples.mean() - MEAN) < 0.06 * MEAN
    assert abs(np.median(samples) - np.median(truth)) < 0.06 * MEAN
    assert samples.max() > t[obs].max()  # the tail past the last complete stay is filled
    assert report.km_restricted_mean_h < MEAN


def test_forced_family_and_weibull_parameters():
    t, obs, _ = censored_sample("weibull", MEAN, CV, N, CENSORED, seed=2)
    spec, report = fit_los(t, obs, choice="weibull")
    k = report.best().params["shape"]
    assert abs(k - weibull_shape(CV)) < 0.08
    scale = MEAN / special.gamma(1 + 1 / weibull_shape(CV))
    assert abs(report.best().params["scale_h"] - scale) < 0.05 * scale


def test_thin_and_degenerate_data_warn():
    spec, report = fit_los([5.0, 6.0], [False, False])
    assert spec.dist == "exponential" and spec.mean == 11.0
    assert any("no complete stays" in w for w in report.warnings)
    assert any("fewer than 30" in w for w in report.warnings)
    spec, report = fit_los([0.0, 2.0, 3.0, 4.0, 5.0], [True] * 5)
    assert report.n_floored == 1 and any("shorter than a minute" in w for w in report.warnings)
    with pytest.raises(ValueError, match="los choice"):
        fit_los([1.0], [True], choice="normal")
    spec, report = fit_los([5.0, 6.0, 7.0], [True, True, False], choice="gamma")
    assert spec.dist == "exponential" and "gamma law could not be fitted" in report.warnings[0]


def test_enough_data_gives_no_warning():
    t, obs, _ = censored_sample("gamma", MEAN, CV, 300, 0.2, seed=4)
    _, report = fit_los(t, obs)
    assert report.warnings == ()


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_mean_interval_coverage_and_selection_rate(family):
    """Over many seeds, the 95% interval covers the truth about 95% of the time."""
    covered, picked, reps = 0, 0, 200
    for seed in range(reps):
        t, obs, _ = censored_sample(family, MEAN, cv_of(family), 1000, CENSORED, seed=1000 + seed)
        fit = fit_family(t, obs, family)
        covered += fit.mean_ci[0] < MEAN < fit.mean_ci[1]
    for seed in range(40):
        t, obs, _ = censored_sample(family, MEAN, cv_of(family), N, CENSORED, seed=5000 + seed)
        picked += fit_los(t, obs)[1].chosen == family
    assert 0.90 <= covered / reps <= 0.99, covered / reps
    # nested laws: an exponential truth loses to gamma/Weibull when chance beats the AIC penalty
    assert picked / 40 >= (0.7 if family == "exponential" else 0.8), picked / 40
