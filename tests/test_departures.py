"""Stays that end in leaving are booked without events only where that changes nothing.

The engine keeps such an end on its unit's own heap while nobody waits for the unit
(``Simulation._until_ready``); the test runs the same replications with every end turned
into a SimPy event at once, as the engine did before, and asks for the same records.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hospitaltwin.config import read_scenario, scenario_from_dict
from hospitaltwin.engine import compile_scenario, run_replication
from hospitaltwin.engine.model import Simulation
from hospitaltwin.engine.records import DISCHARGE, END, OUTCOME, START
from hospitaltwin.experiment.replicate import with_run

ROOT = Path(__file__).resolve().parent.parent


def _records(model, seed: int, replication: int) -> tuple[np.ndarray, list]:
    sim = run_replication(model, seed, replication)
    return np.array(sim.rows, dtype=float), sorted(sim.device_rows)


def _quiet_and_eventful(model, monkeypatch) -> tuple[list, list]:
    """Records of the engine as it is, then with every end turned into a SimPy event at once."""
    quiet = [_records(model, 3, r) for r in range(2)]
    booked_quietly = Simulation._until_ready

    def every_end_an_event(self, patient, ward, los):
        booked_quietly(self, patient, ward, los)
        if ward.leaving:  # the end just kept aside becomes its event, with its own time and id
            self._wake(ward)

    monkeypatch.setattr(Simulation, "_until_ready", every_end_an_event)
    return quiet, [_records(model, 3, r) for r in range(2)]


def _assert_same(quiet: list, eventful: list) -> None:
    for (rows, devices), (rows_e, devices_e) in zip(quiet, eventful):
        assert len(rows) > 1000
        np.testing.assert_array_equal(rows, rows_e)  # NaN where NaN: same open stays
        assert devices == devices_e


@pytest.mark.parametrize("name", ["academic-baseline", "regional-surge"])
def test_ends_booked_without_events_give_the_records_events_give(name, monkeypatch):
    scenario = with_run(read_scenario(ROOT / "scenarios" / f"{name}.yaml"), horizon="21d", warmup="0h")
    _assert_same(*_quiet_and_eventful(compile_scenario(scenario), monkeypatch))


def _tied() -> dict:
    """Fixed stays, admissions booked for the same hour and a bed closure: many ends and
    requests fall at the very same time, so only the event ids order them. Transfers from C
    go before those from A into B's beds, so who gets a bed freed at that time tells whether
    it was freed before or after they asked."""
    queue = {"on_full": "queue"}
    units = {"A": {"beds": 8, **queue}, "C": {"beds": 8, **queue},
             "B": {"beds": 3, **queue, "priority": {"C": -1}}}
    daily = {day: 4 for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    to_b = {"los": {"dist": "fixed", "mean": "2d"}, "next": {"B": 0.3, "discharge": 0.7}}
    return {"name": "ties", "layout": {"units": units},
            "demand": {"arrivals": [{"unit": u, "schedule": daily, "at": "7h", "source": "elective"}
                                    for u in ("A", "C")] + [{"unit": "A", "rate": 3.0}],
                       "units": {"A": to_b, "C": to_b, "B": {"los": {"dist": "fixed", "mean": "1d"}}}},
            "changes": {"beds": [{"unit": "A", "beds": 2, "from": "20d", "until": "23d"}]},
            "run": {"horizon": "200d", "warmup": "0d", "replications": 1, "seed": 1}}


def test_an_end_due_at_the_same_instant_keeps_its_place_in_the_order(monkeypatch):
    """An end kept aside happens, for a unit that looks at its beds, at its own place in
    SimPy's order (time, event id), as its event would: one due at the same time but with a
    later id than the event being handled has not happened yet."""
    model = compile_scenario(scenario_from_dict(_tied()))
    quiet, eventful = _quiet_and_eventful(model, monkeypatch)
    rows = quiet[0][0]
    ends = rows[:, END][rows[:, OUTCOME] == DISCHARGE]
    assert len(ends) - len(np.unique(ends)) > 500, "ends at the same instant, so ties are tested"
    assert np.sum(np.isnan(rows[:, START])) > 100, "patients waited"
    _assert_same(quiet, eventful)
