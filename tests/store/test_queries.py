"""As-of states, census history and arrivals agree with what really happened."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hospitaltwin.config.layout import Layout
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.episodes import unit_stays
from hospitaltwin.eventlog.ingest import ingest
from hospitaltwin.store.capacity import bed_capacity
from tests.store.conftest import KEY
from tests.store.helpers import state_picture, truth_picture
from tests.store.synth import START, hospital_log, write_csv

DAYS = 12.0


@pytest.fixture(scope="module")
def synced(module_stores, tmp_path_factory):
    """A store fed a 12-day log in daily batches, and the log's truth (only read by tests)."""
    log, truth = hospital_log(150, 11, days=DAYS)
    day = pd.to_datetime(log["timestamp"]).dt.floor("D")
    tmp_path = tmp_path_factory.mktemp("log")
    store = module_stores.open()
    for i, (_, batch) in enumerate(log.groupby(day)):
        store.sync([write_csv(batch, tmp_path / f"day{i}.csv")], KEY)
    return store, log, truth, tmp_path


def test_state_at_past_times_is_what_really_happened(synced):
    store, _, truth, _ = synced
    instants = pd.date_range(START + pd.Timedelta(hours=5, minutes=3), periods=40,
                             freq=pd.Timedelta(hours=7, minutes=11))
    busy = 0
    for at in instants:
        state = store.state_at(at)
        assert state.as_of == at.to_pydatetime()
        assert state_picture(state) == truth_picture(truth, at), at
        busy += sum(len(p.devices) for p in state.patients) > 0
    assert busy > 5  # devices were really checked


def test_state_at_equals_unit_stays_of_the_whole_log(synced):
    store, log, _, tmp_path = synced
    events = ingest([write_csv(log, tmp_path / "all.csv")], KEY).events
    stays = unit_stays(events)
    for at in pd.date_range(START + pd.Timedelta(days=1), periods=10, freq="26h", tz="UTC"):
        here = stays[(stays["start"] <= at) & (stays["end"].isna() | (stays["end"] > at))]
        expected = {(p, u, round((at - s) / pd.Timedelta(hours=1), 6))
                    for p, u, s in zip(here["patient_id"], here["unit"], here["start"])}
        got = {(p.patient_id, p.unit, round(p.elapsed_h, 6)) for p in store.state_at(at).patients}
        assert got == expected


def test_default_time_is_the_last_event_and_notes_say_so(synced):
    store, log, truth, _ = synced
    state = store.state_at()
    last = pd.Timestamp(max(log["timestamp"]))
    assert state.as_of == last.to_pydatetime() == store.last_event_time()
    assert state.notes["last_event"] == last.isoformat()
    assert store.first_event_time() == min(s for _, _, s, _ in truth.stays).to_pydatetime()
    cancels = 2 * (log["event"] == "cancel").sum()
    assert state.notes["events"] == len(log) - cancels


def test_a_time_before_the_first_event_is_a_clear_error(synced):
    store = synced[0]
    with pytest.raises(HospitaltwinError, match="before the first event"):
        store.state_at(START - pd.Timedelta(days=1))
    with pytest.raises(HospitaltwinError, match="not a time"):
        store.state_at("next tuesday")


def test_an_empty_store_says_to_sync_first(stores):
    with pytest.raises(HospitaltwinError, match="hospitaltwin sync"):
        stores.open().state_at()
    assert stores.open().last_event_time() is None


def test_census_history_counts_beds_and_devices_every_hour(synced):
    store, _, truth, _ = synced
    start, end = START + pd.Timedelta(days=2), START + pd.Timedelta(days=9)
    frame = store.census_history(start, end, step_h=1.0)
    grid = pd.date_range(start, end, freq="1h")
    assert set(frame["resource"]) == {"ED", "ICU", "WARD", "ventilator"}
    assert str(frame["time"].dtype) == "datetime64[ns, UTC]" and frame["occupied"].dtype == np.int64
    for (resource, kind), part in frame.groupby(["resource", "kind"]):
        assert list(part["time"]) == list(grid)
        for t, level in zip(part["time"], part["occupied"]):
            state = truth.state(t)
            if kind == "beds":
                assert level == sum(u == resource for u, _, _ in state.values())
            else:
                assert level == sum(len(d) for _, _, d in state.values())


def test_census_history_matches_state_at_at_odd_steps(synced):
    store = synced[0]
    start = START + pd.Timedelta(days=3, minutes=13)
    frame = store.census_history(start, start + pd.Timedelta(hours=20), step_h=2.5)
    assert frame["time"].nunique() == 9
    for t, part in frame[frame["kind"] == "beds"].groupby("time"):
        census = store.state_at(t).census()
        assert {r: n for r, n in zip(part["resource"], part["occupied"]) if n} == census


def test_arrivals_are_the_entries_from_outside(synced):
    store, _, truth, _ = synced
    start, end = START + pd.Timedelta(days=1), START + pd.Timedelta(days=8)
    frame = store.arrivals(start, end)
    expected = sorted((t, u, s) for t, u, s in truth.entries if start <= t < end)
    assert list(zip(frame["time"], frame["unit"], frame["source"])) == expected
    assert len(expected) > 50


def test_a_layout_must_know_every_unit_of_the_state(synced):
    store = synced[0]
    layout = Layout.model_validate({"units": {"ED": {"beds": 30}, "WARD": {"beds": 80}},
                                    "equipment": {"ventilator": {"count": 10}}})
    at = START + pd.Timedelta(days=6)
    with pytest.raises(HospitaltwinError, match=r"units the layout does not have: ICU \(\d+ patient"):
        store.state_at(at, layout=layout)
    full = layout.model_copy(update={"units": {**layout.units, "ICU": layout.units["ED"]}})
    assert store.state_at(at, layout=full).census() == store.state_at(at).census()


def test_staffed_beds_follow_the_roster_at_that_time():
    layout = Layout.model_validate({
        "timezone": "Europe/Amsterdam",
        "units": {"A": {"beds": 20}, "B": {"beds": 10}, "C": {"beds": 5}},
        "staff": {"nurses": {"units": ["A", "B"], "patients_per_staff": 4,
                             "shifts": {"day": {"start": "7h", "length": "12h", "weekday": 6},
                                        "night": {"start": "19h", "length": "12h", "weekday": 3}}}},
    })
    day = pd.Timestamp("2024-03-05T12:00+01:00")   # a Tuesday, day shift: 24 patients
    night = pd.Timestamp("2024-03-05T23:00+01:00")  # night shift: 12 patients
    assert bed_capacity(layout, day) == {"A": (20, 16), "B": (10, 8), "C": (5, 5)}
    assert bed_capacity(layout, night) == {"A": (20, 8), "B": (10, 4), "C": (5, 5)}
