"""Does a unit's fitted stay law fit its stays? A Kolmogorov–Smirnov check against Kaplan–Meier.

The calibration keeps, for the chosen law, its largest distance from the Kaplan–Meier curve of
the unit's stays (``ks_km``: the sup over time of |fitted CDF − KM CDF|). Under the law the
distance of ``n`` complete stays stays below the KS critical value ``c(α) / (√n + 0.12 +
0.11/√n)`` (Stephens' form; ``c(0.05) = 1.358``) with probability 1 − α. Two things make that
bound conservative here, so a flag is not raised lightly: ``n`` counts only the complete stays
(open stays carry less information than complete ones, so the effective sample is at least
that), and the law's parameters were estimated from the same stays (which makes the distance
smaller than for a law fixed in advance). A law beyond the critical value fails the check; it
is a *poor* fit when the distance also exceeds :data:`POOR` (five percentage points of the share
of stays still in the unit), a visible misfit rather than one only a large sample can detect.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hospitaltwin.report.numformat import duration, num

C_05 = 1.358
POOR = 0.05


@dataclass(frozen=True)
class StayFit:
    """The check of one unit's chosen stay law."""

    unit: str
    law: str
    n: int
    distance: float
    fitted_mean_h: float | None
    km_mean_h: float | None

    @property
    def critical(self) -> float:
        """The 5% critical value of the distance for ``n`` complete stays."""
        root = math.sqrt(max(self.n, 1))
        return C_05 / (root + 0.12 + 0.11 / root)

    @property
    def fails(self) -> bool:
        """Whether the distance is beyond its 5% critical value."""
        return math.isfinite(self.distance) and self.distance > self.critical

    @property
    def poor(self) -> bool:
        """A failed check with a visible misfit (distance above :data:`POOR`)."""
        return self.fails and self.distance > POOR

    def verdict(self) -> str:
        """``poor fit``, ``detectable misfit`` or ``fits``."""
        return "poor fit" if self.poor else "detectable misfit" if self.fails else "fits"

    def words(self) -> str:
        """The check in a sentence, with the means when the fit misses the observed one."""
        gap = (f"up to {num(100 * self.distance, 2)} percentage points off the observed share of stays still in the "
               f"unit (5% critical value {num(100 * self.critical, 2)} for {self.n} complete stays)")
        mean = ""
        if self.fitted_mean_h and self.km_mean_h:
            mean = f"; fitted mean stay {duration(self.fitted_mean_h)} against {duration(self.km_mean_h)} observed"
        if self.poor:
            return f"The {self.law} stay law of {self.unit} fits its stays poorly: {gap}{mean}."
        if self.fails:
            return f"The {self.law} stay law of {self.unit} is detectably off, but by little: {gap}."
        return f"The {self.law} stay law of {self.unit} fits its stays ({gap})."


def _chosen(los: dict) -> dict:
    return next((c for c in los.get("candidates") or [] if c.get("family") == los.get("chosen")), {})


def stay_fits(summary: dict) -> list[StayFit]:
    """The check of every unit whose chosen law has a recorded distance to Kaplan–Meier."""
    out = []
    for unit, spec in (summary.get("units") or {}).items():
        los = (spec or {}).get("los") or {}
        fit = _chosen(los)
        distance = fit.get("ks_km")
        if distance is None:
            continue
        n = int(los.get("n_events") or (los.get("n", 0) - los.get("n_censored", 0)) or 0)
        km_mean = los.get("km_restricted_mean_h") if not los.get("n_censored") else None
        out.append(StayFit(str(unit), str(los.get("chosen", "?")), n, float(distance), fit.get("mean_h"), km_mean))
    return out
