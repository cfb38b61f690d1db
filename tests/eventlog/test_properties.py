"""Property tests: mangled rows and messages never crash a reader (only whole-file problems
raise HospitaltwinError), and every event read is accepted, quarantined or a duplicate."""

import csv
import gzip
import io
import json

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.ingest import ingest
from hospitaltwin.eventlog.schema import EVENT_KINDS
from hospitaltwin.eventlog.sequence import flow_candidates, replay_flow
from tests.eventlog.conftest import KEY

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
junk = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
stamps = st.one_of(st.sampled_from(["2024-01-01T08:00", "2024-01-01 09:30:00+01:00",
                                    "2024-01-02T00:00:00Z", "2024-13-45T99:00", "", "yesterday",
                                    "2024-03-31T02:30"]), junk)
kinds = st.one_of(st.sampled_from(EVENT_KINDS), st.sampled_from(["ADMIT", " admit ", ""]), junk)
units = st.one_of(st.sampled_from(["ICU", "WARD", "ED", ""]), junk)
patients = st.one_of(st.sampled_from(["p1", "p2", "p3", ""]), junk)


def adds_up(result):
    totals = result.summary["totals"]
    assert totals["read"] == totals["accepted"] + totals["quarantined"] + totals["duplicates"]
    for counts in result.summary["files"].values():
        assert counts["read"] == counts["accepted"] + counts["quarantined"] + counts["duplicates"]


def run(path, **kw):
    try:
        result = ingest([path], KEY, **kw)
    except HospitaltwinError:
        return None
    adds_up(result)
    return result


row = st.tuples(stamps, patients, kinds, units, units, st.sampled_from(["", "ventilator"]),
                st.sampled_from(["", "e1", "e2"]), st.sampled_from(["", "x", "y"]),
                st.sampled_from(["", "admit", "transfer"]))


@SETTINGS
@given(rows=st.lists(row, max_size=30), extra=st.lists(junk, max_size=3),
       tz=st.sampled_from(["UTC", "Europe/Amsterdam"]))
def test_canonical_csv(tmp_path_factory, rows, extra, tz):
    path = tmp_path_factory.mktemp("csv") / "log.csv"
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["timestamp", "patient_id", "event", "unit", "from_unit", "equipment",
                     "encounter_id", "event_id", "source"])
    for r in rows:
        writer.writerow(r)
    text = buf.getvalue() + "\n".join(extra)
    path.write_text(text, encoding="utf-8")
    run(path, tz=tz)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bin") / "log.dat"
    path.write_bytes(data)
    run(path)
    path.write_bytes(b"timestamp,patient_id,event\n" + data)
    run(path)


segment_names = st.sampled_from(["MSH", "EVN", "PID", "PV1", "OBX", "ZZZ", "MS", ""])
hl7_field = st.one_of(st.sampled_from(["ADT^A01", "ADT^A02", "ADT^A03", "ADT^A08", "ADT^A11",
                                       "ADT^A12", "ADT^A13", "ORU^R01", "20240101083000",
                                       "ICU^1^A", "P1^^^H^MR", "Y", "\\F\\"]), junk)


@st.composite
def hl7_file(draw):
    messages = []
    for _ in range(draw(st.integers(0, 12))):
        header = "MSH|^~\\&|A|B|C|D|" + draw(hl7_field) + "||" + draw(hl7_field) + "|" + \
            draw(st.sampled_from(["c1", "c2", "c3", ""])) + "|P|2.5"
        body = [draw(segment_names) + "|" + "|".join(draw(st.lists(hl7_field, max_size=20)))
                for _ in range(draw(st.integers(0, 4)))]
        messages.append("\r".join([draw(st.sampled_from([header, header[:12], "MSH"]))] + body))
    frame = draw(st.sampled_from(["mllp", "lines", "blank"]))
    if frame == "mllp":
        return "".join(f"\x0b{m}\r\x1c\r" for m in messages)
    return ("\n\n" if frame == "blank" else "\n").join(m.replace("\r", "\n") for m in messages)


@SETTINGS
@given(text=hl7_file())
def test_hl7(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("hl7") / "adt.hl7"
    path.write_text(text, encoding="utf-8")
    run(path, fmt="hl7")
    run(path)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), junk,
              st.sampled_from(["2024-01-01T00:00:00Z", "Patient/p1", "EMER", "exp"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(
                                ["location", "period", "start", "end", "display", "reference",
                                 "subject", "class", "code", "coding", "id", "hospitalization",
                                 "dischargeDisposition", "resourceType"]), inner, max_size=4)),
    max_leaves=20)


@st.composite
def encounter(draw):
    loc = st.fixed_dictionaries({"location": st.one_of(
        st.fixed_dictionaries({"display": units}), json_values),
        "period": st.one_of(st.fixed_dictionaries(
            {"start": stamps, "end": stamps}), json_values)})
    return {"resourceType": draw(st.sampled_from(["Encounter", "Encounter", "Patient", 3])),
            "id": draw(st.one_of(st.sampled_from(["e1", "e2"]), json_values)),
            "subject": draw(st.one_of(st.fixed_dictionaries(
                {"reference": st.sampled_from(["Patient/p1", "Patient/p2", "p3", ""])}),
                json_values)),
            "class": draw(st.one_of(st.just({"code": "EMER"}), json_values)),
            "location": draw(st.one_of(st.lists(loc, max_size=4), json_values)),
            "period": draw(st.one_of(st.fixed_dictionaries({"end": stamps}), json_values))}


@SETTINGS
@given(resources=st.lists(st.one_of(encounter(), json_values), max_size=8),
       ndjson=st.booleans(), broken=st.booleans())
def test_fhir(tmp_path_factory, resources, ndjson, broken):
    path = tmp_path_factory.mktemp("fhir") / "enc.json"
    if ndjson:
        lines = [json.dumps(r) for r in resources] + (["{broken"] if broken else [])
        text = "\n".join(lines)
    else:
        text = json.dumps({"resourceType": "Bundle",
                           "entry": [{"resource": r} for r in resources]})
        text = text[: len(text) // 2] if broken else text
    path.write_text(text, encoding="utf-8")
    run(path, fmt="fhir")


activities = st.one_of(st.sampled_from(["ER Registration", "Admission NC", "Admission IC",
                                        "Release A", "Return ER", "CRP"]), junk)


@st.composite
def xes_text(draw):
    traces = []
    for _ in range(draw(st.integers(0, 5))):
        events = []
        for _ in range(draw(st.integers(0, 6))):
            events.append('<event><string key="concept:name" value=%s/>'
                          '<date key="time:timestamp" value=%s/></event>'
                          % (json.dumps(draw(activities)), json.dumps(draw(stamps))))
        name = draw(st.one_of(st.sampled_from(["A", "B"]), junk))
        traces.append('<trace><string key="concept:name" value=%s/>%s</trace>'
                      % (json.dumps(name), "".join(events)))
    text = '<?xml version="1.0"?>\n<log>\n' + "\n".join(traces) + "\n</log>\n"
    cut = draw(st.one_of(st.none(), st.integers(0, len(text))))
    return text if cut is None else text[:cut]


@SETTINGS
@given(text=xes_text(), zipped=st.booleans())
def test_xes(tmp_path_factory, text, zipped):
    path = tmp_path_factory.mktemp("xes") / "log.xes"
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if zipped else data)
    run(path, fmt="xes")


mimic_row = st.tuples(st.sampled_from(["1", "2", "", "x"]), st.sampled_from(["10", "11", ""]),
                      st.sampled_from(["ED", "admit", "transfer", "discharge", "??"]),
                      st.sampled_from(["Emergency Department", "MICU", "Medicine", ""]),
                      st.sampled_from(["2150-01-01 10:00:00", "2150-01-02 10:00:00", "", "bad"]),
                      st.sampled_from(["2150-01-01 12:00:00", "2150-01-03 10:00:00", ""]))


@SETTINGS
@given(rows=st.lists(mimic_row, max_size=20))
def test_mimic_transfers(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("mimic") / "transfers.csv"
    lines = ["subject_id,hadm_id,transfer_id,eventtype,careunit,intime,outtime"]
    lines += [f"{s},{h},{i},{e},{c},{a},{b}" for i, (s, h, e, c, a, b) in enumerate(rows)]
    path.write_text("\n".join(lines) + "\n")
    run(path, fmt="mimic")


flow_row = st.tuples(st.sampled_from(["p1", "p2"]), st.integers(0, 20),
                     st.sampled_from(["arrive", "admit", "transfer", "discharge", "death"]),
                     st.sampled_from(["A", "B", "C"]), st.sampled_from([None, "A", "B"]),
                     st.sampled_from([None, "e1", "e2"]))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(rows=st.lists(flow_row, max_size=14))
def test_vectorised_rules_agree_with_replay(rows):
    """A patient the vectorised pass finds clean is exactly one the replay accepts in full."""
    frame = pd.DataFrame(rows, columns=["patient_id", "t", "kind", "unit", "from_unit",
                                        "encounter_id"]).astype(
        {"patient_id": "string", "unit": "string", "from_unit": "string",
         "encounter_id": "string"})
    frame["timestamp"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(frame["t"], "h")
    frame = frame.sort_values(["patient_id", "timestamp"], kind="stable").reset_index(drop=True)
    candidates = flow_candidates(frame)
    rejects = replay_flow(frame)
    for patient, rows_ in frame.groupby("patient_id"):
        vector_clean = not candidates[rows_.index].any()
        replay_clean = not any(i in rejects for i in rows_.index)
        assert vector_clean == replay_clean
