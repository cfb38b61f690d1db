"""What the patient-flow animation draws: units as boxes of beds, and where each patient is.

:func:`flow_scene` turns one replication's flow events
(:func:`hospitaltwin.experiment.flow.flow_events`) into a compact, JSON-ready scene for the
player (``flow.js``): every unit as a box with one square per bed and a waiting strip below
it (the player lays the boxes out in as many columns as the screen holds); and every patient's *segments*, each a time
interval in one place and state (waiting for a bed, in a bed, boarding: ready to leave but
holding the bed). A patient keeps the same bed square for a whole stay, so a dot moves only
when the patient moves. Hourly staffed and physical beds per unit, where known, label each box.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pandas as pd

WAIT, BED, BOARD = 0, 1, 2
COLUMNS_PER_BOX = 10
QUEUE_ROWS = 2


class _Slots:
    """The lowest free square of each unit (beds or waiting places)."""

    def __init__(self):
        self.free: dict[str, list[int]] = {}
        self.next: dict[str, int] = {}

    def take(self, unit: str) -> int:
        heap = self.free.setdefault(unit, [])
        if heap:
            return heapq.heappop(heap)
        self.next[unit] = self.next.get(unit, 0) + 1
        return self.next[unit] - 1

    def give(self, unit: str, slot: int) -> None:
        heapq.heappush(self.free.setdefault(unit, []), slot)

    def used(self, unit: str) -> int:
        return self.next.get(unit, 0)


class _Tracker:
    """Walks the events in time order and cuts each patient's path into segments."""

    def __init__(self):
        self.beds, self.queues = _Slots(), _Slots()
        self.open: dict[int, tuple] = {}  # patient -> (unit, state, slot, since)
        self.waiting: dict[int, tuple] = {}  # patient -> (unit, slot, since), not yet in a bed
        self.segments: list[tuple] = []

    def _close(self, patient: int, t: float) -> tuple | None:
        current = self.open.pop(patient, None)
        if current is not None:
            unit, state, slot, since = current
            self.segments.append((patient, unit, state, slot, since, t))
        return current

    def _stop_waiting(self, patient: int, t: float) -> None:
        waiting = self.waiting.pop(patient, None)
        if waiting is not None:
            unit, slot, since = waiting
            self.queues.give(unit, slot)
            self.segments.append((patient, unit, WAIT, slot, since, t))

    def event(self, t: float, patient: int, kind: str, unit: str) -> None:
        if kind == "queue" and patient not in self.open:
            self.waiting[patient] = (unit, self.queues.take(unit), t)
        elif kind == "bed":
            self._stop_waiting(patient, t)
            self.open[patient] = (unit, BED, self.beds.take(unit), t)
        elif kind == "board":
            current = self._close(patient, t)
            if current is not None:
                self.open[patient] = (current[0], BOARD, current[2], t)
        elif kind in ("move", "exit"):
            current = self._close(patient, t)
            if current is not None:
                self.beds.give(current[0], current[2])
        elif kind == "leave":
            self._stop_waiting(patient, t)

    def finish(self, t: float) -> None:
        for patient in list(self.open):
            self._close(patient, t)
        for patient in list(self.waiting):
            self._stop_waiting(patient, t)


def _segments(events: pd.DataFrame, end_h: float) -> tuple[list[tuple], _Tracker]:
    tracker = _Tracker()
    for t, patient, kind, unit in zip(events["time_h"].to_numpy(float), events["patient"],
                                      events["event"], events["unit"]):
        tracker.event(float(t), int(patient), str(kind), str(unit))
    tracker.finish(end_h)
    return tracker.segments, tracker


def flow_scene(events: pd.DataFrame, units: list[dict], start_h: float, end_h: float,
               capacity: dict[str, dict[str, list[float]]] | None = None,
               clock: dict | None = None) -> dict:
    """The animation's scene (see the module doc).

    Parameters
    ----------
    events : DataFrame
        Flow events of one replication (``time_h, patient, event, unit, other``).
    units : list of dict
        ``{"id", "name", "hospital", "beds"}`` per unit, in the order to draw them.
    start_h, end_h : float
        The window to animate (hours from the run's start).
    capacity : dict, optional
        Per unit id, ``{"staffed": [...], "physical": [...]}`` hourly from ``start_h``.
    clock : dict, optional
        ``{"origin": ISO time of hour 0, "timezone": name}`` to show calendar times.

    Returns
    -------
    dict
        JSON-ready: ``units``, ``segments`` (columns ``p, u, k, s, t0, t1``), ``start_h``,
        ``end_h``, ``clock``.
    """
    segments, tracker = _segments(events[events["time_h"] <= end_h], end_h)
    index = {u["id"]: i for i, u in enumerate(units)}
    kept = [s for s in segments if s[5] > start_h and s[1] in index]
    boxes = [{"id": u["id"], "name": u.get("name") or u["id"], "hospital": u.get("hospital"),
              "beds": int(u["beds"]), "size": max(int(u["beds"]), tracker.beds.used(u["id"]))}
             for u in units]
    for box in boxes:
        box["rows"] = max(1, math.ceil(box["size"] / COLUMNS_PER_BOX))
        box["capacity"] = (capacity or {}).get(box["id"])
    columns = np.array([(s[0], index[s[1]], s[2], s[3], max(s[4], start_h), s[5]) for s in kept],
                       dtype=float).reshape(-1, 6)
    return {"units": boxes, "start_h": float(start_h), "end_h": float(end_h),
            "box_columns": COLUMNS_PER_BOX, "queue_rows": QUEUE_ROWS, "clock": clock or {},
            "segments": {"p": columns[:, 0].astype(int).tolist(),
                         "u": columns[:, 1].astype(int).tolist(),
                         "k": columns[:, 2].astype(int).tolist(),
                         "s": columns[:, 3].astype(int).tolist(),
                         "t0": np.round(columns[:, 4], 3).tolist(),
                         "t1": np.round(columns[:, 5], 3).tolist()}}
