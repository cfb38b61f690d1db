"""HL7 v2 ADT: exact events from a fixture (newline- and MLLP-framed), cancels applied on
ingest, and the direct field read agreeing with python-hl7 on arbitrary messages."""

from hypothesis import given, settings
from hypothesis import strategies as st

from hospitaltwin.eventlog.hl7v2 import fast_fields, hl7_time, library_fields, read_hl7
from hospitaltwin.eventlog.ingest import ingest

WANT = [  # timestamp, patient, event, unit, from_unit, event_id, encounter, source, acuity
    ("2024-05-01T08:00:00", "P100", "arrive", "ER", None, "C1", "V1", "7", "E"),
    ("2024-05-01T10:00:00", "P100", "admit", "MED", None, "C2", "V1", "7", "E"),
    ("2024-05-02T09:00:00", "P100", "transfer", "ICU", "MED", "C4", "V1", "7", "E"),
    ("2024-05-03T12:00:00", "P100", "transfer", "SDU", "ICU", "C5", "V1", "7", "E"),
    ("2024-05-03T12:30:00", "P100", "cancel", "ICU", None, "C6", "V1", "transfer", "E"),
    ("2024-05-05T11:00:00", "P100", "discharge", "ICU", None, "C7", "V1", "7", "E"),
    ("2024-05-06T08:00:00+02:00", "P&200", "admit", "ICU", None, "C8", "V2", "1", "U"),
    ("2024-05-07T08:00:00", "P&200", "death", "ICU", None, "C9", "V2", "1", "U"),
    ("2024-05-08T08:00:00", "P300", "admit", "WARD9", None, "C12", "V3", "2", "R"),
    ("2024-05-08T08:10:00", "P300", "cancel", "WARD9", None, "C13", "V3", "admit", "R"),
]
COLS = ["timestamp", "patient_id", "event", "unit", "from_unit", "event_id", "encounter_id",
        "source", "acuity"]
SKIPPED = {"HL7 ADT^A08 without a location change": 1, "HL7 ORU message (not ADT)": 1,
           "HL7 ADT^A05 (not a flow event)": 1}


def rows(frame):
    return [tuple(None if v is None or v != v else v for v in r)
            for r in frame[COLS].astype(object).where(frame[COLS].notna(), None).itertuples(index=False)]


def test_newline_separated(fixtures):
    result = read_hl7(fixtures / "adt.hl7")
    assert rows(result.events) == WANT
    assert result.events["source_line"].tolist() == [3, 8, 18, 23, 28, 33, 38, 43, 56, 61]
    assert dict(result.skipped) == SKIPPED
    q = result.quarantine
    assert sorted(zip(q["source_line"], q["problem"])) == [(1, "unreadable_record"),
                                                          (66, "unreadable_record")]


def test_mllp_framed(fixtures):
    result = read_hl7(fixtures / "adt_mllp.hl7")
    assert rows(result.events) == WANT
    assert dict(result.skipped) == SKIPPED and len(result.quarantine) == 1


def test_ingest_applies_cancels(fixtures, key):
    result = ingest([fixtures / "adt.hl7"], key)
    s = result.summary
    assert s["totals"] == {"read": 12, "accepted": 6, "quarantined": 6, "duplicates": 0,
                           "skipped": 3}
    assert s["quarantined"] == {"unreadable_record": 2, "cancelled": 2, "cancel_applied": 2}
    ev = result.events
    assert sorted(zip(ev["source_line"], ev["event"].astype(str))) == [
        (3, "arrive"), (8, "admit"), (18, "transfer"), (33, "discharge"), (38, "admit"),
        (43, "death")]
    ts = ev.sort_values("source_line")["timestamp"].dt.strftime("%Y-%m-%d %H:%M").tolist()
    assert ts[4] == "2024-05-06 06:00"  # +02:00 offset kept as an instant


def test_hl7_time():
    assert hl7_time("20240501") == "2024-05-01T00:00:00"
    assert hl7_time("202405011230") == "2024-05-01T12:30:00"
    assert hl7_time("20240501123045.12-0500") == "2024-05-01T12:30:45.12-05:00"
    assert hl7_time("yesterday") == "yesterday" and hl7_time("") is None


text = st.text(alphabet=st.sampled_from(list("AB12 ^~&|\\.-ICU")), max_size=12)


@st.composite
def messages(draw):
    seps = draw(st.sampled_from(["|^~\\&", "|^~\\&", "#$*\\@", "|^~\\"]))
    f = seps[0]
    msh = f"MSH{seps}" + f.join([""] + draw(st.lists(text, min_size=0, max_size=12)))
    body = []
    for name in draw(st.lists(st.sampled_from(["EVN", "PID", "PV1", "OBX", "PIDX"]),
                              max_size=5)):
        body.append(name + f + f.join(draw(st.lists(text, max_size=40))))
    return [msh, *body]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(messages())
def test_fast_read_equals_python_hl7(segments):
    fast = fast_fields(segments)
    if fast is None:
        return
    try:
        lib = library_fields(segments)
    except Exception:  # noqa: BLE001
        return
    assert fast == lib
