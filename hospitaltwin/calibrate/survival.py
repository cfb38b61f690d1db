"""Kaplan--Meier estimates for right-censored durations, and what is built on them.

The Kaplan--Meier curve is the nonparametric reference for every duration law: the fitted
laws are compared with it (the largest vertical distance between the fitted distribution
function and the Kaplan--Meier one, a Kolmogorov--Smirnov distance that stays honest under
censoring, where a KS test on the complete stays alone would compare against a sample biased
towards short stays), and the empirical law is made of its quantiles. Where the curve stops
short of zero (the longest stays still running at the end of the log), the tail beyond the
last complete stay is taken from a parametric law conditioned on lasting that long.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class KaplanMeier:
    """A Kaplan--Meier survival curve.

    Attributes
    ----------
    times : ndarray
        Distinct complete-duration times, increasing (hours).
    surv : ndarray
        Survival just after each of ``times``.
    at_risk, events : ndarray
        Number at risk and number of ends at each time.
    horizon : float
        Largest duration observed, complete or censored.
    """

    times: np.ndarray
    surv: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    horizon: float

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Right-continuous distribution function ``1 - S(x)``."""
        idx = np.searchsorted(self.times, np.asarray(x, float), side="right") - 1
        surv = np.where(idx >= 0, self.surv[np.clip(idx, 0, None)], 1.0)
        return 1.0 - surv

    def median(self) -> float:
        """Smallest time where survival drops to one half or below (NaN if it never does)."""
        below = np.nonzero(self.surv <= 0.5)[0]
        return float(self.times[below[0]]) if below.size else float("nan")

    def restricted_mean(self) -> float:
        """Area under the curve up to the last complete time (a lower bound of the mean)."""
        if self.times.size == 0:
            return float("nan")
        edges = np.concatenate([[0.0], self.times])
        heights = np.concatenate([[1.0], self.surv[:-1]])
        return float(np.sum(np.diff(edges) * heights))


def kaplan_meier(durations: np.ndarray, observed: np.ndarray) -> KaplanMeier:
    """Kaplan--Meier estimate (ends at a tied time are counted before censorings).

    Parameters
    ----------
    durations : array of float
        Durations, complete or censored.
    observed : array of bool
        True where the end was seen.

    Returns
    -------
    KaplanMeier
    """
    t, obs = np.asarray(durations, float), np.asarray(observed, bool)
    times, events = np.unique(t[obs], return_counts=True)
    at_risk = t.size - np.searchsorted(np.sort(t), times, side="left")
    surv = np.cumprod(1.0 - events / at_risk)
    return KaplanMeier(times, surv, at_risk, events, float(t.max()) if t.size else 0.0)


def ks_to_km(km: KaplanMeier, law: stats.distributions.rv_frozen) -> float:
    """Largest distance between a fitted law's CDF and the Kaplan--Meier CDF.

    Checked on both sides of every jump of the curve, up to its last complete time.
    """
    if km.times.size == 0:
        return float("nan")
    fitted = law.cdf(km.times)
    after = 1.0 - km.surv
    before = np.concatenate([[0.0], after[:-1]])
    return float(max(np.abs(fitted - after).max(), np.abs(fitted - before).max()))


def km_quantiles(
    km: KaplanMeier,
    probs: np.ndarray,
    tail: stats.distributions.rv_frozen | None = None,
) -> np.ndarray:
    """Quantiles of the Kaplan--Meier law, with a parametric tail past its last drop.

    Parameters
    ----------
    km : KaplanMeier
        The curve.
    probs : array of float
        Probabilities in (0, 1).
    tail : frozen distribution, optional
        Law used beyond the last complete time ``t_L`` where the curve stays above zero:
        ``S(t) = S_KM(t_L) * S_tail(t) / S_tail(t_L)``. Without it, those quantiles are the
        largest observed duration (the curve's support ends there).

    Returns
    -------
    ndarray
        Quantiles in hours.
    """
    probs = np.asarray(probs, float)
    cdf = 1.0 - km.surv
    idx = np.searchsorted(cdf, probs - 1e-12, side="left")
    inside = idx < km.times.size
    out = np.empty_like(probs)
    out[inside] = km.times[idx[inside]]
    if (~inside).any():
        out[~inside] = _tail_quantiles(km, probs[~inside], tail)
    return out


def _tail_quantiles(km: KaplanMeier, probs: np.ndarray, tail) -> np.ndarray:
    last = float(km.times[-1]) if km.times.size else 0.0
    if tail is None:
        return np.full(probs.shape, max(km.horizon, last))
    s_last = float(km.surv[-1]) if km.times.size else 1.0
    target = tail.sf(last) * (1.0 - probs) / s_last
    return np.maximum(tail.isf(target), last)
