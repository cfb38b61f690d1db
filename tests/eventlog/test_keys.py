"""The pseudonymisation key: strength, key files, keygen, check values, the demo key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.canonical import LEGACY_META, PSEUDONYM_META
from hospitaltwin.eventlog.ingest import ingest, write_outputs
from hospitaltwin.eventlog.keys import (
    DEMO_KEY,
    ENV_VAR,
    MIN_KEY_BITS,
    check_value,
    generate_key,
    key_bits,
    load_key,
    matches,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "community-adt.csv.gz"


def cli(args, env_key=None, cwd=REPO):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    if env_key:
        env[ENV_VAR] = env_key
    return subprocess.run([sys.executable, "-c", "from hospitaltwin.cli import main; main()",
                           *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd)


@pytest.mark.parametrize("weak", ["aaaaaaaaaaaaaaaa", "abababababababab", "0123456789abcdef",
                                  "abcdefghijklmnopq", "1234567812345678", "password12345678",
                                  "xyzxyzxyzxyzxyzxyzxyzxyzxyzxyz"])
def test_low_entropy_keys_are_refused(weak):
    with pytest.raises(HospitaltwinError, match="too easy to guess.*keygen"):
        load_key(None, environ={ENV_VAR: weak})


@settings(max_examples=200, deadline=None)
@given(unit=st.binary(min_size=1, max_size=8), times=st.integers(2, 40))
def test_a_short_pattern_repeated_is_never_strong(unit, times):
    key = unit * max(times, -(-16 // len(unit)))
    assert key_bits(key) < MIN_KEY_BITS


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_generated_keys_are_strong(_):
    key = generate_key()
    assert len(key) == 64 and key_bits(key) > 3 * MIN_KEY_BITS  # 20,000 draws: all over 170
    assert load_key(None, environ={ENV_VAR: key.decode()}) == key


def test_key_file_readable_by_others_warns(tmp_path):
    path = tmp_path / "key"
    path.write_bytes(generate_key())
    os.chmod(path, 0o644)
    warnings = []
    assert load_key(path, environ={}, warn=warnings.append) == path.read_bytes()
    assert len(warnings) == 1 and "chmod 600" in warnings[0]
    os.chmod(path, 0o600)
    warnings.clear()
    load_key(path, environ={}, warn=warnings.append)
    assert warnings == []


def test_keygen_writes_a_private_key_and_never_overwrites(tmp_path, fixtures):
    path = tmp_path / "secrets" / "pseudonym.key"
    done = cli(["keygen", "--out", path])
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    key = path.read_bytes().strip()
    assert key_bits(key) > 3 * MIN_KEY_BITS
    again = cli(["keygen", "--out", path])
    assert again.returncode == 2 and "already exists" in again.stderr
    assert path.read_bytes().strip() == key
    used = cli(["ingest", fixtures / "faulty.csv", "--key-file", path,
                "--out", tmp_path / "e.parquet"])
    assert used.returncode == 0 and "warning" not in used.stderr, used.stderr


def test_check_value_confirms_the_key_only(tmp_path):
    key = generate_key()
    value = check_value(key)
    assert value.startswith("scrypt$") and key.decode() not in value
    assert matches(key, value) and not matches(key + b"x", value)
    assert check_value(key) != value  # a fresh salt each time
    assert not matches(key, "garbage") and not matches(key, "scrypt$!!$x")


def test_parquet_keeps_a_check_value_not_a_fingerprint(fixtures, key, tmp_path):
    path = tmp_path / "events.parquet"
    write_outputs(ingest([fixtures / "faulty.csv"], key), path)
    meta = pq.read_schema(path).metadata
    assert LEGACY_META not in meta and matches(key, meta[PSEUDONYM_META].decode())
    with pytest.raises(HospitaltwinError, match="another key"):
        ingest([path], b"another-key-0123456789")


def test_output_of_an_older_version_is_refused(fixtures, key, tmp_path):
    path = tmp_path / "events.parquet"
    write_outputs(ingest([fixtures / "faulty.csv"], key), path)
    table = pq.read_table(path)
    old = {k: v for k, v in table.schema.metadata.items() if k != PSEUDONYM_META}
    pq.write_table(table.replace_schema_metadata({**old, LEGACY_META: b"0123456789abcdef"}), path)
    with pytest.raises(HospitaltwinError, match="older hospitaltwin"):
        ingest([path], key)


def test_demo_key_is_for_the_bundled_sample_only(fixtures, tmp_path):
    with pytest.raises(HospitaltwinError, match="demo key is for the bundled synthetic sample"):
        ingest([fixtures / "faulty.csv"], DEMO_KEY)
    done = cli(["ingest", fixtures / "faulty.csv", "--out", tmp_path / "e.parquet"],
               env_key=DEMO_KEY.decode())
    assert done.returncode == 2 and "PUBLIC demo key" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "e.parquet").exists()


def test_demo_key_reads_the_bundled_sample():
    if not SAMPLE.exists():
        pytest.skip("the bundled sample is not in this checkout")
    result = ingest([SAMPLE], DEMO_KEY, unit_map=SAMPLE.parent / "community-units.yaml",
                    tz="America/Chicago")
    assert result.summary["totals"]["accepted"] > 1000
