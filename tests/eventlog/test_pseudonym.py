"""Pseudonymisation: raw identifiers reach no output, pseudonyms are stable per key."""

import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.ingest import ingest, write_outputs
from hospitaltwin.eventlog.keys import ENV_VAR, load_key
from hospitaltwin.eventlog.pseudonym import pseudonym

RAW_IDS = ["P001", "P002", "P003", "P004", "E001", "E002", "E003", "E004", "E005", "E006",
           "E009", "P100", "P&200", "P300", "V1", "V2", "V3", "pt-1", "pt-2", "pt-3", "pt-4",
           "enc-1", "enc-2", "enc-3", "enc-4"]
REPO = Path(__file__).resolve().parents[2]


def _cli(args, env_key="test-key-0123456789abcdef"):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    if env_key:
        env[ENV_VAR] = env_key
    return subprocess.run([sys.executable, "-c", "from hospitaltwin.cli import main; main()",
                           *args], capture_output=True, text=True, env=env, cwd=REPO)


def test_no_raw_id_in_any_output(fixtures, tmp_path):
    out = tmp_path / "events.parquet"
    inputs = [fixtures / n for n in ("faulty.csv", "adt.hl7", "encounters.json")]
    done = _cli(["ingest", *map(str, inputs), "--map", str(fixtures / "units.yaml"),
                 "--out", str(out), "--quarantine", str(tmp_path / "bad.csv"),
                 "--report", str(tmp_path / "quality.json")])
    assert done.returncode == 0, done.stderr
    table = pq.read_table(out)  # Parquet is compressed: look at its decoded cells and metadata
    # The metadata's key check value is random (a salt and a scrypt hash in base64): it may
    # spell any short id by chance, and holds none.
    metadata = {k: v for k, v in (table.schema.metadata or {}).items()
                if k != b"hospitaltwin.pseudonym_check"}
    parquet_text = table.to_pandas().to_csv().encode() + str(metadata).encode()
    files = [tmp_path / "bad.csv", tmp_path / "quality.json"]
    blobs = [f.read_bytes() for f in files] + [parquet_text, done.stdout.encode(),
                                               done.stderr.encode()]
    for raw in RAW_IDS:
        for blob in blobs:
            assert raw.encode() not in blob.replace(b"[redacted]", b""), raw
    assert b"malformed_row" in (tmp_path / "bad.csv").read_bytes()


def test_same_key_same_pseudonym_other_key_other(fixtures):
    a = ingest([fixtures / "faulty.csv"], b"k" * 16).events["patient_id"]
    b = ingest([fixtures / "faulty.csv"], b"k" * 16).events["patient_id"]
    c = ingest([fixtures / "faulty.csv"], b"j" * 16).events["patient_id"]
    assert a.tolist() == b.tolist()
    assert set(a).isdisjoint(set(c))
    assert pseudonym(b"k" * 16, b"patient", "P001") in set(a)
    assert pseudonym(b"k" * 16, b"patient", "x") != pseudonym(b"k" * 16, b"encounter", "x")


def test_key_sources(tmp_path):
    with pytest.raises(HospitaltwinError, match="no pseudonymisation key"):
        load_key(None, environ={})
    with pytest.raises(HospitaltwinError, match="at least 16 bytes"):
        load_key(None, environ={ENV_VAR: "short"})
    path = tmp_path / "key"
    path.write_text("a-long-enough-secret-key\n")
    assert load_key(path, environ={}) == b"a-long-enough-secret-key"
    with pytest.raises(HospitaltwinError, match="cannot read the key file"):
        load_key(tmp_path / "missing", environ={})


def test_cli_without_key_is_one_clear_line(fixtures, tmp_path):
    done = _cli(["ingest", str(fixtures / "faulty.csv"), "--out", str(tmp_path / "e.parquet")],
                env_key=None)
    assert done.returncode == 2
    assert "no pseudonymisation key" in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("content, message", [
    ("hello world\n", "not a recognised event log"),
    ("a,b,c\n1,2,3\n", "not a recognised event log"),
    ('{"resourceType": "Bundle", "entry": [', "not valid JSON"),
    ("<log><trace>", "not valid XML"),
])
def test_cli_bad_file_is_one_clear_line(tmp_path, content, message):
    path = tmp_path / "input.txt"
    path.write_text(content)
    done = _cli(["ingest", str(path), "--out", str(tmp_path / "e.parquet")])
    assert done.returncode == 2, done.stdout
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "e.parquet").exists()


def test_cli_bad_map_and_timezone(fixtures, tmp_path):
    bad_map = tmp_path / "map.yaml"
    bad_map.write_text("units:\n  ICU: ['re:(']\nwards: 1\n")
    done = _cli(["ingest", str(fixtures / "faulty.csv"), "--map", str(bad_map),
                 "--out", str(tmp_path / "e.parquet")])
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "units.ICU.0 (line 2): not a valid regular expression" in done.stderr
    assert "wards (line 3): unknown key" in done.stderr
    done = _cli(["ingest", str(fixtures / "faulty.csv"), "--timezone", "Mars/Olympus",
                 "--out", str(tmp_path / "e.parquet")])
    assert done.returncode == 2 and "unknown timezone" in done.stderr


def test_outputs_all_or_nothing(fixtures, tmp_path, key):
    result = ingest([fixtures / "faulty.csv"], key)
    with pytest.raises(HospitaltwinError, match="does not exist"):
        write_outputs(result, tmp_path / "events.parquet", tmp_path / "no" / "bad.csv")
    assert not list(tmp_path.iterdir())
