"""Aggregate forecast replications as they arrive, in memory that does not grow with them.

Levels are small integers (beds occupied, devices needed), so each resource keeps a histogram
of its level at every hour: exact quantiles at the end, memory independent of the number of
replications. Probabilities are counts of replications at capacity (per hour, per day, and
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
        self.hist = np.zeros((k, n_hours, 8), dtype=np.int64)
        self.level_sum = np.zeros((k, n_hours))
        self.capacity_sum = np.zeros((k, n_hours))
        self.full_hours = np.zeros((k, n_hours), dtype=np.int64)
        self.full_days = np.zeros((k, n_days), dtype=np.int64)
        self.first_full: list[np.ndarray] = []

    def add(self, s: ReplicationSummary) -> None:
        """Fold one replication in."""
        top = int(s.level.max(initial=0))
        if top >= self.hist.shape[2]:
            self.hist = np.pad(self.hist, ((0, 0), (0, 0), (0, max(top + 1, 2 * self.hist.shape[2]) - self.hist.shape[2])))
        k, h = np.indices(s.level.shape)
        np.add.at(self.hist, (k, h, s.level), 1)
        self.level_sum += s.level
        self.capacity_sum += s.capacity
        self.full_hours += s.full_hour
        self.full_days += s.full_day
        self.first_full.append(s.first_full_h)
        self.n += 1

    def quantiles(self, qs: tuple[float, ...] = QUANTILES) -> np.ndarray:
        """Lower quantiles ``(resource, hour, q)`` from the histograms (inverse of the CDF)."""
        cdf = np.cumsum(self.hist, axis=2) / self.n
        return np.stack([np.argmax(cdf >= q - 1e-12, axis=2) for q in qs], axis=2)

    def p_full_within(self, hours: float) -> np.ndarray:
        """Per resource: fraction of replications at capacity at some moment before ``hours``."""
        first = np.array(self.first_full)
        return (first < hours).mean(axis=0)
