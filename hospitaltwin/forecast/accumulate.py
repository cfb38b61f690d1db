"""Aggregate forecast replications as they arrive, in memory that does not grow with them.

Levels are small integers (beds occupied, devices needed), so each resource keeps a histogram
of its level at every hour: exact quantiles at the end, memory independent of the number of
replications. Each resource's histogram is as wide as its own largest level (a state-wide
network mixes 400-bed wards with 6-bed ICUs: one dense cube as wide as the largest would be
hundreds of megabytes). Probabilities are counts of replications at capacity (per hour, per day, and
"first full within X hours").
"""

from __future__ import annotations

import numpy as np

from hospitaltwin.forecast.summarise import ReplicationSummary, Resource

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class Accumulator:
    """Running totals over replications for every resource."""

    def __init__(self, resources: list[Resource], n_hours: int, n_days: int):
        self.resources, self.n = resources, 0
        k = len(resources)
        self._hours = np.arange(n_hours)
        self._set_widths(np.full(k, 8, dtype=np.int64))
        self.level_sum = np.zeros((k, n_hours))
        self.capacity_sum = np.zeros((k, n_hours))
        self.full_hours = np.zeros((k, n_hours), dtype=np.int64)
        self.full_days = np.zeros((k, n_days), dtype=np.int64)
        self.first_full: list[np.ndarray] = []

    def add(self, s: ReplicationSummary) -> None:
        """Fold one replication in: every resource's histogram with one indexed increment."""
        # in int64: a summary's levels may come as narrow unsigned integers (tops + 1 must not wrap)
        tops = s.level.max(axis=1, initial=0).astype(np.int64) if len(s.level) else np.zeros(0, dtype=np.int64)
        if (tops >= self._widths).any():
            self._set_widths(np.where(tops >= self._widths, np.maximum(tops + 1, 2 * self._widths),
                                      self._widths))
        # one count per resource and hour (unbuffered: half the time of an indexed +=)
        np.add.at(self._counts, (self._cells + s.level).ravel(), 1)
        self.level_sum += s.level
        self.capacity_sum += s.capacity
        self.full_hours += s.full_hour
        self.full_days += s.full_day
        self.first_full.append(s.first_full_h)
        self.n += 1

    @property
    def levels(self) -> list[np.ndarray]:
        """Per resource, its histogram ``(hour, level)`` (each as wide as its own largest level)."""
        size = len(self._hours)
        return [self._counts[a:a + size * w].reshape(size, w) for a, w in zip(self._starts, self._widths)]

    def _set_widths(self, widths: np.ndarray) -> None:
        """Lay the histograms out afresh in one buffer, ``widths[r]`` levels for resource ``r``
        (at least doubled when one grows, so that growing stays rare)."""
        old = self.levels if hasattr(self, "_counts") else []
        size = len(self._hours)
        self._widths = widths
        self._starts = np.cumsum(widths * size) - widths * size
        # where each resource's hour ``h`` at level 0 lies in the buffer (level ``l`` is ``+ l``)
        self._cells = self._starts[:, None] + self._hours * widths[:, None]
        dtype = self._counts.dtype if hasattr(self, "_counts") else np.int64
        self._counts = np.zeros(int((widths * size).sum()), dtype=dtype)
        for hist, new in zip(old, self.levels):
            new[:, :hist.shape[1]] = hist

    @property
    def hist(self) -> np.ndarray:
        """The histograms as one array ``(resource, hour, level)``, zero-padded to the widest."""
        width = max((h.shape[1] for h in self.levels), default=0)
        return np.stack([np.pad(h, ((0, 0), (0, width - h.shape[1]))) for h in self.levels]) \
            if self.levels else np.zeros((0, 0, 0), dtype=np.int64)

    def replace_levels(self, r: int, hist: np.ndarray) -> None:
        """Put ``hist`` ``(hour, level)`` in place of resource ``r``'s histograms.

        Weights may be fractional (a recalibrated forecast spreads each replication over
        several levels); every hour must still weigh :attr:`n` in all. The buffer turns to
        floats for them and resource ``r`` widens when ``hist`` is wider. The mean follows.
        """
        hist = np.asarray(hist, dtype=float)
        if self._counts.dtype != np.float64:
            self._counts = self._counts.astype(np.float64)
        if hist.shape[1] > self._widths[r]:
            widths = self._widths.copy()
            widths[r] = hist.shape[1]
            self._set_widths(widths)
        target = self.levels[r]  # a view into the buffer: writing it is what keeps the change
        target[:] = 0.0
        target[:, :hist.shape[1]] = hist
        self.level_sum[r] = hist @ np.arange(hist.shape[1])

    def quantiles(self, qs: tuple[float, ...] = QUANTILES) -> np.ndarray:
        """Lower quantiles ``(resource, hour, q)`` from the histograms (inverse of the CDF)."""
        out = []
        for hist in self.levels:
            cdf = np.cumsum(hist, axis=1) / self.n
            out.append(np.stack([np.argmax(cdf >= q - 1e-12, axis=1) for q in qs], axis=1))
        return np.stack(out) if out else np.zeros((0, 0, len(qs)), dtype=np.int64)

    def p_full_within(self, hours: float) -> np.ndarray:
        """Per resource: fraction of replications at capacity at some moment before ``hours``."""
        first = np.array(self.first_full)
        return (first < hours).mean(axis=0)
