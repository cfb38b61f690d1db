"""The privacy scan: the bundled sample with identifiers in every free-text column goes through
ingest, sync, calibrate, forecast and report; no raw identifier is found in any file written,
in the store, in the report's text or on screen."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from hospitaltwin.cli import app

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "community-adt.csv.gz"
UNITS = REPO / "samples" / "community-units.yaml"
LAYOUT = REPO / "layouts" / "community-150.yaml"
#: Every identifier-looking value of the input: patient ids, encounter ids, event ids and the
#: record numbers planted in source, acuity, equipment and unit names.
RAW = re.compile(r"MRN\d{7}|V\d{7}|ADT\d{8}")
ENV = {"HOSPITALTWIN_PSEUDONYM_KEY": "scan-key-5f1c9a7e3b2d8064", "COLUMNS": "200"}


def _planted(folder: Path) -> Path:
    """The sample with record numbers in free text (some rows then quarantined, most kept)."""
    log = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    entry = log.index[log["source"] != ""]
    log.loc[entry[::50], "source"] = "MRN0000001"
    log.loc[entry[::40], "acuity"] = "MRN0000002"
    log.loc[log.index[::997], "unit"] = "Bed of MRN0000003"
    bad = log.index[::1499]
    log.loc[bad, "event"] = "=HYPERLINK(\"x\")"
    log.loc[bad, "equipment"] = log.loc[bad, "patient_id"]
    path = folder / "planted.csv"
    log.to_csv(path, index=False)
    assert RAW.search(path.read_text())
    return path


def _run(args: list) -> str:
    result = CliRunner().invoke(app, [str(a) for a in args], env=ENV)
    assert result.exit_code == 0, result.output
    return result.output


def _text(path: Path) -> str:
    """What a reader of the file would see (decoded Parquet cells, PDF text, database rows)."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return table.to_pandas().to_csv() + str(table.schema.metadata)
    if path.suffix == ".pdf":
        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    if path.suffix == ".db":
        with sqlite3.connect(path) as conn:
            return "\n".join(conn.iterdump()) + path.read_bytes().decode("latin-1")
    return path.read_bytes().decode("utf-8", errors="replace")


@pytest.mark.skipif(not SAMPLE.exists(), reason="the bundled sample is not in this checkout")
def test_no_identifier_survives_the_main_job(tmp_path):
    source = _planted(tmp_path)
    screens = [
        _run(["ingest", source, "--map", UNITS, "--timezone", "America/Chicago",
              "--out", tmp_path / "events.parquet", "--report", tmp_path / "quality.json"]),
        _run(["ingest", source, "--timezone", "America/Chicago",
              "--out", tmp_path / "raw-units.csv", "--report", tmp_path / "raw-units.json"]),
        _run(["sync", source, "--map", UNITS, "--timezone", "America/Chicago",
              "--store", tmp_path / "twin.db"]),
        _run(["calibrate", tmp_path / "events.parquet", "--layout", LAYOUT,
              "--out", tmp_path / "demand.yaml"]),
    ]
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(f"name: scan\nlayout: {LAYOUT}\ndemand: demand.yaml\n"
                        "run: {horizon: 30d, warmup: 5d, replications: 2, seed: 1}\n")
    screens += [
        _run(["state", "--store", tmp_path / "twin.db", "--layout", LAYOUT, "--patients"]),
        _run(["forecast", "--store", tmp_path / "twin.db", "--scenario", scenario,
              "--horizon", "2d", "--replications", "10", "--allow-stale", "--out", tmp_path / "forecast"]),
        _run(["report", tmp_path / "forecast", tmp_path / "demand.calibration",
              "--pdf", tmp_path / "report.pdf"]),
    ]
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p != source]
    assert {p.suffix for p in files} >= {".parquet", ".csv", ".json", ".yaml", ".db", ".pdf"}
    found = {str(p.relative_to(tmp_path)): sorted(set(RAW.findall(_text(p))))[:3] for p in files}
    found.update({f"screen {i}": sorted(set(RAW.findall(s)))[:3] for i, s in enumerate(screens)})
    assert {where: hits for where, hits in found.items() if hits} == {}
    assert "masked-" in (tmp_path / "events.quarantine.csv").read_text()
