"""Reduce one warm-started replication to what a forecast aggregates (run in the worker).

Per resource — every unit twice (against physical and against staffed beds) and every
equipment pool — the level at each whole hour (occupied beds; devices needed, met or not),
the capacity at each hour, whether the resource was at capacity at that hour, whether it
reached capacity at any moment of each local calendar day, and the first moment it did.
"Any moment" is exact: it is read from the step function of occupancy, not from hourly
snapshots, so a unit full for twenty minutes between two snapshots still counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hospitaltwin.engine import Replication
from hospitaltwin.engine.compile import CompiledModel
from hospitaltwin.engine.measures import capacity_at, step_profile
from hospitaltwin.engine.tables import hours, open_ended

KINDS = ("beds", "staffed_beds", "equipment")


@dataclass
class Resource:
    """A forecast resource: a unit (``beds``/``staffed_beds``) or a pool (``equipment``)."""

    name: str
    kind: str
    index: int


@dataclass
class ReplicationSummary:
    """Arrays over resources (rows) and hours or days (columns) of one replication."""

    replication: int
    level: np.ndarray
    capacity: np.ndarray
    full_hour: np.ndarray
    full_day: np.ndarray
    first_full_h: np.ndarray


def resources(model: CompiledModel) -> list[Resource]:
    """Units (against physical and staffed beds), then equipment pools."""
    out = []
    for unit in model.units:
        out += [Resource(unit.id, "beds", unit.index), Resource(unit.id, "staffed_beds", unit.index)]
    return out + [Resource(pool.name, "equipment", pool.index) for pool in model.pools]


def day_edges(model: CompiledModel) -> np.ndarray:
    """Run hours of each local midnight from the start's day to past the horizon."""
    first = -(model.origin.hour + model.origin.minute / 60 + model.origin.second / 3600)
    return first + 24.0 * np.arange(math.ceil((model.horizon - first) / 24) + 1)


def _exact(starts, ends, cap_times, cap_values, horizon, edges) -> tuple[np.ndarray, float]:
    """Any time at capacity per local day, and the first time at capacity (inf if never)."""
    breaks = np.concatenate((cap_times, edges))  # split pieces at midnight: a piece belongs to one day
    points, counts, widths = step_profile(starts, ends, breaks, 0.0, horizon)
    full = (counts >= capacity_at(cap_times, cap_values, points)) & (widths > 1e-9)
    day = np.searchsorted(edges, points, side="right") - 1
    per_day = np.bincount(day[full], minlength=len(edges) - 1)[: len(edges) - 1] > 0
    return per_day, float(points[full][0]) if full.any() else math.inf


def summarise(rep: Replication, model: CompiledModel) -> ReplicationSummary:
    """The forecast summary of one replication (module level: picklable for workers)."""
    at, edges, realised = hours(model), day_edges(model), rep.realised
    stays, devices, census, equipment = rep.stays, rep.devices, rep.census, rep.equipment
    admitted = ~np.isnan(stays["start"])
    rows = []
    for res in resources(model):
        if res.kind == "equipment":
            cap = realised.pools[res.index]
            mask = (devices["pool"] == res.index) & devices["met"]
            starts, ends, values = devices["start"][mask], devices["end"][mask], cap.staffed
            hourly = equipment.select(equipment["pool"] == res.index)
            level, in_use = hourly["demand"], hourly["in_use"]
        else:
            cap = realised.units[res.index]
            mask = admitted & (stays["unit"] == res.index)
            starts, ends = stays["start"][mask], open_ended(stays["end"][mask])
            values = cap.physical if res.kind == "beds" else np.minimum(cap.physical, cap.staffed)
            level = in_use = census.select(census["unit"] == res.index)["occupied"]
        capacity = capacity_at(cap.times, values, at)
        per_day, first = _exact(starts, ends, cap.times, values, model.horizon, edges)
        rows.append((level, capacity, in_use >= capacity, per_day, first))
    level, capacity, full_hour, full_day, first = (np.array(x) for x in zip(*rows))
    return ReplicationSummary(rep.replication, level.astype(np.int64), capacity.astype(np.int64),
                              full_hour, full_day, first)
