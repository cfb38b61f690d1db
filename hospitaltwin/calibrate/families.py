"""Censored maximum-likelihood fits of the parametric duration laws.

A duration law (length of stay, ventilation time) is fitted to stays of which some are still
running when the log ends: those are right-censored, and contribute the log survival
``log S(t)`` to the likelihood instead of the log density ``log f(t)``. Each family is written
on unconstrained parameters (logs of shapes and scales, or ``mu`` for the lognormal), the data
are divided by their median before fitting so every optimisation sees numbers near one, and the
negative log-likelihood is minimised with Nelder--Mead. Standard errors come from the observed
information (a central-difference Hessian of the negative log-likelihood at the optimum), and
intervals for the mean and standard deviation from the delta method on their logarithms, so
they stay positive and are asymmetric the way small-sample intervals of a scale should be.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special, stats

from hospitaltwin.core.tstats import z_value

Frozen = stats.distributions.rv_frozen
_BIG = 1e100


@dataclass(frozen=True)
class Family:
    """A parametric law on unconstrained parameters ``theta``, scale multiplier ``s`` (hours).

    ``logpdf`` and ``logsf`` are closed forms on the unit scale (``s = 1``), written out with
    ``scipy.special`` because the likelihood is evaluated hundreds of times per fit; ``make``
    gives the same law as a ``scipy.stats`` distribution for everything else.
    """

    name: str
    make: Callable[[np.ndarray, float], Frozen]
    logpdf: Callable[[np.ndarray, np.ndarray], np.ndarray]
    logsf: Callable[[np.ndarray, np.ndarray], np.ndarray]
    start: Callable[[np.ndarray], np.ndarray]
    natural: Callable[[np.ndarray, float], dict[str, float]]

    @property
    def n_params(self) -> int:
        """Number of free parameters."""
        return 1 if self.name == "exponential" else 2


def _moments(x: np.ndarray) -> tuple[float, float]:
    mean = float(np.mean(x))
    cv = float(np.std(x) / mean) if x.size > 1 and mean > 0 else 1.0
    return mean, min(max(cv, 0.05), 5.0)


def _weibull_shape(cv: float) -> float:
    """Weibull shape whose coefficient of variation is ``cv``."""

    def gap(log_k: float) -> float:
        k = np.exp(log_k)
        g1, g2 = special.gamma(1 + 1 / k), special.gamma(1 + 2 / k)
        return np.sqrt(g2 / g1**2 - 1) - cv

    return float(np.exp(optimize.brentq(gap, np.log(0.1), np.log(50.0))))


def _start_exponential(x):
    return np.array([np.log(np.mean(x))])


def _start_lognormal(x):
    logs = np.log(x)
    return np.array([np.mean(logs), np.log(max(np.std(logs), 0.05))])


def _start_gamma(x):
    mean, cv = _moments(x)
    return np.array([-2 * np.log(cv), np.log(mean * cv * cv)])


def _start_weibull(x):
    mean, cv = _moments(x)
    k = _weibull_shape(cv)
    return np.array([np.log(k), np.log(mean / special.gamma(1 + 1 / k))])


_LOG_ROOT_2PI = 0.5 * np.log(2 * np.pi)


def _lognormal_logpdf(th, x):
    z = (np.log(x) - th[0]) / np.exp(th[1])
    return -np.log(x) - th[1] - _LOG_ROOT_2PI - 0.5 * z * z


def _gamma_logpdf(th, x):
    a, b = np.exp(th[0]), np.exp(th[1])
    return (a - 1) * np.log(x) - x / b - special.gammaln(a) - a * th[1]


def _weibull_logpdf(th, x):
    c, u = np.exp(th[0]), x / np.exp(th[1])
    return th[0] - th[1] + (c - 1) * np.log(u) - u**c


FAMILIES: dict[str, Family] = {
    "exponential": Family(
        "exponential",
        lambda th, s: stats.expon(scale=s * np.exp(th[0])),
        lambda th, x: -th[0] - x / np.exp(th[0]),
        lambda th, x: -x / np.exp(th[0]),
        _start_exponential,
        lambda th, s: {"mean_h": float(s * np.exp(th[0]))},
    ),
    "lognormal": Family(
        "lognormal",
        lambda th, s: stats.lognorm(s=np.exp(th[1]), scale=s * np.exp(th[0])),
        _lognormal_logpdf,
        lambda th, x: special.log_ndtr(-(np.log(x) - th[0]) / np.exp(th[1])),
        _start_lognormal,
        lambda th, s: {"mu_log_h": float(th[0] + np.log(s)), "sigma": float(np.exp(th[1]))},
    ),
    "gamma": Family(
        "gamma",
        lambda th, s: stats.gamma(a=np.exp(th[0]), scale=s * np.exp(th[1])),
        _gamma_logpdf,
        lambda th, x: np.log(special.gammaincc(np.exp(th[0]), x / np.exp(th[1]))),
        _start_gamma,
        lambda th, s: {"shape": float(np.exp(th[0])), "scale_h": float(s * np.exp(th[1]))},
    ),
    "weibull": Family(
        "weibull",
        lambda th, s: stats.weibull_min(c=np.exp(th[0]), scale=s * np.exp(th[1])),
        _weibull_logpdf,
        lambda th, x: -((x / np.exp(th[1])) ** np.exp(th[0])),
        _start_weibull,
        lambda th, s: {"shape": float(np.exp(th[0])), "scale_h": float(s * np.exp(th[1]))},
    ),
}
FAMILY_NAMES = tuple(FAMILIES)


@dataclass(frozen=True)
class ParametricFit:
    """A censored maximum-likelihood fit of one family, in hours.

    Attributes
    ----------
    family : str
        Family name.
    params : dict
        Natural parameters (durations in hours).
    mean, sd : float
        Mean and standard deviation of the fitted law, hours.
    mean_ci, sd_ci : tuple of float
        Delta-method intervals (on the log scale) at ``level``.
    loglik, aic, bic : float
        Log-likelihood (densities in 1/hours), ``2k - 2 loglik`` and ``k log n - 2 loglik``.
    n, n_events : int
        Observations and complete (uncensored) ones.
    """

    family: str
    params: dict[str, float]
    mean: float
    sd: float
    mean_ci: tuple[float, float]
    sd_ci: tuple[float, float]
    loglik: float
    aic: float
    bic: float
    n: int
    n_events: int
    level: float = 0.95
    theta: tuple[float, ...] = field(default=(), repr=False)
    scale: float = field(default=1.0, repr=False)

    def dist(self) -> Frozen:
        """The fitted law as a frozen ``scipy.stats`` distribution in hours."""
        return FAMILIES[self.family].make(np.asarray(self.theta), self.scale)


def negloglik(theta: np.ndarray, family: Family, x: np.ndarray, observed: np.ndarray) -> float:
    """Censored negative log-likelihood: ``-(sum log f(complete) + sum log S(censored))``."""
    with np.errstate(all="ignore"):
        total = family.logpdf(theta, x[observed]).sum() + family.logsf(theta, x[~observed]).sum()
    return float(-total) if np.isfinite(total) else _BIG


def _minimise(family: Family, x: np.ndarray, observed: np.ndarray) -> np.ndarray | None:
    start = family.start(x[observed])
    result = optimize.minimize(
        negloglik,
        start,
        args=(family, x, observed),
        method="Nelder-Mead",
        options={"xatol": 1e-9, "fatol": 1e-11, "maxiter": 4000, "maxfev": 8000},
    )
    if not np.isfinite(result.fun) or result.fun >= _BIG:
        return None
    return np.asarray(result.x)


def hessian(f: Callable[[np.ndarray], float], x: np.ndarray, step: float = 1e-3) -> np.ndarray:
    """Central-difference Hessian of ``f`` at ``x``."""
    n, out = x.size, np.empty((x.size, x.size))
    eye = np.eye(n) * step
    for i in range(n):
        for j in range(i, n):
            a, b = eye[i], eye[j]
            out[i, j] = out[j, i] = (f(x + a + b) - f(x + a - b) - f(x - a + b) + f(x - a - b)) / (
                4 * step * step
            )
    return out


def _log_moments(family: Family, theta: np.ndarray) -> np.ndarray:
    law = family.make(theta, 1.0)
    return np.log([law.mean(), law.std()])


def _delta_se(family: Family, theta: np.ndarray, cov: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """Standard errors of log mean and log sd by the delta method."""
    jac = np.empty((2, theta.size))
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = step
        jac[:, i] = (_log_moments(family, theta + e) - _log_moments(family, theta - e)) / (2 * step)
    return np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, cov, jac), 0, None))


def fit_family(
    durations_h: np.ndarray,
    observed: np.ndarray,
    family: str,
    level: float = 0.95,
) -> ParametricFit | None:
    """Fit one family to right-censored durations by maximum likelihood.

    Parameters
    ----------
    durations_h : array of float
        Durations in hours, all positive (time to the end, or to censoring).
    observed : array of bool
        True where the end was seen, False where the duration is censored.
    family : str
        One of :data:`FAMILY_NAMES`.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    ParametricFit or None
        None when there are too few complete durations for the family (fewer than one for
        the exponential, three for the two-parameter laws) or the optimisation fails.
    """
    fam = FAMILIES[family]
    t, obs = np.asarray(durations_h, float), np.asarray(observed, bool)
    if obs.sum() < (1 if fam.n_params == 1 else 3) or np.any(t <= 0):
        return None
    scale = float(np.median(t))
    x = t / scale
    theta = _minimise(fam, x, obs)
    if theta is None:
        return None
    return _summarise(fam, theta, x, obs, scale, level)


def _summarise(fam, theta, x, obs, scale, level) -> ParametricFit:
    nll = negloglik(theta, fam, x, obs)
    loglik = -nll - obs.sum() * np.log(scale)
    info = hessian(lambda th: negloglik(th, fam, x, obs), theta)
    try:
        cov = np.linalg.inv(info)
        se = _delta_se(fam, theta, cov) if np.all(np.linalg.eigvalsh(info) > 0) else None
    except np.linalg.LinAlgError:
        se = None
    mean, sd = np.exp(_log_moments(fam, theta)) * scale
    z = z_value(level)
    mean_ci = _log_ci(mean, se[0] if se is not None else np.nan, z)
    sd_ci = _log_ci(sd, se[1] if se is not None else np.nan, z)
    k, n = fam.n_params, x.size
    return ParametricFit(
        family=fam.name,
        params=fam.natural(theta, scale),
        mean=float(mean),
        sd=float(sd),
        mean_ci=mean_ci,
        sd_ci=sd_ci,
        loglik=float(loglik),
        aic=float(2 * k - 2 * loglik),
        bic=float(k * np.log(n) - 2 * loglik),
        n=int(n),
        n_events=int(obs.sum()),
        level=level,
        theta=tuple(float(v) for v in theta),
        scale=scale,
    )


def _log_ci(value: float, se_log: float, z: float) -> tuple[float, float]:
    if not np.isfinite(se_log):
        return (float("nan"), float("nan"))
    return (float(value * np.exp(-z * se_log)), float(value * np.exp(z * se_log)))
