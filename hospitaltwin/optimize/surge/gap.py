"""How far a surge plan may be from the best plan for the twin's demand: the SAA optimality gap.

The plan minimises the average cost over ``S`` demand paths (sample-average approximation,
SAA). The MIP's own gap (0% when SCIP proves optimality) says only that no better plan exists
*for those paths*; on other paths another plan may win, which is why a plan can change with
the number of paths. Mak, Morton and Wood's multiple replications procedure (MRP, 1999)
estimates the gap to the true optimum: draw ``G`` batches of ``m`` demand paths, independent
of the paths the plan came from; on each batch ``g`` solve the SAA problem (value ``v*_g``)
and price the plan (``f_g``). Every ``G_g = f_g - v*_g`` is >= 0, and because the expected
SAA optimum is at most the true optimum (``E v*_m <= z*``), the mean of ``G_g`` over-estimates
the plan's true gap ``f(plan) - z*``: its one-sided 95% t upper bound is a conservative
confidence bound. The same batches bound the best achievable expected cost from below (mean
of ``v*_g``, whose expectation is <= ``z*``) and estimate the plan's own expected cost (mean of
``f_g``, an unbiased estimate). A batch solve that stops at a limit contributes its dual
bound, so every bound stays valid. How often a batch's best plan is the plan itself says how
settled the choice is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from hospitaltwin.core.tstats import t_quantile
from hospitaltwin.optimize.surge.data import SurgeData
from hospitaltwin.optimize.surge.model import SolveSettings, plan_value
from hospitaltwin.optimize.surge.solve import solve_plan

CONFIDENCE = 0.95


@dataclass(frozen=True)
class SaaGap:
    """The MRP estimate for one plan: per batch, the plan's value, the batch optimum and
    whether the batch's best plan is the plan itself."""

    plan_values: np.ndarray
    optima: np.ndarray
    same_plan: np.ndarray
    batch_paths: int

    @property
    def batches(self) -> int:
        """Number of batches ``G``."""
        return len(self.optima)

    @property
    def gaps(self) -> np.ndarray:
        """``G_g = f_g(plan) - v*_g`` (never negative up to rounding)."""
        return np.maximum(self.plan_values - self.optima, 0.0)

    def upper(self, values: np.ndarray) -> float:
        """One-sided upper 95% t bound of the mean of ``values`` over batches."""
        if len(values) < 2:
            return math.inf
        return float(values.mean() + t_quantile(CONFIDENCE, len(values) - 1) * values.std(ddof=1)
                     / math.sqrt(len(values)))

    def interval(self, values: np.ndarray) -> tuple[float, float]:
        """Two-sided 95% t interval of the mean of ``values`` over batches."""
        if len(values) < 2:
            return -math.inf, math.inf
        half = t_quantile(0.5 + CONFIDENCE / 2, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
        return float(values.mean() - half), float(values.mean() + half)

    @property
    def gap(self) -> float:
        """The point estimate of the plan's optimality gap (currency, conservative)."""
        return float(self.gaps.mean())

    @property
    def gap_upper(self) -> float:
        """Its one-sided 95% upper confidence bound."""
        return self.upper(self.gaps)

    @property
    def plan_cost(self) -> float:
        """The plan's expected cost (unmet demand plus beds), estimated on the batches."""
        return float(self.plan_values.mean())

    def relative(self, value: float) -> float:
        """``value`` as a share of the plan's expected cost."""
        return value / self.plan_cost if self.plan_cost > 0 else (0.0 if value <= 0 else math.inf)

    def report(self) -> dict:
        """The estimate as ``solve.json``'s ``saa`` entry (currency and shares of the plan's cost)."""
        lower = self.interval(self.optima)
        cost = self.interval(self.plan_values)
        return {
            "method": "multiple replications procedure (Mak, Morton and Wood 1999)",
            "batches": self.batches, "batch_paths": self.batch_paths, "confidence": CONFIDENCE,
            "gap": self.gap, "gap_upper": self.gap_upper,
            "gap_relative": self.relative(self.gap), "gap_upper_relative": self.relative(self.gap_upper),
            "plan_cost": {"mean": self.plan_cost, "ci95": list(cost)},
            "lower_bound": {"mean": float(self.optima.mean()), "ci95": list(lower)},
            "same_plan_batches": int(self.same_plan.sum()),
        }


def batches(data: SurgeData, size: int) -> list[SurgeData]:
    """``data`` split into batches of ``size`` consecutive paths (a last short batch is dropped)."""
    count = data.paths // size
    return [replace(data, shortfall=data.shortfall[g * size:(g + 1) * size]) for g in range(count)]


def estimate_gap(beds: np.ndarray, batch_data: Iterable[SurgeData],
                 settings: SolveSettings = SolveSettings()) -> SaaGap:
    """The MRP estimate of the gap of plan ``beds[o, d]`` on independent batches of paths.

    Each batch must hold paths the plan was not optimised on, with the same options and days.
    """
    values, optima, same, size = [], [], [], 0
    for data in batch_data:
        best = solve_plan(data, settings)
        values.append(plan_value(data, beds))
        optima.append(min(best.objective, best.bound))
        same.append(bool(np.array_equal(best.beds, beds)))
        size = data.paths
    return SaaGap(np.array(values), np.array(optima), np.array(same), size)
