"""The state of a simulated hospital at one moment, as a :class:`~hospitaltwin.core.state.SystemState`.

A snapshot of replication records at hour ``t``: every patient in a bed with the time spent
in it, the devices they use and for how long, the unit a ready patient is waiting to move to
(boarding), and the patients waiting from outside. It lets a forecast or a what-if start from
a simulated state exactly as it would start from the synced state of the real hospital
(benchmarks, tests, and "start from day 30 of this scenario" experiments).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from hospitaltwin.core.state import DeviceInUse, PatientState, SystemState, WaitingPatient
from hospitaltwin.engine import Replication
from hospitaltwin.engine.compile import CompiledModel


def _devices_at(rep: Replication, t: float) -> dict[int, list[DeviceInUse]]:
    devices = rep.devices
    on = devices["met"] & (devices["start"] <= t) & (devices["end"] > t)
    kinds = devices.labels("pool")
    out: dict[int, list[DeviceInUse]] = {}
    for i in np.flatnonzero(on):
        out.setdefault(int(devices["patient"][i]), []).append(DeviceInUse(str(kinds[i]), float(t - devices["start"][i])))
    return out


def snapshot(rep: Replication, model: CompiledModel, t: float) -> SystemState:
    """Who is where at hour ``t`` of replication ``rep`` (``as_of`` on the run's calendar)."""
    stays = rep.stays
    start, end = stays["start"], np.where(np.isnan(stays["end"]), np.inf, stays["end"])
    in_bed = (start <= t) & (end > t)
    units, devices = stays.labels("unit"), _devices_at(rep, t)
    boarding = _boarding_targets(rep, t)
    patients = tuple(
        PatientState(f"p{stays['patient'][i]}", str(units[i]), float(t - start[i]),
                     tuple(devices.get(int(stays["patient"][i]), ())), boarding.get(int(stays["patient"][i])))
        for i in np.flatnonzero(in_bed))
    waiting = (stays["arrive"] <= t) & ~(start <= t) & (stays["source"] < len(model.streams)) & \
        ~(stays["outcome"] == stays.code("outcome", "diverted")) & ~((stays["end"] <= t) & np.isnan(start))
    intended = stays.labels("intended_unit")
    queued = tuple(WaitingPatient(f"p{stays['patient'][i]}", str(intended[i]), float(t - stays["arrive"][i]))
                   for i in np.flatnonzero(waiting))
    return SystemState(model.origin + timedelta(hours=t), patients, queued)


def _boarding_targets(rep: Replication, t: float) -> dict[int, str]:
    """Patients who requested a bed elsewhere by ``t`` and were still waiting for it."""
    stays = rep.stays
    moving = (stays["source"] >= 0) & np.char.startswith(stays.labels("source").astype(str), "from:")
    pending = moving & (stays["arrive"] <= t) & ~(stays["start"] <= t)
    intended = stays.labels("intended_unit")
    return {int(stays["patient"][i]): str(intended[i]) for i in np.flatnonzero(pending)}
