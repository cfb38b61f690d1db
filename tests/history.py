"""An in-memory history for tests: state, census and arrivals read from an events frame.

It answers the questions a backtest asks of the state store (:class:`hospitaltwin.backtest.
History`) from the unit stays and equipment episodes of a canonical event log, computed
directly with pandas — an independent reference for the store and a store-free way to
backtest a simulated "truth".
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from hospitaltwin.core.state import DeviceInUse, PatientState, SystemState
from hospitaltwin.eventlog import equipment_episodes, unit_stays


class FrameHistory:
    def __init__(self, events: pd.DataFrame):
        self.stays = unit_stays(events)
        self.episodes = equipment_episodes(events)
        self.log_end = self.stays.attrs["log_end"]

    def _open_at(self, frame: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
        end = frame["end"].fillna(pd.Timestamp.max.tz_localize("UTC"))
        return frame[(frame["start"] <= at) & (end > at)]

    def state_at(self, at: datetime | None = None, layout=None) -> SystemState:
        at = pd.Timestamp(at or self.log_end)
        beds = self._open_at(self.stays, at)
        devices = self._open_at(self.episodes, at)
        by_patient: dict[str, list] = {}
        for row in devices.itertuples():
            by_patient.setdefault(row.patient_id, []).append(
                DeviceInUse(row.equipment, (at - row.start) / pd.Timedelta(hours=1)))
        patients = tuple(PatientState(row.patient_id, row.unit, (at - row.start) / pd.Timedelta(hours=1),
                                      tuple(by_patient.get(row.patient_id, ())))
                         for row in beds.itertuples())
        return SystemState(at.to_pydatetime(), patients, notes={"last_event": self.log_end.isoformat()})

    def census_history(self, start, end, step_h: float = 1.0) -> pd.DataFrame:
        times = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq=pd.Timedelta(hours=step_h))
        parts = [self._counts(self.stays, "unit", "beds", times), self._counts(self.episodes, "equipment", "equipment", times)]
        return pd.concat(parts, ignore_index=True)

    @staticmethod
    def _counts(frame: pd.DataFrame, column: str, kind: str, times: pd.DatetimeIndex) -> pd.DataFrame:
        rows = []
        at = times.to_numpy()
        for name, group in frame.groupby(column):
            start = np.sort(group["start"].to_numpy())
            end = np.sort(group["end"].fillna(pd.Timestamp.max.tz_localize("UTC")).to_numpy())
            level = np.searchsorted(start, at, side="right") - np.searchsorted(end, at, side="right")
            rows.append(pd.DataFrame({"time": times, "resource": name, "kind": kind, "occupied": level}))
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["time", "resource", "kind", "occupied"])

    def arrivals(self, start, end) -> pd.DataFrame:
        entries = self.stays[self.stays["entry"] & (self.stays["start"] >= start) & (self.stays["start"] < end)]
        return entries.rename(columns={"start": "time"})[["time", "unit", "source"]]
