"""Duration laws (length of stay, equipment use, delays) with fast scalar inverse CDFs.

Each law turns one uniform into a duration in hours (``ppf``), so a patient's own random
numbers decide their stay whatever else happens (common random numbers). ``residual`` draws
the remaining stay of a patient who has already stayed ``elapsed`` hours: LOS | LOS > elapsed,
by inverting the survival function from the tail for numerical accuracy. Parameters follow
the demand file: ``mean`` and ``sd`` (or ``cv``) in hours.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from statistics import NormalDist

import numpy as np

_TINY = 1e-300
_HIGHEST = 1 - 1e-16

try:  # the C function behind NormalDist.inv_cdf, without its argument checks (4x faster)
    from statistics import _normal_dist_inv_cdf as normal_quantile
except ImportError:  # pragma: no cover - a Python without it: the public method, same numbers

    def normal_quantile(p: float, mu: float, sigma: float) -> float:
        return mu + sigma * NormalDist().inv_cdf(p)


class Law:
    """A non-negative duration law. Subclasses define ``isf`` and ``sf`` (scalar, hours)."""

    mean: float
    var: float

    def ppf(self, u: float) -> float:
        """Quantile at ``u`` in [0, 1)."""
        return self.isf(1.0 - u)

    def isf(self, q: float) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def sf(self, x: float) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def residual(self, u: float, elapsed: float) -> float:
        """Remaining duration given the duration already exceeds ``elapsed`` hours."""
        if elapsed <= 0:
            return self.ppf(u)
        survival = self.sf(elapsed)
        if survival <= _TINY:
            return self.beyond_support(u, elapsed)
        return max(self.isf((1.0 - u) * survival) - elapsed, 0.0)

    def beyond_support(self, u: float, elapsed: float) -> float:
        """Remaining time when ``elapsed`` is past anything the law allows: none."""
        return 0.0

    def equilibrium(self, u: float) -> float:
        """Remaining stay of a patient found in a bed at a random moment of steady state.

        Its density is S(x) / mean (the equilibrium or stationary-excess law), used when only
        a census count is known, not how long each patient has stayed. Inverted numerically
        on a grid of the integrated survival function, built once per law.
        """
        grid, cumulative = self._equilibrium_table()
        return float(np.interp(u * cumulative[-1], cumulative, grid))

    def _equilibrium_table(self) -> tuple[np.ndarray, np.ndarray]:
        table = getattr(self, "_eq_table", None)
        if table is None:
            top = self.ppf(1 - 1e-7) if self.var > 0 else self.mean
            grid = np.linspace(0.0, max(top, 1e-9), 4001)
            survival = np.array([self.sf(x) for x in grid])
            steps = (survival[1:] + survival[:-1]) / 2 * np.diff(grid)
            table = self._eq_table = (grid, np.concatenate(([0.0], np.cumsum(steps))))
        return table

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` independent draws (for tests and analysis, not the engine's hot path)."""
        return np.array([self.ppf(u) for u in rng.random(size)])


class Exponential(Law):
    def __init__(self, mean: float):
        self.mean, self.var = mean, mean * mean

    def ppf(self, u: float) -> float:
        return -self.mean * math.log(max(1.0 - u, _TINY))

    def isf(self, q: float) -> float:
        return -self.mean * math.log(max(q, _TINY))

    def sf(self, x: float) -> float:
        return math.exp(-x / self.mean)

    def residual(self, u: float, elapsed: float) -> float:
        return self.ppf(u)  # memoryless

    def equilibrium(self, u: float) -> float:
        return self.ppf(u)  # memoryless


class Lognormal(Law):
    def __init__(self, mean: float, sd: float):
        self.sigma = math.sqrt(math.log1p((sd / mean) ** 2))
        self.mu = math.log(mean) - self.sigma**2 / 2
        self.mean, self.var = mean, sd * sd

    def ppf(self, u: float) -> float:
        if u < _TINY:
            u = _TINY
        elif u > _HIGHEST:
            u = _HIGHEST
        return math.exp(normal_quantile(u, self.mu, self.sigma))  # exp(mu + sigma * z_u)

    def isf(self, q: float) -> float:
        q = min(max(q, _TINY), _HIGHEST)
        return math.exp(self.mu - self.sigma * normal_quantile(q, 0.0, 1.0))

    def sf(self, x: float) -> float:
        if x <= 0:
            return 1.0
        return 0.5 * math.erfc((math.log(x) - self.mu) / (self.sigma * math.sqrt(2)))


class Gamma(Law):
    def __init__(self, mean: float, sd: float):
        from scipy import special  # imported only when a gamma law is used (slow import)

        self._inv, self._sf = special.gammainccinv, special.gammaincc
        self.shape, self.scale = (mean / sd) ** 2, sd * sd / mean
        self.mean, self.var = mean, sd * sd

    def isf(self, q: float) -> float:
        return float(self._inv(self.shape, min(max(q, _TINY), 1.0))) * self.scale

    def sf(self, x: float) -> float:
        return float(self._sf(self.shape, max(x, 0.0) / self.scale))

    def __reduce__(self):
        return Gamma, (self.mean, math.sqrt(self.var))


class Weibull(Law):
    def __init__(self, mean: float, sd: float):
        self.shape = _weibull_shape(sd / mean)
        self.scale = mean / math.gamma(1 + 1 / self.shape)
        self.mean, self.var = mean, sd * sd

    def isf(self, q: float) -> float:
        return self.scale * (-math.log(max(q, _TINY))) ** (1 / self.shape)

    def sf(self, x: float) -> float:
        return math.exp(-((max(x, 0.0) / self.scale) ** self.shape))


def _weibull_shape(cv: float) -> float:
    """The Weibull shape k with coefficient of variation ``cv``."""

    def gap(k: float) -> float:
        return math.exp(math.lgamma(1 + 2 / k) - 2 * math.lgamma(1 + 1 / k)) - 1 - cv * cv

    lo, hi = 0.05, 500.0  # gap falls as k grows: bisection to full precision
    for _ in range(200):
        mid = (lo + hi) / 2
        if gap(mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


class Fixed(Law):
    def __init__(self, value: float):
        self.mean, self.var = value, 0.0

    def isf(self, q: float) -> float:
        return self.mean

    def sf(self, x: float) -> float:
        return 1.0 if x < self.mean else 0.0

    def residual(self, u: float, elapsed: float) -> float:
        return max(self.mean - elapsed, 0.0)


class Empirical(Law):
    """Resample the observed durations; past the largest one, an exponential tail."""

    def __init__(self, samples: tuple[float, ...]):
        self.values = sorted(float(v) for v in samples)
        array = np.asarray(self.values)
        self.mean, self.var = float(array.mean()), float(array.var())
        top = array[array >= np.quantile(array, 0.9)]
        self.tail_mean = max(float(np.mean(top - top.min())), 1.0)

    def ppf(self, u: float) -> float:
        return self.values[min(int(u * len(self.values)), len(self.values) - 1)]

    def isf(self, q: float) -> float:
        return self.ppf(1.0 - q)

    def sf(self, x: float) -> float:
        return 1.0 - bisect_right(self.values, x) / len(self.values)

    def residual(self, u: float, elapsed: float) -> float:
        first = bisect_right(self.values, elapsed)
        longer = len(self.values) - first
        if longer == 0:
            return self.beyond_support(u, elapsed)
        return self.values[first + min(int(u * longer), longer - 1)] - elapsed

    def beyond_support(self, u: float, elapsed: float) -> float:
        return -self.tail_mean * math.log(max(1.0 - u, _TINY))
