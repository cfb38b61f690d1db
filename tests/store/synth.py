"""A small synthetic hospital log with its ground truth, for the store tests.

Patients arrive at the ED, move on to ICU or WARD (some through both, some with a bed move
inside the ward), may be ventilated in ICU (some ventilator ends are missing: the device then
stops when the patient leaves), and leave by discharge or death; some come back for a second
encounter. Noise an ADT feed really sends is added: a transfer to a wrong unit withdrawn by a
cancel (HL7 A12) a few minutes later, and an admission of a patient who never came, withdrawn
by an A11. Events after the end of the log are not written (stays still open are censored).
Each patient's events have distinct minutes, so their order never depends on input order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

COLUMNS = ["timestamp", "patient_id", "event", "unit", "from_unit", "equipment", "event_id",
           "encounter_id", "source"]
START = pd.Timestamp("2024-03-01T00:00Z")


@dataclass
class Truth:
    """What really happened: stays and device episodes (end None = still running at the end)."""

    stays: list = field(default_factory=list)        # (patient, unit, start, end)
    episodes: list = field(default_factory=list)     # (patient, kind, start, end)
    entries: list = field(default_factory=list)      # (time, unit, source)
    end: pd.Timestamp = START

    def state(self, at: pd.Timestamp) -> dict:
        """``{patient: (unit, elapsed_h, ((kind, elapsed_h), ...))}`` at ``at``."""
        out = {}
        for patient, unit, start, end in self.stays:
            if start <= at and (end is None or end > at):
                devices = tuple(sorted((k, (at - s) / pd.Timedelta(hours=1))
                                       for p, k, s, e in self.episodes
                                       if p == patient and s <= at and (e is None or e > at)))
                out[patient] = (unit, (at - start) / pd.Timedelta(hours=1), devices)
        return out


class _Writer:
    def __init__(self, end: pd.Timestamp):
        self.rows, self.end = [], end

    def add(self, t, patient, event, unit=None, from_unit=None, equipment=None, enc=None, source=None):
        if t <= self.end:
            self.rows.append([t, patient, event, unit, from_unit, equipment, None, enc, source])


def _minutes(rng, lo_h: float, hi_h: float) -> pd.Timedelta:
    return pd.Timedelta(minutes=int(rng.integers(int(lo_h * 60), int(hi_h * 60) + 1)))


def _encounter(rng, w: _Writer, truth: Truth, patient: str, enc: str, t: pd.Timestamp,
               noise: float, last: bool) -> pd.Timestamp:
    """One encounter from ``t``; returns when it ends."""
    source = str(rng.choice(["walk-in", "ambulance"]))
    w.add(t, patient, "admit", "ED", enc=enc, source=source)
    if t <= w.end:
        truth.entries.append((t, "ED", source))
    path = [("ED", _minutes(rng, 1, 8))]
    route = rng.random()
    if route < 0.3:
        path += [("ICU", _minutes(rng, 12, 96)), ("WARD", _minutes(rng, 12, 120))]
    elif route < 0.8:
        path += [("WARD", _minutes(rng, 12, 160))]
    now, unit_start = t, t
    for i, (unit, stay) in enumerate(path):
        if i:
            w.add(now, patient, "transfer", unit, path[i - 1][0], enc=enc)
        unit_start, leave = now, now + stay
        if unit == "ICU" and rng.random() < 0.6:
            _ventilate(rng, w, truth, patient, enc, now, leave, last)
        if unit == "WARD" and rng.random() < 0.3:
            w.add(now + stay / 2, patient, "transfer", "WARD", "WARD", enc=enc)  # a bed move
        if noise and unit == "WARD" and rng.random() < noise:
            wrong = now + stay / 3
            w.add(wrong, patient, "transfer", "ICU", "WARD", enc=enc)
            w.add(wrong + pd.Timedelta(minutes=7), patient, "cancel", enc=enc, source="transfer")
        truth.stays.append((patient, unit, unit_start, leave if leave <= w.end else None))
        now = leave
    w.add(now, patient, "death" if last and rng.random() < 0.05 else "discharge", enc=enc)
    return now


def _ventilate(rng, w, truth, patient, enc, since, leave, last) -> None:
    start = since + pd.Timedelta(minutes=int(rng.integers(10, 120)))
    if start >= leave:
        return
    end = start + _minutes(rng, 2, 72)
    missing_end = last and rng.random() < 0.2  # (a later start would overlap it: ingest's rule)
    if end >= leave and not last:
        end = leave - pd.Timedelta(minutes=1)
    if end >= leave or missing_end:
        end = leave  # the device stops when the patient leaves
    else:
        w.add(end, patient, "equipment_end", equipment="ventilator", enc=enc)
    w.add(start, patient, "equipment_start", equipment="ventilator", enc=enc)
    if start <= w.end:
        truth.episodes.append((patient, "ventilator", start, end if end <= w.end else None))


def hospital_log(patients: int, seed: int, days: float = 10.0, noise: float = 0.3,
                 event_ids: bool = True) -> tuple[pd.DataFrame, Truth]:
    """A canonical log (text columns, shuffled by time) and its :class:`Truth`.

    ``noise`` is the chance that a ward stay has a wrong transfer cancelled minutes later (and
    a third of it that of a cancelled admission of a patient who never came). Patient ids are
    raw (``P0001``): the store pseudonymises them.
    """
    rng = np.random.default_rng(seed)
    end = START + pd.Timedelta(days=days)
    w, truth = _Writer(end), Truth(end=end)
    for i in range(patients):
        patient = f"P{i:04d}"
        t = START + _minutes(rng, 0, days * 24)
        again = rng.random() < 0.2
        left = _encounter(rng, w, truth, patient, f"E{i:04d}a", t, noise, last=not again)
        if again:
            _encounter(rng, w, truth, patient, f"E{i:04d}b", left + _minutes(rng, 24, 72), noise,
                       last=True)
        if noise and rng.random() < noise / 3:
            ghost, at = f"G{i:04d}", START + _minutes(rng, 0, days * 24 * 0.9)
            w.add(at, ghost, "admit", "WARD", enc=f"X{i:04d}", source="walk-in")
            w.add(at + pd.Timedelta(minutes=30), ghost, "cancel", enc=f"X{i:04d}", source="admit")
    frame = pd.DataFrame(w.rows, columns=COLUMNS).sort_values("timestamp", kind="stable")
    frame["timestamp"] = frame["timestamp"].map(lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"))
    frame["event_id"] = [f"ev{i:06d}" for i in range(len(frame))] if event_ids else None
    return frame.reset_index(drop=True), truth


def write_csv(frame: pd.DataFrame, path) -> str:
    """Write a log as canonical CSV; returns the path."""
    frame.to_csv(path, index=False)
    return str(path)
