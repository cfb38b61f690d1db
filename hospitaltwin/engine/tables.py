"""Turn one replication's flat records into tidy tables: stays, devices, census, equipment.

Times are hours from the run's start (its calendar origin is in the manifest). ``stays`` has
one row per bed request: admitted stays have ``start``/``end``; diverted requests have no
start; stays still open at the horizon have no end (``outcome`` ``in_care`` or ``waiting``).
Hourly ``census`` and ``equipment`` are snapshots at each whole hour, derived exactly from the
intervals.
"""

from __future__ import annotations

import math
from itertools import chain
from operator import itemgetter

import numpy as np

from hospitaltwin.core.frame import Frame
from hospitaltwin.engine.compile import CompiledModel
from hospitaltwin.engine.measures import capacity_at, counts_at_hours
from hospitaltwin.engine.realise import Realisation
from hospitaltwin.engine.records import (
    ARRIVE,
    DEVICE_FIELDS,
    END,
    IN_CARE,
    INTENDED,
    OUTCOME,
    OUTCOME_LABELS,
    PID,
    READY,
    SOURCE,
    STAY_FIELDS,
    START,
    STREAM,
    UNIT,
    WAITING,
)


def source_labels(model: CompiledModel) -> list[str]:
    """Labels of request sources: stream names, ``from:UNIT`` for transfers, link, initial."""
    return [s.name for s in model.streams] + [f"from:{u.id}" for u in model.units] + ["(link)", "(initial)"]


def outcome_labels(model: CompiledModel) -> list[str]:
    """Labels of outcomes: the next unit's id, or one of
    :data:`~hospitaltwin.engine.records.OUTCOME_LABELS`."""
    return [u.id for u in model.units] + list(OUTCOME_LABELS)


RECORDED_COLUMNS = {"patient": PID, "unit": UNIT, "intended_unit": INTENDED, "source": SOURCE,
                    "arrive": ARRIVE, "start": START, "ready": READY, "end": END}
"""Columns of ``stays`` read straight from the stay rows (position in a row)."""
_CODED = {"patient", "unit", "intended_unit", "source"}


def stays_frame(rows: list[list], model: CompiledModel, replication: int,
                columns: tuple[str, ...] | None = None) -> Frame:
    """The ``stays`` table of one replication; with ``columns`` (names among
    :data:`RECORDED_COLUMNS`) only those, read column by column (a forecast needs three of
    the thirteen: a third of the time)."""
    if columns is not None:
        return _recorded_columns(rows, model, columns)
    width = len(STAY_FIELDS)
    data = np.fromiter(chain.from_iterable(rows), float, count=width * len(rows)).reshape(-1, width)
    units = [u.id for u in model.units]
    outcome = _outcomes(data[:, OUTCOME], data[:, START])
    streams = [s.name for s in model.streams] + ["(initial)"]
    stream = data[:, STREAM].astype(np.int64)
    return Frame({
        "replication": np.full(len(data), replication, dtype=np.int32),
        "patient": data[:, PID].astype(np.int64),
        "stream": np.where(stream < 0, len(streams) - 1, stream),
        "unit": data[:, UNIT].astype(np.int64),
        "intended_unit": data[:, INTENDED].astype(np.int64),
        "source": data[:, SOURCE].astype(np.int64),
        "arrive": data[:, ARRIVE],
        "start": data[:, START],
        "ready": data[:, READY],
        "end": data[:, END],
        "wait": data[:, START] - data[:, ARRIVE],
        "boarding": np.clip(data[:, END] - data[:, READY], 0.0, None),
        "outcome": np.where(outcome >= 0, outcome, len(units) - outcome - 1),
    }, {"stream": streams, "unit": units, "intended_unit": units, "source": source_labels(model),
        "outcome": outcome_labels(model)})


def _recorded_columns(rows: list[list], model: CompiledModel, columns: tuple[str, ...]) -> Frame:
    unknown = sorted(set(columns) - set(RECORDED_COLUMNS))
    if unknown:
        raise ValueError(f"stays columns not read straight from the records: {', '.join(unknown)}")
    out = {}
    for name in columns:
        values = np.fromiter(map(itemgetter(RECORDED_COLUMNS[name]), rows), float, count=len(rows))
        out[name] = values.astype(np.int64) if name in _CODED else values
    units = [u.id for u in model.units]
    labels = {"unit": units, "intended_unit": units, "source": source_labels(model)}
    return Frame(out, {name: labels[name] for name in columns if name in labels})


def _outcomes(outcome: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Outcome codes, a stay still open at the horizon (NaN) marked in care or still waiting."""
    still_open = np.where(np.isnan(start), WAITING, IN_CARE)
    return np.where(np.isnan(outcome), still_open, outcome).astype(np.int64)


def devices_frame(rows: list[tuple], model: CompiledModel, replication: int) -> Frame:
    """One row per equipment episode: pool, patient, unit, start, end, met."""
    data = np.array(rows, dtype=float).reshape(-1, len(DEVICE_FIELDS))
    return Frame({
        "replication": np.full(len(data), replication, dtype=np.int32),
        "pool": data[:, 0].astype(np.int64),
        "patient": data[:, 1].astype(np.int64),
        "unit": data[:, 2].astype(np.int64),
        "start": data[:, 3],
        "end": data[:, 4],
        "met": data[:, 5].astype(bool),
    }, {"pool": [p.name for p in model.pools], "unit": [u.id for u in model.units]})


def hours(model: CompiledModel) -> np.ndarray:
    """The instants of hourly snapshots: 0, 1, ... up to the horizon."""
    return np.arange(math.floor(model.horizon) + 1, dtype=float)


def open_ended(end: np.ndarray) -> np.ndarray:
    """Interval ends with NaN (still open) replaced by infinity."""
    return np.where(np.isnan(end), np.inf, end)


def wait_end(stays: Frame) -> np.ndarray:
    """When each request stopped waiting: its bed, or leaving (``end`` without a start), or never."""
    start = stays["start"]
    return np.where(np.isnan(start), open_ended(stays["end"]), start)


def census_frame(stays: Frame, realised: Realisation, model: CompiledModel, replication: int) -> Frame:
    """Hourly snapshot per unit: occupied, staffed, physical, waiting, boarding."""
    at, parts = hours(model), []
    n = len(at)
    start, end, ready = stays["start"], open_ended(stays["end"]), stays["ready"]
    admitted = ~np.isnan(start)
    queued = stays["outcome"] != stays.code("outcome", "diverted")
    waited_until = wait_end(stays)
    for unit, cap in zip(model.units, realised.units):
        here = admitted & (stays["unit"] == unit.index)
        wait = queued & (stays["intended_unit"] == unit.index)
        parts.append(Frame({
            "replication": np.full(n, replication, dtype=np.int32),
            "unit": np.full(n, unit.index),
            "time_h": at,
            "occupied": counts_at_hours(start[here], end[here], n),
            "staffed": capacity_at(cap.times, np.minimum(cap.physical, cap.staffed), at),
            "physical": capacity_at(cap.times, cap.physical, at),
            "waiting": counts_at_hours(stays["arrive"][wait], waited_until[wait], n),
            "boarding": counts_at_hours(np.minimum(ready[here], end[here]), end[here], n),
        }, {"unit": [u.id for u in model.units]}))
    return Frame.concat(parts)


def equipment_frame(devices: Frame, realised: Realisation, model: CompiledModel, replication: int) -> Frame:
    """Hourly snapshot per equipment pool: in use, demand (met + unmet), capacity."""
    at, parts = hours(model), []
    n = len(at)
    start, end, met = devices["start"], devices["end"], devices["met"]
    for pool, cap in zip(model.pools, realised.pools):
        mine = devices["pool"] == pool.index
        parts.append(Frame({
            "replication": np.full(n, replication, dtype=np.int32),
            "pool": np.full(n, pool.index),
            "time_h": at,
            "in_use": counts_at_hours(start[mine & met], end[mine & met], n),
            "demand": counts_at_hours(start[mine], end[mine], n),
            "capacity": capacity_at(cap.times, cap.staffed, at),
        }, {"pool": [p.name for p in model.pools]}))
    return Frame.concat(parts)
