"""Per-patient sequence rules: where a patient is, and which events cannot follow which.

Events are judged in time order against the state left by the events accepted before them:
the unit the patient is in (or none), the encounter of the open stay, and the equipment in
use. The rules, for one patient:

- ``arrive``/``admit`` from outside start a stay. While a stay is open, an ``admit`` of the
  same (or an unnamed) encounter moves the patient (the ED-to-ward admission); an ``arrive``
  only does so for the same named encounter. Anything else is an *overlapping stay*.
- ``transfer`` needs an open stay; its ``from_unit``, when given, must be the unit the
  patient is in. A transfer as the very first event of a patient is accepted (the log starts
  mid-stay); after a discharge it is quarantined.
- ``discharge``/``death`` need an open stay; if the encounter's entry only comes later, the
  stay *ends before it starts*.
- Named encounters must agree with the open stay's encounter.
- ``equipment_start`` needs that equipment not already running; ``equipment_end`` needs it
  running.

:func:`flow_candidates` and :func:`equipment_candidates` apply the rules to every row at once,
assuming the rows before were accepted; a patient with no failing row is therefore exactly
valid, and only the others (few, in real logs) are replayed one event at a time by
:func:`replay_flow` / :func:`replay_equipment`, which are the reference definition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hospitaltwin.eventlog.schema import as_bool, same_as_previous


def _eq(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Both present and equal."""
    return as_bool(a.notna() & b.notna() & a.eq(b))


def _compatible(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Either missing, or equal."""
    return as_bool(a.isna() | b.isna() | a.eq(b))


def flow_candidates(flow: pd.DataFrame) -> np.ndarray:
    """Rows that break a rule if every earlier row of the patient was accepted.

    ``flow`` holds only flow events, sorted by patient then time, with columns ``patient_id,
    kind, unit, from_unit, encounter_id``.
    """
    kind = flow["kind"].to_numpy()
    same = same_as_previous(flow["patient_id"])
    is_in = np.isin(kind, ("arrive", "admit", "transfer"))
    open_before = same & np.roll(is_in, 1)
    if len(open_before):
        open_before[0] = False
    unit_before = flow["unit"].shift().where(open_before)
    block = np.cumsum(~open_before)
    enc = flow["encounter_id"]
    enc_before = enc.groupby(block).ffill().groupby(block).shift()
    agree = _compatible(enc, enc_before)
    admit_ok = (kind == "admit") & agree
    arrive_ok = (kind == "arrive") & _eq(enc, enc_before)
    entry_ok = ~open_before | admit_ok | arrive_ok
    from_ok = as_bool(flow["from_unit"].isna()) | _eq(flow["from_unit"], unit_before)
    transfer_ok = (~open_before & ~same) | (open_before & from_ok & agree)
    exit_ok = open_before & agree
    ok = np.where(np.isin(kind, ("arrive", "admit")), entry_ok,
                  np.where(kind == "transfer", transfer_ok, exit_ok))
    return ~ok


def equipment_candidates(rows: pd.DataFrame) -> np.ndarray:
    """Equipment rows that break a rule if every earlier row of the same key was accepted.

    ``rows`` is sorted by patient, equipment, time, with columns ``patient_id, equipment,
    kind``.
    """
    same = same_as_previous(rows["patient_id"]) & same_as_previous(rows["equipment"])
    is_start = rows["kind"].to_numpy() == "equipment_start"
    running = same & np.roll(is_start, 1)
    if len(running):
        running[0] = False
    return np.where(is_start, running, ~running)


def _fmt(ts) -> str:
    return pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M") if pd.notna(ts) else "?"


def _na(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


class _Patient:
    """The state of one patient while replaying its flow events."""

    def __init__(self) -> None:
        self.unit = None
        self.enc = None
        self.since = None
        self.left = None
        self.seen = False

    def agrees(self, enc) -> bool:
        return _na(enc) or _na(self.enc) or enc == self.enc

    def enter(self, unit, enc, ts) -> None:
        if self.unit != unit:
            self.since = ts
        self.unit, self.seen = unit, True
        self.enc = self.enc if _na(enc) else enc


def _judge(state: _Patient, row, later_entries: dict) -> tuple[str, str] | None:
    """The (problem, reason) of one flow row against the state, or None if accepted."""
    kind, unit, enc = row.kind, row.unit, row.encounter_id
    if kind in ("arrive", "admit"):
        if state.unit is None:
            return None
        if (kind == "admit" and state.agrees(enc)) or (
                kind == "arrive" and not _na(enc) and enc == state.enc):
            return None
        return ("overlapping_stay", f"{kind} into {unit!r} while the patient is still in "
                f"{state.unit!r} (since {_fmt(state.since)})")
    if kind == "transfer":
        if state.unit is None:
            if not state.seen:
                return None
            return ("transfer_while_out", f"transfer to {unit!r} but the patient is in no unit "
                    f"(left at {_fmt(state.left)})")
        if not _na(row.from_unit) and row.from_unit != state.unit:
            return ("wrong_from_unit", f"transfer from {row.from_unit!r} but the patient is in "
                    f"{state.unit!r}")
        return None if state.agrees(enc) else (
            "encounter_mismatch", "transfer names another encounter than the open stay's")
    if state.unit is None:
        first = later_entries.get(enc) if not _na(enc) else None
        if first is not None and first > row.timestamp:
            return ("end_before_start", f"{kind} at {_fmt(row.timestamp)} comes before the "
                    f"stay it ends starts ({_fmt(first)})")
        return ("exit_while_out", f"{kind} but the patient is in no unit")
    return None if state.agrees(enc) else (
        "encounter_mismatch", f"{kind} names another encounter than the open stay's")


def _apply(state: _Patient, row) -> None:
    if row.kind in ("arrive", "admit", "transfer"):
        state.enter(row.unit, row.encounter_id, row.timestamp)
    else:
        state.unit, state.enc, state.left, state.seen = None, None, row.timestamp, True


def replay_flow(flow: pd.DataFrame) -> dict[int, tuple[str, str]]:
    """Replay sorted flow rows one at a time; return {index: (problem, reason)} of rejects."""
    rejects: dict[int, tuple[str, str]] = {}
    for _, rows in flow.groupby("patient_id", sort=False):
        state = _Patient()
        entries = rows[rows["kind"].isin(("arrive", "admit"))]
        later = entries.dropna(subset=["encounter_id"]).groupby("encounter_id")["timestamp"].min()
        later = later.to_dict()
        for row in rows.itertuples():
            verdict = _judge(state, row, later)
            if verdict is None:
                _apply(state, row)
            else:
                rejects[row.Index] = verdict
    return rejects


def replay_equipment(rows: pd.DataFrame) -> dict[int, tuple[str, str]]:
    """Replay sorted equipment rows per (patient, equipment); return the rejects."""
    rejects: dict[int, tuple[str, str]] = {}
    for _, group in rows.groupby(["patient_id", "equipment"], sort=False):
        since = None
        for row in group.itertuples():
            if row.kind == "equipment_start":
                if since is not None:
                    rejects[row.Index] = ("overlapping_equipment", f"{row.equipment!r} started "
                                          f"while already in use since {_fmt(since)}")
                else:
                    since = row.timestamp
            elif since is None:
                rejects[row.Index] = ("end_without_start", f"{row.equipment!r} ended but was "
                                      "not in use")
            else:
                since = None
    return rejects
