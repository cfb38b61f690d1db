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
from hospitaltwin.engine.measures import counts_at_hours_by_group, step_index, step_profiles
from hospitaltwin.engine.tables import hours, open_ended

KINDS = ("beds", "staffed_beds", "equipment")
STAY_COLUMNS = ("unit", "start", "end")
"""The columns of ``stays`` :func:`summarise` reads (the only ones a forecast builds)."""


@dataclass
class Resource:
    """A forecast resource: a unit (``beds``/``staffed_beds``) or a pool (``equipment``)."""

    name: str
    kind: str
    index: int


@dataclass
class ReplicationSummary:
    """Arrays over resources (rows) and hours or days (columns) of one replication.

    Levels and capacities are counts held in the narrowest unsigned integer type that holds
    them (:func:`compact_counts`): the same numbers in a quarter or an eighth of the bytes
    that cross from a worker to the process aggregating them.
    """

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


def _resource_rows(level, occupied, profile, cap, limits, at, edges) -> list[tuple]:
    """One row per capacity in ``limits`` (step values at ``cap.times``) of one unit or pool:
    hourly level and capacity, full at each hour, full at any moment of each local day, and
    the first moment full (inf if never).

    ``profile`` is the occupancy's step profile split at every capacity change and midnight,
    so each piece lies in one day under one capacity; where the steps fall is found once for
    all the capacities.
    """
    points, counts, widths = profile
    at_hour, at_point = step_index(cap.times, at), step_index(cap.times, points)
    day, lasts = np.searchsorted(edges, points, side="right") - 1, widths > 1e-9
    rows = []
    for values in limits:
        capacity = values[at_hour]
        full = (counts >= values[at_point]) & lasts
        per_day = np.bincount(day[full], minlength=len(edges) - 1)[: len(edges) - 1] > 0
        rows.append((level, capacity, occupied >= capacity, per_day,
                     float(points[full][0]) if full.any() else math.inf))
    return rows


def summarise(rep: Replication, model: CompiledModel) -> ReplicationSummary:
    """The forecast summary of one replication (module level: picklable for workers).

    It reads only the stays and device episodes, so forecasts run without hourly tables:
    a unit's level is its occupied beds (against physical, then staffed beds); a pool's is
    the devices needed, met or not, and it is full when every device is in use. The hourly
    counts and step profiles of all units and pools are computed together (groups: units,
    then pools), so the cost hardly grows with the number of resources.
    """
    edges, realised, at = day_edges(model), rep.realised, hours(model)
    stays, devices = rep.stays, rep.devices
    n_units, n_pools = len(model.units), len(model.pools)
    admitted = ~np.isnan(stays["start"])
    met = devices["met"].astype(bool)
    starts = np.concatenate((stays["start"][admitted], devices["start"][met]))
    ends = np.concatenate((open_ended(stays["end"])[admitted], devices["end"][met]))
    groups = np.concatenate((stays["unit"][admitted], n_units + devices["pool"][met])).astype(np.intp)
    occupied = counts_at_hours_by_group(starts, ends, groups, n_units + n_pools, len(at))
    needed = counts_at_hours_by_group(devices["start"], devices["end"], devices["pool"].astype(np.intp),
                                      n_pools, len(at))
    capacities = [*realised.units, *realised.pools]
    profiles = step_profiles(starts, ends, groups, [np.concatenate((c.times, edges)) for c in capacities],
                             0.0, model.horizon)
    rows = []
    for g, (cap, profile) in enumerate(zip(capacities, profiles)):
        if g < n_units:
            level, limits = occupied[g], (cap.physical, np.minimum(cap.physical, cap.staffed))
        else:
            level, limits = needed[g - n_units], (cap.staffed,)
        rows += _resource_rows(level, occupied[g], profile, cap, limits, at, edges)
    level, capacity, full_hour, full_day, first = (np.array(x) for x in zip(*rows))
    return ReplicationSummary(rep.replication, compact_counts(level), compact_counts(capacity),
                              full_hour, full_day, first)


def compact_counts(counts: np.ndarray) -> np.ndarray:
    """Integer ``counts`` in the narrowest unsigned type that holds them exactly (int64 when
    one is negative): what is pickled back per replication shrinks, the numbers do not."""
    counts = counts.astype(np.int64, copy=False)
    if counts.size == 0 or counts.min() < 0:
        return counts
    return counts.astype(np.min_scalar_type(int(counts.max())))
