"""Periods for a run's charts: hours for a short run, local days or weeks for a long one.

A chart of 150 days of hourly census is unreadable, and a heat map of 150 days shows noise as
if the dates mattered. A run of up to :data:`HOURLY_DAYS` days is drawn hour by hour; up to
:data:`DAILY_DAYS` days, as daily means; longer, as weekly means (weeks of seven local days
from the first whole day). Only whole periods are drawn: a day or week the run covers in part
is left out and the caption says so, never shown as if it were whole. A run whose scenario
changes nothing over time (no demand surge, no bed or staff changes) has no calendar to show:
its chance of being full is given per weekday, pooled over every week and replication.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hospitaltwin.report.clock import day_index
from hospitaltwin.report.load import Result
from hospitaltwin.report.run_data import RunData

HOURLY_DAYS, DAILY_DAYS = 14, 120
WHOLE_HOURS = {"hour": 1, "day": 23, "week": 167}  # a day of 23 h when the clocks go forward is whole
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Periods:
    """Whole periods of a run's hours: where each starts (index into the hours) and its length."""

    kind: str
    starts: np.ndarray
    lengths: np.ndarray
    first_hours: np.ndarray
    left_out: int

    def __len__(self) -> int:
        return len(self.starts)

    def left_out_text(self) -> str:
        """`` 2 partial days at the ends left out.`` (empty when none)."""
        if not self.left_out:
            return ""
        return f" {self.left_out} partial {self.kind}{'s' if self.left_out != 1 else ''} at the ends left out."

    def caption(self) -> str:
        """How the chart aggregates, and what it leaves out."""
        if self.kind == "hour":
            return ""
        return f" {self.kind.capitalize()}ly means over each whole local {self.kind}.{self.left_out_text()}"


def period_kind(data: RunData) -> str:
    """``hour``, ``day`` or ``week`` by the run's length after the warm-up."""
    days = (data.horizon_h - data.warmup_h) / 24
    return "hour" if days <= HOURLY_DAYS else "day" if days <= DAILY_DAYS else "week"


def periods(data: RunData, hours: np.ndarray, kind: str | None = None) -> Periods:
    """The whole periods of ``hours`` (run hours, one per row of a cube)."""
    kind = kind or period_kind(data)
    if kind == "hour":
        n = len(hours)
        return Periods(kind, np.arange(n), np.ones(n, dtype=np.int64), np.asarray(hours, float), 0)
    days = day_index(data.origin, hours)
    block = days
    if kind == "week" and len(days):
        first_whole = days[0] + (1 if _hours_of(days, days[0]) < WHOLE_HOURS["day"] else 0)
        block = np.where(days >= first_whole, (days - first_whole) // 7, -1)
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]]) if len(block) else np.zeros(0, np.int64)
    lengths = np.diff(np.r_[starts, len(block)])
    whole = (lengths >= WHOLE_HOURS[kind]) & (block[starts] >= 0)
    return Periods(kind, starts[whole], lengths[whole], np.asarray(hours, float)[starts[whole]],
                   int((~whole).sum()))


def _hours_of(days: np.ndarray, day: int) -> int:
    return int((days == day).sum())


def period_mean(values: np.ndarray, p: Periods) -> np.ndarray:
    """Means over each period's hours; ``values`` is (resource, hour, ...); NaN hours left out."""
    if p.kind == "hour":
        return values
    out = np.empty((values.shape[0], len(p)) + values.shape[2:])
    for i, (start, length) in enumerate(zip(p.starts, p.lengths)):
        out[:, i] = np.nanmean(values[:, start:start + length], axis=1)
    return out


def period_any(full: np.ndarray, p: Periods) -> np.ndarray:
    """Whether each (resource, period, replication) has any True hour."""
    out = np.zeros((full.shape[0], len(p)) + full.shape[2:], dtype=bool)
    for i, (start, length) in enumerate(zip(p.starts, p.lengths)):
        out[:, i] = full[:, start:start + length].any(axis=1)
    return out


def stationary(result: Result) -> bool:
    """Whether the scenario changes nothing over time (no demand, bed or staff changes)."""
    changes = result.scenario.get("changes") if isinstance(result.scenario.get("changes"), dict) else {}
    return not any(changes.get(k) for k in ("demand", "beds", "staff"))


def full_by_weekday(data: RunData) -> tuple[np.ndarray, list[str]]:
    """Per unit and local weekday, the share of whole days (over all replications) on which the
    unit reaches its staffed capacity at some hour."""
    census = data.census
    full = (census.values["occupied"] >= census.values["staffed"]) & np.isfinite(census.values["occupied"])
    p = periods(data, census.hours, "day")
    daily = period_any(full, p)  # (unit, day, replication)
    weekday = (data.origin.weekday() + day_index(data.origin, p.first_hours)) % 7
    probs = np.full((len(census.names), 7), np.nan)
    for d in range(7):
        chosen = weekday == d
        if chosen.any():
            probs[:, d] = daily[:, chosen].mean(axis=(1, 2))
    return probs, list(WEEKDAYS)
