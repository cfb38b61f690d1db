"""The demand model of a forecast: a daily level per entry unit, with its own uncertainty.

The scenario gives each arrival stream its shape (rate, hour-of-week profile, changes); the
store's recent history gives the level. For each entry unit, the arrivals seen on each of the
last days (24-hour periods ending at the forecast origin; in counts mode, the daily
admissions) are divided by what the scenario expects on those days, and by the weekday
factor of that ratio (:mod:`.weekdays`: fewer admissions are counted at weekends than a
scenario may say; a trend read through a weekend unadjusted starts the week low). The log of
that ratio is the series a demand model fits. The days ahead are forecast at the week's
level: the scenario owns the shape of demand, the history only its level, and the weekday
pattern of counted admissions is mostly one of counting, which the census does not show
(HHS states: admissions up to 17% low at weekends, the census 1-3%). Each replication's
demand path is one draw of the ratio over the days ahead, applied to every Poisson stream
into the unit (:data:`MODELS`):

``trend`` (default)
    A local linear trend state-space model (``statsmodels`` ``UnobservedComponents``) on the
    log ratio, fitted by maximum likelihood: a level and a slope that both wander, plus
    day-to-day noise. Each replication draws its path from the predictive distribution: the
    level and slope of the first day ahead from their predicted distribution, then their
    future shocks (:mod:`.trend_paths`, vectorised over replications). The
    part of the day-to-day noise that Poisson counting explains (about ``1/count`` on the log
    scale) is taken out, since the simulation counts arrivals itself; the rest is drawn per
    day. The fan thus holds level uncertainty, trend uncertainty and extra-Poisson noise. When
    the model's own level forecasts of the last weeks missed by more than it said, the variance
    it lacked is added to the paths (:mod:`.level_errors`).
``level`` (used for ``trend`` when a unit has fewer than :data:`MIN_DAILY` arrivals a day)
    No trend: each replication draws its own constant ratio from the gamma posterior of the
    multiplier rule below (shape: arrivals seen plus a week of the scenario's; rate: the
    scenario's expected arrivals plus that week), so the fan holds the level's uncertainty.
``multiplier``
    The earlier rule, kept to compare: one constant ratio for every replication, shrunk toward
    1 as a gamma-Poisson posterior mean with one week of the scenario's demand as prior weight.
``scenario``
    The scenario's demand as it is.

Fewer than :data:`MIN_DAYS` days with expected demand fall back to ``multiplier`` (said so in
the diagnostics).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from hospitaltwin.forecast import level_errors, trend_paths

MODELS = ("trend", "multiplier", "scenario")
MIN_DAYS = 14
MIN_DAILY = 10.0
"""Mean arrivals a day below which the trend model is not fitted. The log of a count of a few
is far from normal (Poisson skewness ``1/sqrt(mean)``: 0.3 at ten a day, 0.7 at two), and a
maximum-likelihood fit to it takes counting noise for movement of the level or the slope:
on a stationary unit of two arrivals a day, paths drawn from such a fit spread to a hundred
times the level within two weeks. Such units get the gamma-Poisson level instead."""
BAND = 0.9


@dataclass(frozen=True)
class DailyHistory:
    """Arrivals of one entry unit per day (oldest first) and what the scenario expects.

    ``weekday_factors`` (Monday first) are what each weekday adds to the ratio beyond the
    scenario's own profile (:func:`~hospitaltwin.forecast.weekdays.weekday_factors`); the
    trend is fitted to the ratio without them. ``first_weekday`` is the weekday of the first
    day.
    """

    unit: str
    observed: np.ndarray
    expected: np.ndarray
    weekday_factors: np.ndarray | None = None
    first_weekday: int = 0

    def weekday_log(self, index: np.ndarray) -> np.ndarray:
        """Log weekday factor of history days ``index``."""
        if self.weekday_factors is None:
            return np.zeros(len(index))
        return np.log(self.weekday_factors)[(self.first_weekday + np.asarray(index)) % 7]

    def ratio_days(self) -> np.ndarray:
        """Days with expected demand (the only ones a ratio exists for)."""
        return np.flatnonzero((self.expected > 0) & np.isfinite(self.observed))


@dataclass
class DemandFit:
    """A fitted demand level for one entry unit: parameters, diagnostics and a path sampler."""

    unit: str
    model: str
    params: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)
    fitted: dict = field(default_factory=dict)
    first: int = 0
    _sampler: object = None

    def sample(self, days: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """``(n, days)`` ratios of demand to the scenario's for the days ahead.

        The trend model's paths carry the variance its own past errors show it lacks
        (:mod:`.level_errors`); ``diagnostics["level_errors"]`` records it.
        """
        if self._sampler is None:
            return np.full((n, days), float(self.params.get("multiplier", 1.0)))
        recalibration = self._sampler.recalibration(days)
        if recalibration is None:
            return self._sampler(days, n, rng, np.zeros(days))
        self.diagnostics["level_errors"] = recalibration
        return self._sampler(days, n, rng, np.array(recalibration["added_variance"]))

    def ratio_ahead(self, day: int, days: int) -> np.ndarray | None:
        """The point forecast of the ratio for the ``days`` days after history day ``day``.

        The model as fitted, filtered only to the end of history day ``day`` (index into the
        history, oldest first): what it would have forecast then. None when fewer than
        :data:`MIN_DAYS` days were behind it.
        """
        if self._sampler is None:
            return np.full(days, float(self.params.get("multiplier", 1.0)))
        return self._sampler.ahead(day - self.first, days)

    def summary(self) -> dict:
        """What ``summary.json`` records of this fit."""
        return {"model": self.model, "params": self.params, "diagnostics": self.diagnostics,
                "fitted": self.fitted}


def fit_demand(history: DailyHistory, model: str = "trend") -> DemandFit:
    """Fit the demand ``model`` (one of :data:`MODELS`) to one unit's daily history.

    Parameters
    ----------
    history : DailyHistory
        Observed and expected arrivals per day, oldest first, the last day ending at the origin.
    model : str
        ``trend``, ``multiplier`` or ``scenario``.

    Returns
    -------
    DemandFit
        With ``params`` (fitted parameters), ``diagnostics`` and ``fitted`` (the level over the
        history with its band, for the report).
    """
    if model not in MODELS:
        raise ValueError(f"demand model {model!r}: expected one of {', '.join(MODELS)}")
    if model == "scenario":
        return DemandFit(history.unit, "scenario", {"multiplier": 1.0})
    days = history.ratio_days()
    daily = _mean_daily(history, days)
    if model == "trend" and len(days) >= MIN_DAYS and daily < MIN_DAILY:
        return _fit_level(history, f"{daily:.1f} arrivals a day on average; the trend model needs "
                                   f"{MIN_DAILY:g}: gamma-Poisson level without a trend used")
    if model == "trend" and len(days) >= MIN_DAYS:
        fit = _fit_trend(history, days)
        if fit is not None:
            return fit
        reason = "the trend model's fit did not converge to finite values"
    else:
        reason = (f"{len(days)} day(s) of history with expected demand; the trend model needs "
                  f"{MIN_DAYS}")
    fit = _fit_multiplier(history)
    if model == "trend":
        fit.diagnostics["fallback"] = f"{reason}: multiplier rule used"
    return fit


def _mean_daily(history: DailyHistory, days: np.ndarray) -> float:
    """Mean arrivals a day over the last :data:`MIN_DAYS` days with expected demand."""
    recent = history.observed[days[-MIN_DAYS:]]
    return float(recent.mean()) if len(recent) else 0.0


def _gamma_posterior(history: DailyHistory) -> tuple[float, float, dict]:
    """Shape and rate of the ratio's gamma posterior (a week of the scenario's demand as prior
    weight), and what it was read from."""
    known = np.isfinite(history.observed)
    seen, mean = float(history.observed[known].sum()), float(history.expected[known].sum())
    hours = 24.0 * int(known.sum())
    prior = mean * 168.0 / hours if hours > 0 else 0.0
    read = {"observed": int(seen), "expected": round(mean, 2), "days": int(known.sum())}
    return seen + prior, mean + prior, read


def _fit_multiplier(history: DailyHistory) -> DemandFit:
    shape, rate, read = _gamma_posterior(history)
    multiplier = shape / rate if rate > 0 else 1.0
    return DemandFit(history.unit, "multiplier", {"multiplier": round(multiplier, 6)}, read)


def _fit_level(history: DailyHistory, reason: str) -> DemandFit:
    """The gamma-Poisson level: one ratio per replication from the gamma posterior (only for
    a history with :data:`MIN_DAYS` days of expected demand, so its shape and rate are > 0)."""
    shape, rate, read = _gamma_posterior(history)
    from scipy.stats import gamma

    lo, hi = (float(v) for v in gamma.ppf([(1 - BAND) / 2, (1 + BAND) / 2], shape, scale=1 / rate))
    mean = shape / rate
    diagnostics = {**read, "level_ratio": round(mean, 4), "level_ratio_band": [round(lo, 4), round(hi, 4)],
                   "level_per_day": round(mean * float(history.expected[-1]), 2), "band": BAND,
                   "fallback": reason}
    first = int(history.ratio_days()[0])
    expected = history.expected[first:]
    fitted = {"observed": json_floats(history.observed[first:]), "level": json_floats(mean * expected),
              "lo": json_floats(lo * expected), "hi": json_floats(hi * expected)}
    fit = DemandFit(history.unit, "level", {"multiplier": round(mean, 6), "shape": _sig(shape),
                                            "rate": _sig(rate)}, diagnostics, fitted, first=first)
    fit._sampler = _LevelSampler(shape, rate)
    return fit


class _LevelSampler:
    """Draws one constant ratio per replication from the gamma posterior of the level."""

    def __init__(self, shape: float, rate: float):
        self.shape, self.rate = shape, rate

    def __call__(self, days: int, n: int, rng: np.random.Generator, added: np.ndarray) -> np.ndarray:
        return np.repeat(rng.gamma(self.shape, 1.0 / self.rate, size=(n, 1)), days, axis=1)

    def recalibration(self, days: int) -> None:
        """No level forecasts to score: the level does not move."""
        return None

    def ahead(self, index: int, days: int) -> np.ndarray:
        return np.full(days, self.shape / self.rate)


def _log_ratio(history: DailyHistory, days: np.ndarray) -> np.ndarray:
    y = np.full(len(history.expected), np.nan)
    y[days] = np.log((history.observed[days] + 0.5) / history.expected[days]) - history.weekday_log(days)
    return y[days[0]:]


def _fit_trend(history: DailyHistory, days: np.ndarray) -> DemandFit | None:
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    y = _log_ratio(history, days)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = UnobservedComponents(y, "local linear trend").fit(disp=False)
    irregular, level_var, trend_var = (float(v) for v in result.params)
    if not (np.isfinite(result.params).all() and np.isfinite(result.llf)
            and np.isfinite(result.filtered_state[:, -1]).all()):
        return None
    counted = history.observed[days[-MIN_DAYS:]]
    poisson_var = float(np.mean(1.0 / np.maximum(counted, 0.5)))
    extra_var = max(irregular - poisson_var, 0.0)
    params = {"sigma2_irregular": irregular, "sigma2_level": level_var, "sigma2_trend": trend_var,
              "sigma2_poisson": poisson_var, "sigma2_extra": extra_var}
    fit = DemandFit(history.unit, "trend", {k: _sig(v) for k, v in params.items()},
                    _diagnostics(result, history, days), _fitted(result, history, days[0]),
                    first=int(days[0]))
    if history.weekday_factors is not None:
        fit.params["weekday_factors"] = [round(float(f), 4) for f in history.weekday_factors]
    fit._sampler = _TrendSampler(result, y, math.sqrt(extra_var))
    return fit


def _sig(value: float) -> float:
    return float(f"{value:.4g}")


class _TrendSampler:
    """Draws ratio paths from the fitted state-space model's predictive distribution."""

    def __init__(self, result, y: np.ndarray, extra_sd: float):
        self.result, self.y, self.extra_sd = result, y, extra_sd
        self._recalibrations: dict[int, dict] = {}

    def __call__(self, days: int, n: int, rng: np.random.Generator, added: np.ndarray) -> np.ndarray:
        _, level_var, trend_var = (float(v) for v in self.result.params)
        log_level = trend_paths.level_paths(self.result.predicted_state[:, -1],
                                            self.result.predicted_state_cov[:, :, -1],
                                            (level_var, trend_var), days, n, rng)
        noise = rng.normal(0.0, self.extra_sd, size=(n, days)) if self.extra_sd > 0 else 0.0
        walk = level_errors.random_walk(added, n, rng) if added.max(initial=0.0) > 0 else 0.0
        return np.exp(np.clip(log_level + walk + noise, -30.0, 30.0))

    def recalibration(self, days: int) -> dict:
        """The level's past error ratios by lead day and the variance added to the paths
        (computed once per horizon: paths are drawn in blocks, each asking again)."""
        if days not in self._recalibrations:
            self._recalibrations[days] = self._recalibration(days)
        return self._recalibrations[days]

    def _recalibration(self, days: int) -> dict:
        irregular, level_var, trend_var = (float(v) for v in self.result.params)
        shocks = np.diag([level_var, trend_var])
        ratios, counts = level_errors.error_ratios(
            self.y, self.result.filtered_state, self.result.filtered_state_cov, shocks, irregular, days,
            MIN_DAYS - 1)
        given = level_errors.window_variances(self.result.filtered_state_cov[:, :, -1], shocks, irregular, days)
        added = level_errors.added_variance(ratios, given)
        return {"error_ratio": json_floats(ratios), "errors": [int(c) for c in counts],
                "added_variance": [float(f"{v:.4g}") for v in added]}

    def ahead(self, index: int, days: int) -> np.ndarray | None:
        """Level plus slope times days ahead, from the state filtered to ``index``."""
        if index + 1 < MIN_DAYS or index >= self.result.filtered_state.shape[1]:
            return None
        level, slope = self.result.filtered_state[:, index]
        return np.exp(np.clip(level + slope * np.arange(1, days + 1), -30.0, 30.0))


def _diagnostics(result, history: DailyHistory, days: np.ndarray) -> dict:
    level, slope = result.filtered_state[:, -1]
    sd_level, sd_slope = np.sqrt(np.maximum(np.diag(result.filtered_state_cov[:, :, -1]), 0.0))
    z = _z(BAND)
    expected_today = float(history.expected[-1])
    out = {"days": len(days), "loglik": round(float(result.llf), 3),
           "aic": round(float(result.aic), 3),
           "level_ratio": round(math.exp(level), 4),
           "level_ratio_band": [round(math.exp(level - z * sd_level), 4),
                                round(math.exp(level + z * sd_level), 4)],
           "level_per_day": round(math.exp(level) * expected_today, 2),
           "trend_per_day": round(math.expm1(slope), 5),
           "trend_per_day_band": [round(math.expm1(slope - z * sd_slope), 5),
                                  round(math.expm1(slope + z * sd_slope), 5)],
           "band": BAND}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lb = result.test_serial_correlation("ljungbox", lags=[min(7, len(days) // 3)])
        if np.isfinite(lb[0, 1, -1]):
            out["ljung_box_p"] = round(float(lb[0, 1, -1]), 4)
    except (ValueError, np.linalg.LinAlgError, IndexError):
        pass
    return out


def _fitted(result, history: DailyHistory, first: int) -> dict:
    """The smoothed daily level (arrivals per day) over the history, with its band."""
    z = _z(BAND)
    level = result.smoothed_state[0]
    sd = np.sqrt(np.maximum(result.smoothed_state_cov[0, 0], 0.0))
    expected = history.expected[first:]
    return {"observed": json_floats(history.observed[first:]),
            "level": json_floats(_exp(level) * expected),
            "lo": json_floats(_exp(level - z * sd) * expected),
            "hi": json_floats(_exp(level + z * sd) * expected)}


def _exp(x: np.ndarray) -> np.ndarray:
    return np.exp(np.clip(x, -50.0, 50.0))


def json_floats(values: np.ndarray) -> list:
    """Values for JSON: rounded, None where not finite."""
    return [round(float(v), 3) if np.isfinite(v) else None for v in values]


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))
