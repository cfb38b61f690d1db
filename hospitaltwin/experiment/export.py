"""Export a simulated replication as a canonical event log (docs/reference/event-log.md).

What an ADT system would have recorded: an ``admit`` when a patient gets their first bed (with
the arrival stream's ``source``), a ``transfer`` at each move, a ``discharge`` or ``death`` at
the end, and ``equipment_start``/``equipment_end`` per device episode. Requests that never got
a bed (diverted, still waiting) and ends after the horizon leave no event, as in a real log.
Timestamps are ISO 8601 with the layout's UTC offset. Used to make synthetic sample logs and
for round-trip tests (simulate -> log -> calibrate -> recover the parameters).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from hospitaltwin.core.outputs import output_file
from hospitaltwin.engine import CompiledModel, Replication

COLUMNS = ("timestamp", "patient_id", "event", "unit", "from_unit", "equipment", "event_id",
           "encounter_id", "source", "acuity")


def _stay_events(rep: Replication, model: CompiledModel) -> pd.DataFrame:
    stays = rep.stays
    admitted = ~np.isnan(stays["start"])
    source = stays.labels("source")[admitted]
    unit = stays.labels("unit")[admitted]
    patient = stays["patient"][admitted]
    start, end = stays["start"][admitted], stays["end"][admitted]
    outcome = stays.labels("outcome")[admitted]
    moved = np.char.startswith(source.astype(str), "from:")
    streams = {s.name: s.source for s in model.streams}
    entries = pd.DataFrame({
        "time": start, "patient": patient, "event": np.where(moved, "transfer", "admit"), "unit": unit,
        "from_unit": np.where(moved, np.char.replace(source.astype(str), "from:", ""), None),
        "source": [None if m else streams.get(s, "transfer-in" if s == "(link)" else s) for s, m in zip(source, moved)],
        "order": 0,
    })
    ended = ~np.isnan(end) & np.isin(outcome, ["discharge", "death", "transfer_out"])
    exits = pd.DataFrame({
        "time": end[ended], "patient": patient[ended],
        "event": np.where(outcome[ended] == "death", "death", "discharge"), "unit": unit[ended],
        "from_unit": None, "source": np.where(outcome[ended] == "transfer_out", "transfer_out", None),
        "order": 2,
    })
    return pd.concat([entries, exits], ignore_index=True)


def _device_events(rep: Replication, model: CompiledModel) -> pd.DataFrame:
    devices = rep.devices
    met = devices["met"]
    kinds = np.array([p.kind for p in model.pools], dtype=object)  # a log names the device, not the pool
    pool, unit, patient = kinds[devices["pool"][met]], devices.labels("unit")[met], devices["patient"][met]
    start, end = devices["start"][met], devices["end"][met]
    starts = pd.DataFrame({"time": start, "patient": patient, "event": "equipment_start", "unit": unit,
                           "equipment": pool, "order": 1})
    done = end <= rep_horizon(rep)
    ends = pd.DataFrame({"time": end[done], "patient": patient[done], "event": "equipment_end",
                         "unit": unit[done], "equipment": pool[done], "order": 1})
    return pd.concat([starts, ends], ignore_index=True)


def rep_horizon(rep: Replication) -> float:
    """The last instant of the replication's hourly census (its horizon)."""
    return float(rep.census["time_h"].max()) if len(rep.census) else np.inf


def replication_events(rep: Replication, model: CompiledModel, timezone: str = "UTC",
                       prefix: str = "sim") -> pd.DataFrame:
    """The canonical event log of one simulated replication, sorted by time."""
    frame = pd.concat([_stay_events(rep, model), _device_events(rep, model)], ignore_index=True)
    frame = frame[frame["time"] >= 0].sort_values(["time", "patient", "order"], kind="stable")
    zone = ZoneInfo(timezone)
    origin = model.origin.replace(tzinfo=zone) if model.origin.tzinfo is None else model.origin
    stamps = [(origin + timedelta(hours=float(h))).astimezone(zone).isoformat(timespec="seconds")
              for h in frame["time"]]
    pid = [f"{prefix}-{rep.replication}-{p}" for p in frame["patient"]]
    out = pd.DataFrame({
        "timestamp": stamps, "patient_id": pid, "event": frame["event"].to_numpy(),
        "unit": frame["unit"].to_numpy(), "from_unit": frame.get("from_unit"),
        "equipment": frame.get("equipment"), "event_id": [f"{p}-{i}" for i, p in enumerate(pid)],
        "encounter_id": pid, "source": frame.get("source"), "acuity": None,
    })
    return out[list(COLUMNS)].reset_index(drop=True)


def write_events(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write events as CSV (``.csv``, ``.csv.gz``) or Parquet (``.parquet``), atomically and
    readable by the owner only (:func:`~hospitaltwin.core.outputs.output_file`)."""
    path = Path(path)
    with output_file(path) as tmp:
        if path.suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, compression="gzip" if path.suffix == ".gz" else None)
    return path
