"""Routing: where patients go when they leave a unit, with counts and intervals.

Only stays whose end was seen inside the window count (a censored stay's destination is
unknown, and dropping it does not bias the split as long as destinations do not depend on
how long the stay has lasted, the same assumption the engine makes by drawing the next unit
independently of the length of stay). Each branch (another unit, ``discharge`` or ``death``)
gets its count, its share and a Wilson 95% interval; the shares written to the demand file are
rounded to four decimals with largest-remainder rounding so they add up to exactly one.
Destinations that are neither outcomes nor units with stays in the window (e.g. a unit outside
the calibrated set) cannot be routed to, so those stays are set aside and counted.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import pandas as pd

from hospitaltwin.calibrate.intervals import round_to_sum
from hospitaltwin.config.demand import OUTCOMES
from hospitaltwin.core.tstats import wilson

MIN_STAYS, MIN_BRANCH = 30, 5


@dataclass(frozen=True)
class Branch:
    """One destination: how many went there, the share, the written share and its interval."""

    target: str
    count: int
    p: float
    written: float
    ci95: tuple[float, float]


@dataclass(frozen=True)
class RoutingReport:
    """Routing out of one unit.

    Attributes
    ----------
    unit : str
        The unit left.
    n : int
        Completed stays used.
    n_censored : int
        Stays still open at the end of the window (destination unknown).
    n_unroutable : int
        Stays whose destination is not a calibrated unit or an outcome.
    branches : tuple of Branch
        Destinations, most frequent first.
    """

    unit: str
    n: int
    n_censored: int
    n_unroutable: int
    branches: tuple[Branch, ...]
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        """A JSON-ready summary."""
        return {
            "n": self.n,
            "n_censored": self.n_censored,
            "n_unroutable": self.n_unroutable,
            "branches": {
                b.target: {"count": b.count, "p": b.p, "written": b.written, "ci95": list(b.ci95)}
                for b in self.branches
            },
            "warnings": list(self.warnings),
        }


def fit_routing(
    unit: str,
    next_values: pd.Series,
    units: Collection[str],
    *,
    min_stays: int = MIN_STAYS,
    min_branch: int = MIN_BRANCH,
) -> tuple[dict[str, float], RoutingReport]:
    """Routing probabilities out of ``unit``.

    Parameters
    ----------
    unit : str
        The unit.
    next_values : Series of str
        ``next`` of the unit's stays in the window; missing where censored.
    units : collection of str
        Units that can be routed to (those with stays in the window).
    min_stays, min_branch : int
        Fewer completed stays, or fewer stays in a branch, add a warning.

    Returns
    -------
    next : dict of str to float
        The demand file's ``next`` mapping, adding up to exactly one (``{"discharge": 1.0}``
        with a warning when no stay was completed).
    report : RoutingReport
    """
    known = next_values.dropna().astype(str)
    routable = known[known.isin(OUTCOMES) | known.isin(list(units))]
    counts = (
        routable.value_counts(sort=False).sort_index().sort_values(ascending=False, kind="stable")
    )
    n = int(counts.sum())
    written = round_to_sum(counts.to_dict()) if n else {"discharge": 1.0}
    branches = tuple(
        Branch(str(t), int(c), c / n, written[t], wilson(int(c), n)) for t, c in counts.items()
    )
    report = RoutingReport(
        unit=unit,
        n=n,
        n_censored=int(next_values.isna().sum()),
        n_unroutable=int(known.size - routable.size),
        branches=branches,
        warnings=tuple(_warnings(n, branches, known.size - routable.size, min_stays, min_branch)),
    )
    return written, report


def _warnings(n, branches, unroutable, min_stays, min_branch) -> list[str]:
    out = []
    if n == 0:
        out.append("no completed stays: routing defaults to discharge")
    elif n < min_stays:
        out.append(f"only {n} completed stays (fewer than {min_stays}): routing shares are rough")
    thin = [f"{b.target} ({b.count})" for b in branches if b.count < min_branch]
    if thin:
        out.append(f"branches with fewer than {min_branch} stays: {', '.join(thin)}")
    if unroutable:
        out.append(
            f"{unroutable} stays went to destinations outside the calibrated units; set aside"
        )
    return out
