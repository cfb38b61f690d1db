"""Stays that end in leaving are booked without events only where that changes nothing.

The engine keeps such an end on its unit's own heap while nobody waits for the unit
(``Simulation._until_ready``); the test runs the same replications with every end turned
into a SimPy event at once, as the engine did before, and asks for the same records.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hospitaltwin.config import read_scenario
from hospitaltwin.engine import compile_scenario, run_replication
from hospitaltwin.engine.model import Simulation
from hospitaltwin.experiment.replicate import with_run

ROOT = Path(__file__).resolve().parent.parent


def _records(model, seed: int, replication: int) -> tuple[np.ndarray, list]:
    sim = run_replication(model, seed, replication)
    return np.array(sim.rows, dtype=float), sorted(sim.device_rows)


@pytest.mark.parametrize("name", ["academic-baseline", "regional-surge"])
def test_ends_booked_without_events_give_the_records_events_give(name, monkeypatch):
    scenario = with_run(read_scenario(ROOT / "scenarios" / f"{name}.yaml"), horizon="21d", warmup="0h")
    model = compile_scenario(scenario)
    quiet = [_records(model, 3, r) for r in range(2)]
    booked_quietly = Simulation._until_ready

    def every_end_an_event(self, patient, ward, los):
        booked_quietly(self, patient, ward, los)
        if ward.leaving:  # the end just kept aside becomes its event, with its own time and id
            self._wake(ward)

    monkeypatch.setattr(Simulation, "_until_ready", every_end_an_event)
    eventful = [_records(model, 3, r) for r in range(2)]
    for (rows, devices), (rows_e, devices_e) in zip(quiet, eventful):
        assert len(rows) > 1000
        np.testing.assert_array_equal(rows, rows_e)  # NaN where NaN: same open stays
        assert devices == devices_e
