"""Aggregate a run's tables across replications for its charts, with numpy, not row loops.

The hourly ``census`` and ``equipment`` tables are turned into dense cubes indexed by
resource x hour x replication (after the warm-up), from which every chart reads: quantiles
across replications per hour (fan charts), the probability that a unit reaches capacity at
some whole hour of each local day, and diversions per local day from ``stays``; days and weeks
are aggregated in :mod:`~hospitaltwin.report.run_periods`. A year of 40 units over 20
replications is a few million cells and aggregates in well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from hospitaltwin.report.clock import day_index, parse_origin
from hospitaltwin.report.load import Result


@dataclass
class Cube:
    """Hourly values of several resources: ``values[column]`` has shape (resource, hour, replication)."""

    names: list[str]
    hours: np.ndarray
    values: dict[str, np.ndarray]

    @property
    def replications(self) -> int:
        """Number of replications in the cube."""
        return next(iter(self.values.values())).shape[2] if self.values else 0


@dataclass
class RunData:
    """Everything the run's charts draw."""

    origin: datetime
    warmup_h: float
    horizon_h: float
    census: Cube
    equipment: Cube | None
    diverted: pd.DataFrame


def order(names, preferred) -> list[str]:
    """``names`` in the layout's order, any others after them alphabetically."""
    names = set(map(str, names))
    first = [n for n in preferred if n in names]
    return first + sorted(names - set(first))


def cube(frame: pd.DataFrame, key: str, columns: tuple[str, ...], start_h: float, preferred) -> Cube:
    """Dense (resource, hour, replication) arrays of ``columns`` for hours >= ``start_h``."""
    frame = frame[frame["time_h"] >= start_h]
    names = order(frame[key].unique(), preferred)
    code = pd.Categorical(frame[key].astype(str), categories=names).codes
    reps, rep = np.unique(frame["replication"].to_numpy(), return_inverse=True)
    hour = np.rint(frame["time_h"].to_numpy() - start_h).astype(np.int64)
    n_hours = int(hour.max()) + 1 if len(hour) else 0
    values = {}
    for column in columns:
        dense = np.full((len(names), n_hours, len(reps)), np.nan)
        dense[code, hour, rep] = frame[column].to_numpy(dtype=float)
        values[column] = dense
    return Cube(names, start_h + np.arange(n_hours, dtype=float), values)


def run_data(result: Result) -> RunData:
    """Cubes of census and equipment after the warm-up, and diversions per local day."""
    summary, manifest = result.summary, result.manifest
    origin = parse_origin(manifest["origin"], str(result.path / "manifest.json"))
    warmup = float(summary.get("warmup_h") or 0.0)
    horizon = float(summary.get("horizon_h") or result.tables["census"]["time_h"].max())
    units = list(result.layout.get("units", {}))
    census = cube(result.tables["census"], "unit", ("occupied", "staffed", "physical", "waiting", "boarding"),
                  warmup, units)
    equipment = None
    if "equipment" in result.tables and len(result.tables["equipment"]):
        equipment = cube(result.tables["equipment"], "pool", ("in_use", "demand", "capacity"), warmup,
                         list(result.layout.get("equipment", {})))
    stays = result.tables["stays"]
    diverted = stays[(stays["outcome"].astype(str) == "diverted") & (stays["arrive"] >= warmup)]
    return RunData(origin, warmup, horizon, census, equipment, diverted)


def day_bounds(data: RunData, hours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local day of the first hour of each day in ``hours``, and where each day starts."""
    days = day_index(data.origin, hours)
    starts = np.flatnonzero(np.r_[True, days[1:] != days[:-1]])
    return days[starts], starts


def daily_any(full: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Whether each (resource, day, replication) has any True hour; ``full`` is (r, hour, rep)."""
    return np.maximum.reduceat(full.astype(np.int8), starts, axis=1) > 0


def p_full_by_day(data: RunData) -> tuple[np.ndarray, np.ndarray]:
    """Probability that each unit reaches staffed capacity at some whole hour of each local day."""
    census = data.census
    if not census.names:
        return np.zeros((0, 0)), np.zeros(0, dtype=np.int64)
    occupied, staffed = census.values["occupied"], census.values["staffed"]
    full = (occupied >= staffed) & np.isfinite(occupied)
    days, starts = day_bounds(data, census.hours)
    return daily_any(full, starts).mean(axis=2), days


def diversions_by_day(data: RunData) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Mean diversions per local day (over replications) per intended unit, after the warm-up."""
    days_all, _ = day_bounds(data, data.census.hours)
    frame = data.diverted
    names = order(frame["intended_unit"].astype(str).unique(), data.census.names)
    if frame.empty or not len(days_all):
        return names, np.zeros((len(names), len(days_all))), days_all
    unit = pd.Categorical(frame["intended_unit"].astype(str), categories=names).codes
    day = day_index(data.origin, frame["arrive"].to_numpy()) - days_all[0]
    keep = (day >= 0) & (day < len(days_all))
    counts = np.bincount(unit[keep] * len(days_all) + day[keep], minlength=len(names) * len(days_all))
    return names, counts.reshape(len(names), len(days_all)) / max(1, data.census.replications), days_all
