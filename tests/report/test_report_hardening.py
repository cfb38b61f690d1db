"""Hostile text and broken tables in result folders: drawn as written, or one clear line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from hospitaltwin.config.load import parse_scenario
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.experiment.replicate import run_scenario
from hospitaltwin.report import build_report

UNIT = r"I$\bad{C}$U"
NAME = r"budget $5 or $\undefined{x}$"
SCENARIO = f"""\
name: '{NAME}'
layout:
  units:
    '{UNIT}': {{beds: 4, on_full: divert}}
demand:
  arrivals:
    - {{unit: '{UNIT}', rate: 2.5}}
  units:
    '{UNIT}':
      los: {{dist: lognormal, mean: 4d, sd: 3d}}
run: {{horizon: 20d, warmup: 1d, replications: 2, seed: 1}}
"""


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hostile") / "run"
    run_scenario(parse_scenario(SCENARIO, "hostile.yaml"), out=out)
    return out


def test_dollar_signs_in_scenario_and_unit_names_are_drawn_as_written(hostile_run, tmp_path):
    written = build_report([hostile_run], tmp_path / "r.pdf", tmp_path / "png")
    text = " ".join(page.extract_text() for page in PdfReader(written.pdf).pages)
    assert NAME in text and UNIT in text
    assert written.pngs


@pytest.mark.parametrize("damage", ["truncate", "zero-fill", "garbage", "empty"])
def test_a_broken_parquet_table_is_one_line_naming_the_file_and_nothing_is_written(
    hostile_run, tmp_path, damage
):
    run = shutil.copytree(hostile_run, tmp_path / "run")
    table = run / "census.parquet"
    data = bytearray(table.read_bytes())
    table.write_bytes(
        {
            "truncate": bytes(data[: len(data) // 2]),
            "zero-fill": bytes(data[:100] + b"\0" * 300 + data[400:]),
            "garbage": b"not parquet at all",
            "empty": b"",
        }[damage]
    )
    with pytest.raises(HospitaltwinError) as caught:
        build_report([run], tmp_path / "out" / "r.pdf", tmp_path / "out" / "png")
    message = str(caught.value)
    assert message.startswith(f"{table}: not a readable Parquet file (") and "\n" not in message
    assert len(message) < 400 and not (tmp_path / "out").exists()
