"""Length of stay (or any duration) from right-censored observations, as a ``LosSpec``.

:func:`fit_los` fits every candidate family (exponential, lognormal, gamma, Weibull) by
censored maximum likelihood (:mod:`hospitaltwin.calibrate.families`), ranks them by AIC
(BIC reported too), measures each against the Kaplan--Meier curve, and returns the chosen law
as the demand file's ``LosSpec`` together with a report of every candidate. The empirical law
is always available: ``choice="empirical"`` writes Kaplan--Meier quantiles as ``samples_h``,
with the tail past the last complete stay taken from the best parametric fit. Durations shorter
than ``floor_h`` (default one minute, the usual resolution of ADT timestamps; zero-length stays
are common in real feeds) are raised to it and counted, since every candidate law lives on the
positive half-line; a warning is added when they are 1% or more of the complete durations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hospitaltwin.calibrate.families import FAMILY_NAMES, ParametricFit, fit_family
from hospitaltwin.calibrate.survival import KaplanMeier, kaplan_meier, km_quantiles, ks_to_km
from hospitaltwin.config.demand import LosSpec
from hospitaltwin.core.durations import format_hours

CHOICES = ("aic", "bic", "empirical", *FAMILY_NAMES)
MIN_STAYS = 30


@dataclass(frozen=True)
class LosReport:
    """Everything learnt while fitting one duration law.

    Attributes
    ----------
    n, n_events, n_censored, n_floored : int
        Durations, complete ones, censored ones, and complete ones raised to ``floor_h``
        (censored ones are raised too, silently: they carry next to no information).
    naive_mean_h : float
        Mean of the complete durations alone (biased low under censoring; shown for contrast).
    km_median_h, km_restricted_mean_h : float
        Kaplan--Meier median and area under the curve up to the last complete duration.
    candidates : tuple of ParametricFit
        Every family that could be fitted, best first by the selection criterion.
    ks_km : dict
        Family name to its largest CDF distance from the Kaplan--Meier curve.
    chosen : str
        Law written to the demand file.
    criterion : str
        ``"aic"``, ``"bic"`` or the forced choice.
    warnings : tuple of str
        Reasons not to trust this law blindly.
    """

    n: int
    n_events: int
    n_censored: int
    n_floored: int
    naive_mean_h: float
    km_median_h: float
    km_restricted_mean_h: float
    candidates: tuple[ParametricFit, ...]
    ks_km: dict[str, float]
    chosen: str
    criterion: str
    warnings: tuple[str, ...] = field(default=())

    def best(self) -> ParametricFit | None:
        """The chosen parametric fit, or the best-ranked one when the empirical law is chosen."""
        for fit in self.candidates:
            if fit.family == self.chosen:
                return fit
        return self.candidates[0] if self.candidates else None

    def to_dict(self) -> dict:
        """A JSON-ready summary."""
        best_aic = min((c.aic for c in self.candidates), default=float("nan"))
        return {
            "n": self.n,
            "n_events": self.n_events,
            "n_censored": self.n_censored,
            "n_floored": self.n_floored,
            "chosen": self.chosen,
            "criterion": self.criterion,
            "naive_mean_h": self.naive_mean_h,
            "km_median_h": self.km_median_h,
            "km_restricted_mean_h": self.km_restricted_mean_h,
            "candidates": [
                _fit_dict(c, self.ks_km.get(c.family), best_aic) for c in self.candidates
            ],
            "warnings": list(self.warnings),
        }


def _fit_dict(fit: ParametricFit, ks: float | None, best_aic: float) -> dict:
    return {
        "family": fit.family,
        "params": fit.params,
        "mean_h": fit.mean,
        "mean_ci95_h": list(fit.mean_ci),
        "sd_h": fit.sd,
        "sd_ci95_h": list(fit.sd_ci),
        "loglik": fit.loglik,
        "aic": fit.aic,
        "delta_aic": fit.aic - best_aic,
        "bic": fit.bic,
        "ks_km": ks,
    }


def fit_los(
    durations_h: Sequence[float] | np.ndarray,
    observed: Sequence[bool] | np.ndarray,
    *,
    choice: str = "aic",
    families: Sequence[str] = FAMILY_NAMES,
    empirical_points: int = 200,
    floor_h: float = 1 / 60,
    min_stays: int = MIN_STAYS,
    what: str = "stays",
) -> tuple[LosSpec, LosReport]:
    """Fit a duration law to right-censored durations and return it as a ``LosSpec``.

    Parameters
    ----------
    durations_h : array of float
        Durations in hours: to the end where ``observed``, to censoring otherwise.
    observed : array of bool
        True for a complete duration, False for a censored one.
    choice : str
        ``"aic"`` or ``"bic"`` (pick the family minimising it), ``"empirical"`` (Kaplan--Meier
        quantiles), or a family name to force it (where it cannot be fitted, too few complete
        durations, the best law that can is written, with a warning).
    families : sequence of str
        Candidate families.
    empirical_points : int
        Number of quantiles in an empirical law (at most the number of durations).
    floor_h : float
        Durations below this are raised to it.
    min_stays : int
        Fewer durations than this add a warning.
    what : str
        What the durations are, for warning texts ("stays", "episodes").

    Returns
    -------
    spec : LosSpec
        The law for the demand file, durations rounded (see :func:`duration_text`).
    report : LosReport
        Every candidate fit with its mean, sd, their 95% intervals, AIC, BIC and KS distance.
    """
    if choice not in CHOICES:
        raise ValueError(f"los choice is one of {', '.join(CHOICES)}; got {choice!r}")
    t, obs = np.asarray(durations_h, float), np.asarray(observed, bool)
    if t.size == 0:
        raise ValueError("no durations to fit")
    floored = int(np.sum((t < floor_h) & obs))
    t = np.maximum(t, floor_h)
    km = kaplan_meier(t, obs)
    tried = [f for f in (fit_family(t, obs, name) for name in families) if f is not None]
    fits = [f for f in tried if _plausible(f, t)]
    key = "bic" if choice == "bic" else "aic"
    fits.sort(key=lambda f: getattr(f, key))
    chosen = _chosen(choice, fits)
    report = LosReport(
        n=int(t.size),
        n_events=int(obs.sum()),
        n_censored=int((~obs).sum()),
        n_floored=floored,
        naive_mean_h=float(t[obs].mean()) if obs.any() else float("nan"),
        km_median_h=km.median(),
        km_restricted_mean_h=km.restricted_mean(),
        candidates=tuple(fits),
        ks_km={f.family: ks_to_km(km, f.dist()) for f in fits},
        chosen=chosen,
        criterion=choice,
        warnings=tuple(_warnings(t, obs, fits, floored, min_stays, what, choice, chosen)
                       + [f"the {f.family} fit is degenerate (mean {f.mean:.3g} h from at most "
                          f"{t.max():.3g} h observed) and was set aside" for f in tried if f not in fits]),
    )
    return _spec(report, km, t, obs, empirical_points), report


def _plausible(fit: ParametricFit, t: np.ndarray) -> bool:
    """A fit whose mean and sd are finite and within 20 times the longest observed duration.

    With a handful of stays a family can reach its optimum at a degenerate edge (a Weibull
    shape near zero) whose mean is astronomically large; such a law is not written.
    """
    limit = 20 * float(t.max())
    return bool(np.isfinite(fit.mean) and np.isfinite(fit.sd) and fit.mean <= limit and fit.sd <= limit)


def _chosen(choice: str, fits: list[ParametricFit]) -> str:
    """The law to write: a forced family falls back to the best fit when it cannot be fitted."""
    if choice == "empirical" or any(f.family == choice for f in fits):
        return choice
    return fits[0].family if fits else "exponential"


def _spec(report: LosReport, km: KaplanMeier, t, obs, points: int) -> LosSpec:
    if report.chosen == "empirical":
        best = report.best()
        return empirical_spec(km, points=min(points, t.size), tail=best.dist() if best else None)
    fit = report.best()
    if fit is None or fit.family != report.chosen:
        return exposure_spec(t, obs)
    return parametric_spec(fit)


def duration_text(hours: float) -> str:
    """Hours as a duration string: days to 0.001 d from two days up, else hours to 0.01 h."""
    hours = float(hours)
    if hours >= 48:
        return format_hours(round(hours / 24, 3) * 24)
    return format_hours(max(round(hours, 2), 0.01))


def parametric_spec(fit: ParametricFit) -> LosSpec:
    """The ``LosSpec`` of a parametric fit: ``mean`` and (except exponential) ``sd``."""
    if fit.family == "exponential":
        return LosSpec(dist="exponential", mean=duration_text(fit.mean))
    return LosSpec(dist=fit.family, mean=duration_text(fit.mean), sd=duration_text(fit.sd))


def exposure_spec(t: np.ndarray, obs: np.ndarray) -> LosSpec:
    """Exponential law with mean = time at risk / max(ends, 1), for too few complete durations.

    With no complete duration at all this is a lower bound of the mean, not an estimate.
    """
    return LosSpec(dist="exponential", mean=duration_text(t.sum() / max(int(obs.sum()), 1)))


def empirical_spec(km: KaplanMeier, points: int, tail=None) -> LosSpec:
    """Empirical law of ``points`` Kaplan--Meier quantiles at ``(i - 1/2) / points``."""
    probs = (np.arange(points) + 0.5) / points
    samples = np.round(km_quantiles(km, probs, tail), 2)
    return LosSpec(dist="empirical", samples_h=tuple(float(v) for v in samples))


def _warnings(t, obs, fits, floored, min_stays, what, choice, chosen) -> list[str]:
    out = []
    if choice not in ("aic", "bic", chosen):
        out.append(f"the {choice} law could not be fitted; {chosen} is written instead")
    if t.size < min_stays:
        out.append(f"only {t.size} {what} (fewer than {min_stays}): the law is a rough guide")
    if obs.sum() == 0:
        out.append(f"no complete {what}: the exponential mean is a lower bound (time at risk)")
    elif obs.sum() < 3:
        out.append(
            f"only {int(obs.sum())} complete {what}: only an exponential law could be fitted"
        )
    if t.size and (~obs).mean() > 0.5:
        out.append(f"{(~obs).mean():.0%} of {what} are censored: the tail rests on the fitted law")
    if floored and floored >= 0.01 * obs.sum():
        out.append(
            f"{floored} complete {what} ({floored / obs.sum():.0%}) were shorter than "
            "a minute and raised to one minute"
        )
    if fits and not np.isfinite(fits[0].mean_ci[0]):
        out.append("the information matrix is singular at the optimum: no interval for the mean")
    return out
