"""FHIR R4 Encounters and XES logs: exact canonical rows from small fixtures."""

import json

import pytest

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.fhir import read_fhir
from hospitaltwin.eventlog.ingest import ingest
from hospitaltwin.eventlog.xes import read_xes

COLS = ["timestamp", "patient_id", "event", "unit", "from_unit", "encounter_id", "source",
        "acuity", "source_line"]


def rows(frame, cols=COLS):
    sub = frame[cols].astype(object)
    return [tuple(r) for r in sub.where(sub.notna(), None).itertuples(index=False)]


def test_fhir_bundle(fixtures):
    result = read_fhir(fixtures / "encounters.json")
    assert rows(result.events) == [
        ("2024-02-01T08:00:00+01:00", "pt-1", "arrive", "Emergency", None, "enc-1", "emd", "EM", 2),
        ("2024-02-01T14:00:00+01:00", "pt-1", "transfer", "Intensive Care", "Emergency", "enc-1",
         "emd", "EM", 2),
        ("2024-02-03T09:00:00+01:00", "pt-1", "transfer", "w4", "Intensive Care", "enc-1", "emd",
         "EM", 2),
        ("2024-02-04T10:00:00+01:00", "pt-1", "discharge", None, None, "enc-1", "emd", "EM", 2),
        ("2024-02-02T09:00:00Z", "pt-2", "admit", "Intensive Care", None, "enc-2", None, None, 3),
        ("2024-02-05T09:00:00Z", "pt-2", "death", None, None, "enc-2", None, None, 3),
        ("2024-02-06T09:00:00Z", "pt-3", "admit", "Ward 7", None, "enc-3", None, None, 4),
    ]
    q = result.quarantine
    assert list(zip(q["source_line"], q["problem"])) == [(3, "end_before_start"), (5, "missing_unit")]
    assert dict(result.skipped) == {"FHIR Patient (not an Encounter)": 1}


def test_fhir_ndjson(fixtures, tmp_path, key):
    bundle = json.loads((fixtures / "encounters.json").read_text())
    lines = [json.dumps(e["resource"]) for e in bundle["entry"]]
    path = tmp_path / "encounters.ndjson"
    path.write_text("\n".join(lines[:2] + ["{not json"] + lines[2:]) + "\n")
    result = read_fhir(path)
    assert rows(result.events)[0][-1] == 2 and rows(result.events)[-1][-1] == 5
    assert sorted(result.quarantine["problem"]) == ["end_before_start", "missing_unit",
                                                    "unreadable_record"]
    summary = ingest([path], key).summary
    assert summary["totals"]["read"] == 10 and summary["totals"]["accepted"] == 7


def test_fhir_not_json(tmp_path, key):
    path = tmp_path / "x.json"
    path.write_text('{"resourceType": "Bundle", "entry": [')
    with pytest.raises(HospitaltwinError, match="not valid JSON"):
        ingest([path], key)


def test_xes_sepsis_mapping(fixtures):
    result = read_xes(fixtures / "small.xes")
    assert rows(result.events, ["timestamp", "patient_id", "event", "unit", "from_unit",
                                "encounter_id", "source_line"]) == [
        ("2014-10-22T11:15:41.000+02:00", "A", "arrive", "ED", None, "A", 5),
        ("2014-10-22T14:13:19.000+02:00", "A", "admit", "NC", None, "A", 17),
        ("2014-10-23T09:00:00.000+02:00", "A", "transfer", "IC", "NC", "A", 21),
        ("2014-10-25T09:00:00.000+02:00", "A", "transfer", "NC", "IC", "A", 25),
        ("2014-10-28T12:00:00.000+01:00", "A", "discharge", None, None, "A", 29),
        ("2014-11-20T08:00:00.000+01:00", "A", "arrive", "ED", None, "A#2", 33),
        ("2014-11-02T09:05:00.000+01:00", "B", "arrive", "ED", None, "B", 49),
        ("2014-11-02T10:00:00.000+01:00", "B", "admit", "IC", None, "B", 40),
        ("2014-11-05T10:00:00.000+01:00", "B", "discharge", None, None, "B", 53),
    ]
    assert dict(result.skipped) == {
        "XES activity 'CRP' (not in the activity map)": 1,
        "XES ER Triage: already in ED": 1,
        "XES activity 'ER Registration' (lifecycle start)": 1}


def test_xes_activity_map_from_file(fixtures, tmp_path, key):
    path = tmp_path / "map.yaml"
    path.write_text("units:\n  ED: [ED]\n  WARD: [NC, IC]\n"
                    "activities:\n  ER Registration: {event: arrive, unit: ED}\n"
                    "  Admission NC: {event: admit, unit: NC}\n  Release A: discharge\n")
    result = ingest([fixtures / "small.xes"], key, unit_map=path)
    assert result.events["event"].astype(str).tolist().count("admit") == 1
    assert set(result.events["unit"].dropna()) == {"ED", "WARD"}


def test_not_xes(tmp_path, key):
    path = tmp_path / "x.xml"
    path.write_text("<log><trace><event>")
    with pytest.raises(HospitaltwinError, match="not valid XML"):
        ingest([path], key)
