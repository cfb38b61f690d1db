"""Calendar arithmetic for a run: hourly demand multipliers, bed counts and arrival times.

The run's clock is hours from ``origin`` (a naive date-time in the layout's time zone).
Demand is piecewise constant per hour: base rate x hour-of-week profile x every demand change
active in that hour. Poisson arrivals are drawn exactly for that intensity by mapping a
unit-rate Poisson process through the inverse cumulative intensity, so a surge late in the run
leaves earlier arrivals untouched (good common random numbers between scenarios).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np

from hospitaltwin.config.demand import ArrivalStream, weekday_index
from hospitaltwin.config.scenario import BedChange, DemandChange, Window
from hospitaltwin.core.durations import offset_hours


def hour_of_week(origin: datetime) -> float:
    """Hours since the Monday 00:00 before ``origin``."""
    return origin.weekday() * 24 + origin.hour + origin.minute / 60 + origin.second / 3600


def window_hours(window: Window, origin: datetime) -> tuple[float, float]:
    """A change's ``[from, until)`` in run hours (``-inf``/``inf`` when open)."""
    start = -math.inf if window.from_ is None else offset_hours(window.from_, origin)
    end = math.inf if window.until is None else offset_hours(window.until, origin)
    return start, end


def _change_applies(change: DemandChange, stream: ArrivalStream) -> bool:
    if change.units is not None and stream.unit not in change.units:
        return False
    return change.streams is None or stream.stream_name in change.streams


def _change_factor(change: DemandChange, times: np.ndarray, origin: datetime) -> np.ndarray:
    start, end = window_hours(change, origin)
    inside = (times >= start) & (times < end)
    if change.multiplier is not None:
        shape = np.full_like(times, change.multiplier)
    elif change.surge is not None:
        centre = offset_hours(change.surge.at, origin)
        bump = np.exp(-0.5 * ((times - centre) / change.surge.sd) ** 2)
        shape = 1.0 + (change.surge.peak - 1.0) * bump
    else:
        xs = np.array([offset_hours(t, origin) for t, _ in change.curve])
        ys = np.array([v for _, v in change.curve])
        order = np.argsort(xs)
        shape = np.interp(times, xs[order], ys[order])
    return np.where(inside, shape, 1.0)


def demand_factor(stream: ArrivalStream, changes: tuple[DemandChange, ...],
                  times: np.ndarray, origin: datetime) -> np.ndarray:
    """Product of every demand change that applies to ``stream``, at ``times`` (hours)."""
    factor = np.ones_like(times, dtype=float)
    for change in changes:
        if _change_applies(change, stream):
            factor *= _change_factor(change, times, origin)
    return factor


def hourly_rates(stream: ArrivalStream, changes: tuple[DemandChange, ...],
                 horizon: float, origin: datetime) -> np.ndarray:
    """Poisson intensity per hour for each whole hour ``[h, h+1)`` of the run."""
    hours = np.arange(math.ceil(horizon), dtype=float)
    rate = np.full_like(hours, stream.rate / 24.0)
    if stream.profile is not None:
        profile = np.asarray(stream.profile, dtype=float)
        profile = profile / profile.mean()
        index = np.floor(hour_of_week(origin) + hours).astype(int) % 168
        rate = rate * profile[index]
    return rate * demand_factor(stream, changes, hours + 0.5, origin)


def poisson_times(rates: np.ndarray, horizon: float, rng: np.random.Generator) -> np.ndarray:
    """Arrival times of a Poisson process with piecewise-constant hourly ``rates``."""
    cumulative = np.concatenate(([0.0], np.cumsum(rates)))
    total = cumulative[-1]
    if total <= 0:
        return np.empty(0)
    unit_times = _unit_poisson(total, rng)
    segment = np.searchsorted(cumulative, unit_times, side="right") - 1
    segment = np.minimum(segment, len(rates) - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        times = segment + (unit_times - cumulative[segment]) / rates[segment]
    return times[times < horizon]


def _unit_poisson(total: float, rng: np.random.Generator) -> np.ndarray:
    """Points of a unit-rate Poisson process on ``[0, total)``, drawn in blocks."""
    points, last = [], 0.0
    while last < total:
        block = int(total - last + 6 * math.sqrt(total - last + 1) + 16)
        draws = last + np.cumsum(rng.exponential(size=block))
        points.append(draws)
        last = draws[-1]
    merged = np.concatenate(points)
    return merged[merged < total]


def scheduled_times(stream: ArrivalStream, changes: tuple[DemandChange, ...],
                    horizon: float, origin: datetime, rng: np.random.Generator) -> np.ndarray:
    """Times of scheduled (elective) admissions: ``schedule`` counts per weekday at ``at``."""
    counts = {weekday_index(day): n for day, n in (stream.schedule or {}).items()}
    first = datetime.combine(origin.date(), datetime.min.time())
    times = []
    for day in range(math.ceil(horizon / 24) + 2):
        date = first + timedelta(days=day)
        slot = (date - origin) / timedelta(hours=1) + stream.at
        count = counts.get(date.weekday(), 0)
        if count and 0 <= slot < horizon:
            scale = demand_factor(stream, changes, np.array([slot]), origin)[0]
            times.extend([slot] * int(round(count * scale)))
    base = np.asarray(times, dtype=float)
    jitter = rng.random(len(base)) * stream.spread
    return np.sort(base + jitter)


def bed_schedule(unit: str, beds: int, changes: tuple[BedChange, ...],
                 origin: datetime) -> tuple[np.ndarray, np.ndarray]:
    """Physical beds of ``unit`` as a step function: change times (first 0) and counts."""
    mine = [(c, *window_hours(c, origin)) for c in changes if c.unit == unit]
    points = sorted({0.0} | {max(t, 0.0) for _, s, e in mine for t in (s, e) if math.isfinite(t)})
    counts = []
    for point in points:
        count = beds
        for change, start, end in mine:
            if start <= point < end:
                count = change.beds if change.beds is not None else count + change.add
        counts.append(max(count, 0))
    return np.asarray(points), np.asarray(counts, dtype=np.int64)
