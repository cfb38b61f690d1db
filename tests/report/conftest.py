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
        "forecast": synthetic.write_forecast(base / "forecast", synthetic.teaching_scenario(), replications=100,
                                           as_of="2024-10-26T06:00:00+01:00"),
        "compare": synthetic.write_compare(base / "compare"),
        "backtest": synthetic.write_backtest(base / "backtest"),
        "calibration": synthetic.write_calibration(base / "calibration"),
        "calibration_bare": synthetic.write_calibration(base / "calibration_bare", diagnostics=False),
        "roster": synthetic.write_roster(base / "roster"),
        "roster_plan": synthetic.write_roster_plan(base / "roster_plan"),
        "surge": synthetic.write_surge(base / "surge"),
        "network_plan": synthetic.write_network_plan(base / "network_plan"),
        "network_plan_bare": synthetic.write_network_plan(base / "network_plan_bare", evaluation=False),
    }


class _Reports(dict):
    """Reports built on first use, so a test worker renders only the kinds its tests ask for."""

    def __init__(self, results: dict[str, Path], base: Path):
        super().__init__()
        self.results, self.base = results, base

    def __missing__(self, kind: str):
        from hospitaltwin.report import build_report

        self[kind] = build_report([self.results[kind]], self.base / f"{kind}.pdf", self.base / kind)
        return self[kind]


@pytest.fixture(scope="module")
def run(results):
    """The simulated run, read as the report reads it, and its hourly cubes."""
    from hospitaltwin.report.load import load_result
    from hospitaltwin.report.run_data import run_data

    result = load_result(results["run"])
    return result, run_data(result)


@pytest.fixture(scope="session")
def reports(results, tmp_path_factory):
    """The report of each result directory on its own: ``reports[kind]`` is its ``Written``."""
    return _Reports(results, tmp_path_factory.mktemp("reports"))
