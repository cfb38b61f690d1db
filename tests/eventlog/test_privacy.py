"""Identifiers outside the id columns: event ids pseudonymised, identifying free text masked,
quarantine output masked, and formula-looking text neutralised in CSV."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from hospitaltwin.eventlog.ingest import ingest, write_outputs
from hospitaltwin.eventlog.privacy import Masker, looks_identifying
from hospitaltwin.eventlog.pseudonym import pseudonym
from hospitaltwin.eventlog.records import neutralise
from tests.eventlog.probes import HEADER

REPO = Path(__file__).resolve().parents[2]
#: The issue's probe: an MRN in every free-text column, a unit named after one, a formula.
PROBE = HEADER + (
    "2024-03-01T08:00,MRN1111111,admit,Bed of MRN3333333,,MRN4444444,MRN2222222,V1111111,"
    "MRN5555555,MRN6666666\n"
    "2024-03-01T09:00,MRN1111111,teleport,=cmd|' /C calc'!A0,,,,V1111111,,\n"
    "2024-03-01T09:30,MRN7777777,admit,MRN7777777,,,ADT0000042,V7777777,walk-in,2\n"
    "MRN8888888,MRN7777777,admit,ICU,,,ADT0000043,V7777777,walk-in,2\n"
    "2024-03-01T10:00,MRN9999999,admit,Medicine,,,ADT0000044,V9999999,walk-in,2\n")
RAW = ["MRN1111111", "MRN2222222", "MRN3333333", "MRN4444444", "MRN5555555", "MRN6666666",
       "MRN7777777", "MRN8888888", "MRN9999999", "V1111111", "V7777777", "V9999999",
       "ADT0000042", "ADT0000043", "ADT0000044"]


def _cli(args):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "COLUMNS": "200",
           "HOSPITALTWIN_PSEUDONYM_KEY": "test-key-0123456789abcdef"}
    return subprocess.run([sys.executable, "-c", "from hospitaltwin.cli import main; main()",
                           *map(str, args)], capture_output=True, text=True, env=env)


def _leaks(text: str) -> list[str]:
    return [raw for raw in RAW if raw in text]


def test_probe_leaves_no_identifier_on_screen_or_in_files(tmp_path, fixtures):
    source = tmp_path / "privacy.csv"
    source.write_text(PROBE)
    for unit_map in (None, fixtures / "units.yaml"):
        out = tmp_path / "events.parquet"
        args = ["ingest", source, "--out", out, "--report", tmp_path / "q.json"]
        done = _cli(args + (["--map", unit_map] if unit_map else []))
        assert done.returncode == 0, done.stderr
        texts = [done.stdout, done.stderr, (tmp_path / "q.json").read_text(),
                 (tmp_path / "events.quarantine.csv").read_text(),
                 pq.read_table(out).to_pandas().to_csv(), str(pq.read_schema(out).metadata)]
        assert [leak for text in texts for leak in _leaks(text)] == []
        assert "masked-" in texts[3] and "unknown_event" in texts[3]


def test_event_ids_are_pseudonymised_and_stable(tmp_path, key):
    source = tmp_path / "privacy.csv"
    source.write_text(PROBE)
    first, second = ingest([source], key), ingest([source], key)
    ids = first.events["event_id"].tolist()
    assert ids == second.events["event_id"].tolist()
    assert pseudonym(key, b"event", "ADT0000042") in ids
    assert pseudonym(key, b"event", "ADT0000042") != pseudonym(key, b"patient", "ADT0000042")


def test_free_text_is_masked_consistently(tmp_path, key):
    source = tmp_path / "privacy.csv"
    source.write_text(PROBE)
    result = ingest([source], key)
    events = result.events.set_index("event_id")
    row = events.loc[pseudonym(key, b"event", "MRN2222222")]
    for column in ("unit", "equipment", "source", "acuity"):
        assert row[column].startswith("masked-"), column
    assert "walk-in" in set(result.events["source"])  # vocabulary stays readable
    q = result.quarantine.set_index("source_line")
    assert q.loc[5, "problem"] == "bad_timestamp" and q.loc[5, "timestamp"].startswith("masked-")
    assert q.loc[5, "reason"].startswith("bad timestamp 'masked-")


def test_quarantine_csv_neutralises_formulas(tmp_path, key):
    source = tmp_path / "privacy.csv"
    source.write_text(PROBE)
    out = tmp_path / "events.parquet"
    write_outputs(ingest([source], key), out)
    with open(tmp_path / "events.quarantine.csv", newline="") as handle:
        cells = [c for row in csv.reader(handle) for c in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert not any(c[:1] in ("=", "+", "-", "@", "\t", "\r") for c in cells)


@given(st.lists(st.text(max_size=12), min_size=1, max_size=20))
def test_neutralise_leaves_no_formula_start(values):
    frame = pd.DataFrame({"x": pd.Series(values, dtype="string"), "n": range(len(values))})
    out = neutralise(frame)
    assert not out["x"].str.match(r"[=+\-@\t\r]").any()
    risky = frame["x"].str.match(r"[=+\-@\t\r]")
    assert (out["x"] == frame["x"].mask(risky, "'" + frame["x"])).all()
    assert (out["n"] == frame["n"]).all()


@settings(max_examples=200)
@given(word=st.text(alphabet=st.characters(categories=("L",)), min_size=1, max_size=10),
       ident=st.from_regex(r"[A-Z]{1,3}[0-9]{4,9}", fullmatch=True))
def test_an_identifier_is_masked_wherever_it_sits(word, ident):
    masker = Masker(b"k" * 32, {ident})
    for text in (ident, f"{word} {ident}", f"{ident}/{word}", f"Bed of {ident}"):
        assert masker.mask(text).startswith("masked-"), text
        assert masker.mask(text) == masker.mask(text)
        assert masker.mask(masker.mask(text)) == masker.mask(text)


@given(st.sampled_from(["ICU", "Emergency Department", "Medical Intensive Care Unit (MICU)",
                        "walk-in/ambulance", "EW EMER.", "2 East Med/Surg", "ventilator", "ED"]))
def test_vocabulary_is_kept(name):
    assert not looks_identifying(name, {"P001"})
