"""Comparable pictures of a store, shared by the store tests."""

from __future__ import annotations

import pandas as pd

from hospitaltwin.eventlog.pseudonym import pseudonym
from tests.store.conftest import KEY
from tests.store.synth import START


def times(days: float, count: int = 7) -> list[pd.Timestamp]:
    """``count`` instants spread over a log of ``days`` days (off the minute grid)."""
    span = pd.Timedelta(days=days) * 0.97
    return [START + pd.Timedelta(hours=3, seconds=17) + span * i / (count - 1) for i in range(count)]


def state_picture(state) -> dict:
    """``{patient: (unit, elapsed_h, devices)}`` rounded to the microsecond hour."""
    return {p.patient_id: (p.unit, round(p.elapsed_h, 6),
                           tuple(sorted((d.kind, round(d.elapsed_h, 6)) for d in p.devices)))
            for p in state.patients}


def truth_picture(truth, at) -> dict:
    """The truth's state at ``at`` with pseudonymised ids, as :func:`state_picture`."""
    return {pseudonym(KEY, b"patient", p): (u, round(e, 6), tuple((k, round(h, 6)) for k, h in d))
            for p, (u, e, d) in truth.state(at).items()}


def snapshot(store, at_times) -> dict:
    """Everything a sync decides: states, events in force, rejects and stays."""
    first, last = store.first_event_time(), store.last_event_time()
    events = store.table("events")
    rejects = store.table("rejects")
    stays = store.table("stays").drop(columns="id")
    return {
        "first": first, "last": last,
        "states": [state_picture(store.state_at(t)) for t in at_times if first and t >= first],
        "events": sorted(events["event_id"]),
        "in_force": sorted(set(events["event_id"]) - set(rejects["event_id"])),
        "rejects": sorted(zip(rejects["event_id"], rejects["problem"])),
        "stays": sorted(tuple(str(v) for v in row) for row in stays.itertuples(index=False)),
        "episodes": sorted(tuple(str(v) for v in row) for row in
                           store.table("episodes").drop(columns="id").itertuples(index=False)),
    }
