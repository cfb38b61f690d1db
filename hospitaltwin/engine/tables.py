"""Turn one replication's flat records into tidy tables: stays, devices, census, equipment.

Times are hours from the run's start (its calendar origin is in the manifest). ``stays`` has
one row per bed request: admitted stays have ``start``/``end``; diverted requests have no
start; stays still open at the horizon have no end (``outcome`` ``in_care`` or ``waiting``).
Hourly ``census`` and ``equipment`` are snapshots at each whole hour, derived exactly from the
intervals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hospitaltwin.engine.compile import CompiledModel
from hospitaltwin.engine.measures import capacity_at, counts_at
from hospitaltwin.engine.model import (ARRIVE, END, INTENDED, OUTCOME, PID, READY, SOURCE, START,
                                       STREAM, UNIT)
from hospitaltwin.engine.realise import Realisation

OUTCOMES = ("discharge", "death", "transfer_out", "diverted", "in_care", "waiting")


def source_labels(model: CompiledModel) -> list[str]:
    """Labels of request sources: stream names, ``from:UNIT`` for transfers, link, initial."""
    return [s.name for s in model.streams] + [f"from:{u.id}" for u in model.units] + ["(link)", "(initial)"]


def _categorical(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=labels)


def stays_frame(rows: list[list], model: CompiledModel, replication: int) -> pd.DataFrame:
    """The ``stays`` table of one replication."""
    data = np.array(rows, dtype=float).reshape(-1, 10)
    units = [u.id for u in model.units]
    outcome = data[:, OUTCOME].astype(np.int64)
    outcome = np.where(outcome >= 0, outcome, len(units) - outcome - 1)
    streams = [s.name for s in model.streams] + ["(initial)"]
    stream = data[:, STREAM].astype(np.int64)
    return pd.DataFrame({
        "replication": np.full(len(data), replication, dtype=np.int32),
        "patient": data[:, PID].astype(np.int64),
        "stream": _categorical(np.where(stream < 0, len(streams) - 1, stream), streams),
        "unit": _categorical(data[:, UNIT], units),
        "intended_unit": _categorical(data[:, INTENDED], units),
        "source": _categorical(data[:, SOURCE], source_labels(model)),
        "arrive": data[:, ARRIVE],
        "start": data[:, START],
        "ready": data[:, READY],
        "end": data[:, END],
        "wait": data[:, START] - data[:, ARRIVE],
        "boarding": np.clip(data[:, END] - data[:, READY], 0.0, None),
        "outcome": _categorical(outcome, units + list(OUTCOMES)),
    })


def devices_frame(rows: list[tuple], model: CompiledModel, replication: int) -> pd.DataFrame:
    """One row per equipment episode: pool, patient, unit, start, end, met."""
    data = np.array(rows, dtype=float).reshape(-1, 6)
    return pd.DataFrame({
        "replication": np.full(len(data), replication, dtype=np.int32),
        "pool": _categorical(data[:, 0], [p.name for p in model.pools]),
        "patient": data[:, 1].astype(np.int64),
        "unit": _categorical(data[:, 2], [u.id for u in model.units]),
        "start": data[:, 3],
        "end": data[:, 4],
        "met": data[:, 5].astype(bool),
    })


def hours(model: CompiledModel) -> np.ndarray:
    """The instants of hourly snapshots: 0, 1, ... up to the horizon."""
    return np.arange(math.floor(model.horizon) + 1, dtype=float)


def _open(end: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(end), np.inf, end)


def census_frame(stays: pd.DataFrame, realised: Realisation, model: CompiledModel,
                 replication: int) -> pd.DataFrame:
    """Hourly snapshot per unit: occupied, staffed, physical, waiting, boarding."""
    at, parts = hours(model), []
    admitted = stays[stays["start"].notna()]
    queued = stays[stays["outcome"] != "diverted"]
    for unit, cap in zip(model.units, realised.units):
        mine = admitted[admitted["unit"] == unit.id]
        end = _open(mine["end"].to_numpy())
        wait = queued[queued["intended_unit"] == unit.id]
        start = wait["start"].to_numpy()
        parts.append(pd.DataFrame({
            "replication": replication, "unit": unit.id, "time_h": at,
            "occupied": counts_at(mine["start"].to_numpy(), end, at),
            "staffed": capacity_at(cap.times, np.minimum(cap.physical, cap.staffed), at),
            "physical": capacity_at(cap.times, cap.physical, at),
            "waiting": counts_at(wait["arrive"].to_numpy(), np.where(np.isnan(start), np.inf, start), at),
            "boarding": counts_at(np.minimum(mine["ready"].to_numpy(), end), end, at),
        }))
    return _concat(parts, ["unit"])


def equipment_frame(devices: pd.DataFrame, realised: Realisation, model: CompiledModel,
                    replication: int) -> pd.DataFrame:
    """Hourly snapshot per equipment pool: in use, demand (met + unmet), capacity."""
    at, parts = hours(model), []
    for pool, cap in zip(model.pools, realised.pools):
        mine = devices[devices["pool"] == pool.name]
        met = mine[mine["met"]]
        parts.append(pd.DataFrame({
            "replication": replication, "pool": pool.name, "time_h": at,
            "in_use": counts_at(met["start"].to_numpy(), met["end"].to_numpy(), at),
            "demand": counts_at(mine["start"].to_numpy(), mine["end"].to_numpy(), at),
            "capacity": capacity_at(cap.times, cap.staffed, at),
        }))
    return _concat(parts, ["pool"])


def _concat(parts: list[pd.DataFrame], categorical: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True)
    for column in categorical:
        frame[column] = frame[column].astype("category")
    frame["replication"] = frame["replication"].astype(np.int32)
    return frame
