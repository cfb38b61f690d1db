"""Patient-flow events of a simulated replication: who queued, got a bed, boarded, moved, left.

Where :mod:`~hospitaltwin.experiment.export` writes what an ADT system would have recorded
(admissions, transfers, discharges), this is what an animation or a process-mining tool needs
to see the queues too. It is read off the ``stays`` table, one row per bed request, so a
result directory's ``stays.parquet`` gives it as well as a replication in memory; the engine
is not changed. One row per event, sorted by time (hours from the run's start):

========  =====================================================================
event     meaning (``unit``; ``other``)
========  =====================================================================
queue     a bed request that had to wait (the unit asked for; the request's source)
divert    a bed request turned away at once (the unit; ``diverted``)
bed       the patient lies down in a bed (the unit; the unit asked for, when it overflowed)
board     ready to leave but holding the bed, waiting for one elsewhere (the unit; next unit)
move      leaves the bed for the next unit's (the unit left; the next unit)
exit      leaves the hospital (the unit; ``discharge``, ``death``, ``transfer_out``)
leave     gave up waiting, e.g. left the ED unseen (the unit asked for; ``left``)
========  =====================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FLOW_COLUMNS = ("time_h", "patient", "event", "unit", "other")
EVENT_ORDER = {"move": 0, "exit": 0, "leave": 0, "bed": 1, "queue": 2, "divert": 2, "board": 3}
EXITS = ("discharge", "death", "transfer_out")
EPSILON_H = 1e-9


def stays_table(stays) -> pd.DataFrame:
    """A replication's stays (an engine :class:`~hospitaltwin.core.frame.Frame` or a DataFrame
    read from ``stays.parquet``) with units, sources and outcomes as strings."""
    if isinstance(stays, pd.DataFrame):
        frame = stays.copy()
        for column in ("unit", "intended_unit", "source", "outcome"):
            frame[column] = frame[column].astype(str)
        return frame
    columns = {name: stays[name] for name in ("patient", "arrive", "start", "ready", "end")}
    for name in ("unit", "intended_unit", "source", "outcome"):
        columns[name] = stays.labels(name).astype(str)
    return pd.DataFrame(columns)


def _rows(mask, time, patient, event, unit, other) -> pd.DataFrame:
    return pd.DataFrame({"time_h": time[mask], "patient": patient[mask], "event": event,
                         "unit": unit[mask], "other": other[mask] if not isinstance(other, str)
                         else other})


def flow_events(stays) -> pd.DataFrame:
    """The flow events of one replication's stays (see the module doc), sorted by time."""
    s = stays_table(stays)
    arrive, start, ready, end = (s[c].to_numpy(float) for c in ("arrive", "start", "ready", "end"))
    patient = s["patient"].to_numpy()
    unit, asked = s["unit"].to_numpy(object), s["intended_unit"].to_numpy(object)
    source, outcome = s["source"].to_numpy(object), s["outcome"].to_numpy(object)
    admitted, ended = ~np.isnan(start), ~np.isnan(end)
    moves_on = np.isin(outcome, list(set(s["unit"]) | set(s["intended_unit"])))
    waited = np.where(admitted, start > arrive + EPSILON_H, outcome != "diverted")
    overflowed = np.where(admitted & (unit != asked), asked, None)
    parts = [
        _rows(waited, arrive, patient, "queue", asked, source),
        _rows(~admitted & (outcome == "diverted"), arrive, patient, "divert", asked, "diverted"),
        _rows(~admitted & (outcome == "left") & ended, end, patient, "leave", asked, "left"),
        _rows(admitted, start, patient, "bed", unit, overflowed),
        _rows(admitted & moves_on & ended & (end > ready + EPSILON_H), ready, patient, "board",
              unit, outcome),
        _rows(admitted & moves_on & ended, end, patient, "move", unit, outcome),
        _rows(admitted & ended & np.isin(outcome, EXITS), end, patient, "exit", unit, outcome),
    ]
    events = pd.concat(parts, ignore_index=True)
    events["order"] = events["event"].map(EVENT_ORDER)
    events = events.sort_values(["time_h", "order", "patient"], kind="stable")
    return events[list(FLOW_COLUMNS)].reset_index(drop=True)
