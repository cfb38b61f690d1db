"""Unit stays and equipment episodes from small hand-made event logs."""

import pandas as pd

from hospitaltwin.eventlog.episodes import equipment_episodes, unit_stays
from hospitaltwin.eventlog.schema import EVENT_DTYPE, STRING_DTYPE


def events(rows):
    cols = ["timestamp", "patient_id", "event", "unit", "encounter_id", "source", "equipment"]
    frame = pd.DataFrame([dict(zip(cols, r)) for r in rows], columns=cols)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["event"] = frame["event"].astype(EVENT_DTYPE)
    for c in cols[3:] + ["patient_id"]:
        frame[c] = frame[c].astype(STRING_DTYPE)
    return frame


def T(h):
    return pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=h)


LOG = events([
    (T(0), "p1", "arrive", "ED", "e1", "ambulance", None),
    (T(2), "p1", "admit", "WARD", None, None, None),
    (T(5), "p1", "transfer", "WARD", None, None, None),      # bed move: same stay
    (T(10), "p1", "transfer", "ICU", None, None, None),
    (T(11), "p1", "equipment_start", None, None, None, "ventilator"),
    (T(20), "p1", "equipment_end", None, None, None, "ventilator"),
    (T(30), "p1", "death", None, None, None, None),
    (T(1), "p2", "admit", "WARD", "e2", "referral", None),
    (T(4), "p2", "discharge", None, None, None, None),
    (T(6), "p2", "admit", "ICU", "e3", None, None),
    (T(7), "p2", "equipment_start", None, None, None, "ventilator"),
    (T(40), "p3", "arrive", "ED", None, None, None),
])


def test_unit_stays_rows():
    stays = unit_stays(LOG)
    got = stays.astype(object).where(stays.notna(), None).to_dict("records")
    want = [
        dict(patient_id="p1", encounter_id="e1", unit="ED", start=T(0), end=T(2), next="WARD",
             source="ambulance", entry=True, from_unit=None),
        dict(patient_id="p1", encounter_id="e1", unit="WARD", start=T(2), end=T(10), next="ICU",
             source=None, entry=False, from_unit="ED"),
        dict(patient_id="p1", encounter_id="e1", unit="ICU", start=T(10), end=T(30), next="death",
             source=None, entry=False, from_unit="WARD"),
        dict(patient_id="p2", encounter_id="e2", unit="WARD", start=T(1), end=T(4),
             next="discharge", source="referral", entry=True, from_unit=None),
        dict(patient_id="p2", encounter_id="e3", unit="ICU", start=T(6), end=None, next=None,
             source=None, entry=True, from_unit=None),
        dict(patient_id="p3", encounter_id=None, unit="ED", start=T(40), end=None, next=None,
             source=None, entry=True, from_unit=None),
    ]
    assert got == want
    assert stays.attrs["log_end"] == T(40)
    assert str(stays["start"].dtype) == "datetime64[ns, UTC]"


def test_equipment_episodes_rows():
    eq = equipment_episodes(LOG)
    got = eq.astype(object).where(eq.notna(), None).to_dict("records")
    assert got == [
        dict(patient_id="p1", unit="ICU", equipment="ventilator", start=T(11), end=T(20)),
        dict(patient_id="p2", unit="ICU", equipment="ventilator", start=T(7), end=None),
    ]


def test_empty_log():
    empty = LOG.iloc[:0]
    assert list(unit_stays(empty).columns) == ["patient_id", "encounter_id", "unit", "start",
                                               "end", "next", "source", "entry", "from_unit"]
    assert equipment_episodes(empty).empty
