"""Proper scores for count forecasts: CRPS, interval coverage, MAE of the median, Brier.

Forecasts of beds and devices are distributions over integers. The continuous ranked
probability score of such a forecast F for an outcome y is the sum over integers k of
(F(k) - 1{y <= k})^2 — the ranked probability score over every threshold — which equals
E|X - y| - E|X - X'|/2 and reduces to |x - y| for a point forecast. Lower is better for all
scores except coverage, which should be near the nominal level.
"""

from __future__ import annotations

import numpy as np


def crps_from_cdf(cdf: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """CRPS of integer forecasts given as CDFs ``(n, K)`` over 0..K-1, for outcomes ``(n,)``.

    Outcomes beyond the support are handled exactly: the CDF is 1 past K-1.
    """
    cdf = np.atleast_2d(cdf)
    outcome = np.asarray(outcome, dtype=np.int64)
    k = np.arange(cdf.shape[1])
    step = (k[None, :] >= outcome[:, None]).astype(float)
    inside = ((cdf - step) ** 2).sum(axis=1)
    beyond = np.clip(outcome - cdf.shape[1], 0, None)  # F = 1, step = 0 for K <= k < y
    return inside + beyond


def crps_from_samples(samples: np.ndarray, outcome: float) -> float:
    """CRPS of an empirical distribution (for checks and small baselines)."""
    samples = np.asarray(samples, dtype=float)
    return float(np.abs(samples - outcome).mean() - 0.5 * np.abs(samples[:, None] - samples[None, :]).mean())


def cdf_from_hist(hist: np.ndarray) -> np.ndarray:
    """CDFs from histograms of counts ``(n, K)``."""
    hist = np.atleast_2d(hist).astype(float)
    return np.cumsum(hist, axis=1) / hist.sum(axis=1, keepdims=True)


def quantile_from_cdf(cdf: np.ndarray, q: float) -> np.ndarray:
    """Lower ``q`` quantile of each CDF row."""
    return np.argmax(np.atleast_2d(cdf) >= q - 1e-12, axis=1)


def central_interval(cdf: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central ``level`` interval [q_(1-level)/2, q_(1+level)/2] of each CDF row."""
    return quantile_from_cdf(cdf, (1 - level) / 2), quantile_from_cdf(cdf, (1 + level) / 2)


def covered(lo: np.ndarray, hi: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Whether each outcome lies in its interval."""
    return (outcome >= lo) & (outcome <= hi)


def brier(probability: np.ndarray, happened: np.ndarray) -> np.ndarray:
    """Brier score of probability forecasts of events."""
    return (np.asarray(probability, float) - np.asarray(happened, float)) ** 2


def reliability(probability: np.ndarray, happened: np.ndarray, bins: int = 10) -> list[tuple]:
    """Rows ``(bin_lo, bin_hi, mean predicted, observed frequency, n)`` of non-empty bins."""
    probability, happened = np.asarray(probability, float), np.asarray(happened, float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(probability, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            rows.append((edges[b], edges[b + 1], float(probability[mask].mean()), float(happened[mask].mean()), int(mask.sum())))
    return rows


PINBALL_LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


def pinball_from_cdf(cdf: np.ndarray, outcome: np.ndarray, levels=PINBALL_LEVELS) -> np.ndarray:
    """Mean pinball (quantile) loss over ``levels`` of integer forecasts given as CDFs."""
    outcome = np.asarray(outcome, dtype=float)
    total = np.zeros(len(outcome))
    for q in levels:
        total += pinball(quantile_from_cdf(cdf, q), outcome, q)
    return total / len(levels)


def pinball(point: np.ndarray, outcome: np.ndarray, q: float) -> np.ndarray:
    """Pinball loss of the ``q`` quantile ``point`` for ``outcome``."""
    diff = np.asarray(outcome, float) - np.asarray(point, float)
    return np.maximum(q * diff, (q - 1) * diff)


def pit_histogram(cdf: np.ndarray, outcome: np.ndarray, bins: int = 10) -> np.ndarray:
    """Per outcome, the mass its PIT puts in each of ``bins`` equal bins of [0, 1] ``(n, bins)``.

    For a count forecast the PIT of ``y`` is uniform between F(y-1) and F(y) (the
    non-randomised PIT of Czado, Gneiting and Held, 2009): each outcome spreads one unit of
    mass over the bins that interval covers. Calibrated forecasts give a flat histogram.
    """
    cdf = np.atleast_2d(cdf)
    outcome = np.asarray(outcome, dtype=np.int64)
    K = cdf.shape[1]
    upper = np.where(outcome < K, cdf[np.arange(len(outcome)), np.clip(outcome, 0, K - 1)], 1.0)
    lower = np.where(outcome >= 1, np.where(outcome - 1 < K, cdf[np.arange(len(outcome)),
                                                                 np.clip(outcome - 1, 0, K - 1)], 1.0), 0.0)
    edges = np.linspace(0.0, 1.0, bins + 1)
    width = np.maximum(upper - lower, 1e-12)
    lo, hi = np.minimum(lower, upper), np.maximum(lower, upper)
    overlap = np.clip(np.minimum(hi[:, None], edges[None, 1:]) - np.maximum(lo[:, None], edges[None, :-1]), 0, None)
    point = (hi - lo) < 1e-12  # a point mass: the bin holding it
    out = overlap / width[:, None]
    if point.any():
        which = np.clip(np.searchsorted(edges, lo[point], side="right") - 1, 0, bins - 1)
        out[point] = 0.0
        out[np.flatnonzero(point), which] = 1.0
    return out
