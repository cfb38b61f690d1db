"""Result directories of every kind, made once per test session, and their reports."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import synthetic  # noqa: E402


@pytest.fixture(scope="session")
def results(tmp_path_factory) -> dict[str, Path]:
    """One directory per result kind (runs simulated by the engine, the others generated)."""
    base = tmp_path_factory.mktemp("results")
    return {
        "run": synthetic.write_run(base / "run", synthetic.teaching_scenario()),
        "network": synthetic.write_run(base / "network", synthetic.network_scenario()),
        "forecast": synthetic.write_forecast(base / "forecast", synthetic.academic_layout(240), replications=100),
        "compare": synthetic.write_compare(base / "compare"),
        "backtest": synthetic.write_backtest(base / "backtest"),
        "calibration": synthetic.write_calibration(base / "calibration"),
        "calibration_bare": synthetic.write_calibration(base / "calibration_bare", diagnostics=False),
        "roster": synthetic.write_roster(base / "roster"),
    }


@pytest.fixture(scope="session")
def reports(results, tmp_path_factory):
    """The report of each result directory on its own: ``{kind: Written}``."""
    from hospitaltwin.report import build_report

    base = tmp_path_factory.mktemp("reports")
    return {kind: build_report([path], base / f"{kind}.pdf", base / kind) for kind, path in results.items()}
