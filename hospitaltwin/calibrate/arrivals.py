"""Arrival streams: a Poisson rate per day and an hour-of-week profile per entry unit.

An arrival is a stay that opens an encounter (``entry`` is true) and starts inside the
calibration window. Arrivals are grouped by entry unit, and by ``source`` where the log has
one (a stream per source; arrivals without a source form the unit's plain stream). The rate is
the count over the window length in days, with the exact Garwood interval; the window, not the
first and last arrival, is the exposure, so quiet streams are not overstated. The hour-of-week
profile is built by :mod:`hospitaltwin.calibrate.profile` (smooth log-linear fit plus
empirical-Bayes shrinkage) in the layout's timezone, and written normalised to mean 1 on a
grid of 1e-4 so that the 168 values add up to exactly 168.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hospitaltwin.calibrate.intervals import garwood, round_vector
from hospitaltwin.calibrate.profile import (
    HourOfWeekProfile,
    exposure_by_hour,
    fit_profile,
    hour_of_week,
)
from hospitaltwin.config.demand import ArrivalStream

MIN_ARRIVALS = 30


@dataclass(frozen=True)
class ArrivalReport:
    """One arrival stream's estimates.

    Attributes
    ----------
    stream, unit : str
        Stream name (``UNIT`` or ``UNIT:SOURCE``) and entry unit.
    source : str or None
        The encounter source, where the stream is one source's.
    n : int
        Arrivals in the window.
    exposure_days : float
        Window length in days.
    rate, ci95 : float, tuple
        Arrivals per day and its exact 95% interval.
    profile : HourOfWeekProfile
        The hour-of-week profile with its intervals, weights and smooth model.
    warnings : tuple of str
        Reasons not to trust the stream blindly.
    """

    stream: str
    unit: str
    source: str | None
    n: int
    exposure_days: float
    rate: float
    ci95: tuple[float, float]
    profile: HourOfWeekProfile
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        """A JSON-ready summary (per-bin profile values with their intervals)."""
        p = self.profile
        return {
            "stream": self.stream,
            "unit": self.unit,
            "source": self.source,
            "n": self.n,
            "exposure_days": self.exposure_days,
            "rate_per_day": self.rate,
            "ci95": list(self.ci95),
            "profile": {
                "model": p.model,
                "alpha": p.alpha,
                "mean_count_per_bin": float(p.counts.mean()),
                "weight_min": float(p.weight.min()),
                "weight_median": float(np.median(p.weight)),
                "weight_max": float(p.weight.max()),
                "values": p.profile.tolist(),
                "low95": p.low.tolist(),
                "high95": p.high.tolist(),
                "counts": p.counts.astype(int).tolist(),
            },
            "warnings": list(self.warnings),
        }


def fit_arrivals(
    stays: pd.DataFrame,
    since: pd.Timestamp,
    until: pd.Timestamp,
    *,
    timezone: str = "UTC",
    by_source: bool = True,
    min_arrivals: int = MIN_ARRIVALS,
) -> tuple[tuple[ArrivalStream, ...], tuple[ArrivalReport, ...]]:
    """Poisson arrival streams per entry unit (and source) over ``[since, until]``.

    Parameters
    ----------
    stays : DataFrame
        Unit stays with ``unit``, ``start``, ``entry`` and optionally ``source``.
    since, until : Timestamp
        The window (tz-aware); arrivals are entry stays starting inside it.
    timezone : str
        The layout's timezone, for the hour-of-week profile.
    by_source : bool
        One stream per source where the log records sources.
    min_arrivals : int
        Fewer arrivals than this add a warning.

    Returns
    -------
    streams : tuple of ArrivalStream
        For the demand file, sorted by stream name.
    reports : tuple of ArrivalReport
        Same order.
    """
    arrivals = _arrivals(stays, since, until, by_source)
    days = (until - since) / pd.Timedelta(days=1)
    exposure = exposure_by_hour(since, until, timezone)
    reports = []
    for (unit, source), group in arrivals.groupby(["unit", "source_key"], sort=True, dropna=False):
        source = None if source == "" else str(source)
        bins = np.bincount(hour_of_week(group["start"], timezone), minlength=168)
        reports.append(_report(str(unit), source, bins, exposure, days, min_arrivals))
    reports.sort(key=lambda r: r.stream)
    return tuple(_stream(r) for r in reports), tuple(reports)


def _arrivals(stays: pd.DataFrame, since, until, by_source: bool) -> pd.DataFrame:
    entry = stays["entry"].fillna(False).astype(bool)
    inside = (stays["start"] >= since) & (stays["start"] <= until)
    out = stays.loc[entry & inside, ["unit", "start"]].copy()
    has_source = by_source and "source" in stays
    source = stays["source"] if has_source else pd.Series(pd.NA, index=stays.index)
    out["source_key"] = source.loc[out.index].astype("string").fillna("").astype(object)
    return out


def _report(unit, source, bins, exposure, days, min_arrivals) -> ArrivalReport:
    n = int(bins.sum())
    profile = fit_profile(bins, exposure)
    name = f"{unit}:{source}" if source else unit
    return ArrivalReport(
        stream=name,
        unit=unit,
        source=source,
        n=n,
        exposure_days=float(days),
        rate=n / days,
        ci95=garwood(n, days),
        profile=profile,
        warnings=tuple(_warnings(n, days, profile, min_arrivals)),
    )


def _stream(report: ArrivalReport) -> ArrivalStream:
    profile = round_vector(report.profile.profile, 4, total=168)
    return ArrivalStream(
        unit=report.unit,
        source=report.source,
        rate=float(f"{report.rate:.6g}"),
        profile=tuple(float(v) for v in profile),
    )


def _warnings(n, days, profile: HourOfWeekProfile, min_arrivals) -> list[str]:
    out = []
    if n < min_arrivals:
        out.append(f"only {n} arrivals (fewer than {min_arrivals}): the rate is uncertain")
    if days < 28:
        out.append(
            f"window of {days:.1f} days (under 4 weeks): the weekly pattern rests on few weeks"
        )
    if (profile.exposure_h == 0).any():
        out.append("some hours of the week were never observed: they take the smooth fit")
    elif profile.counts.mean() < 1:
        out.append(
            f"{profile.counts.mean():.2f} arrivals per hour-of-week bin: the profile is mostly "
            f"the smooth fit ({profile.model})"
        )
    return out
