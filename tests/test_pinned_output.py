"""Pinned output: a small scenario's summary.json at a fixed seed, byte for byte in its numbers.

The statistical tests allow any change that keeps the numbers' distribution; this test does
not. It fails when the same scenario, seed and state give other numbers: a change in how the
random streams are consumed, in the order of events or in a KPI's definition. When such a
change is deliberate, regenerate the fixtures and commit them with the change, saying why:

    HOSPITALTWIN_UPDATE_PINNED=1 python -m pytest tests/test_pinned_output.py

The scenario has what draws random numbers: Poisson arrivals with an hour-of-week profile,
lognormal, gamma and empirical stays, routing, an ED that patients leave, ICU overflow into
the PACU, a ventilator pool, nurses with sick calls, a demand surge and a bed closure; the
second case starts from a state with patients in beds, on devices, boarding and waiting.
"""

from __future__ import annotations

import json
import math
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from hospitaltwin.config import scenario_from_dict
from hospitaltwin.core.state import DeviceInUse, PatientState, SystemState, WaitingPatient
from hospitaltwin.experiment.replicate import run_scenario

FIXTURES = Path(__file__).parent / "fixtures" / "pinned"
UPDATE = os.environ.get("HOSPITALTWIN_UPDATE_PINNED") == "1"
SCENARIO = {
    "name": "pinned",
    "layout": {
        "units": {
            "ED": {"beds": 6, "max_wait": "4h"},
            "ICU": {"beds": 4, "on_full": {"overflow": ["PACU"]}},
            "PACU": {"beds": 2},
            "WARD": {"beds": 14},
        },
        "equipment": {"ventilator": {"count": 2}},
        "staff": {"icu_nurses": {"units": ["ICU"], "patients_per_staff": 2, "absence_rate": 0.1,
                                 "shifts": {"day": {"start": "7h", "length": "12h", "weekday": 2, "weekend": 1},
                                            "night": {"start": "19h", "length": "12h", "weekday": 2}}}},
    },
    "demand": {
        "arrivals": [{"unit": "ED", "rate": 20.0, "profile": [0.5] * 84 + [1.5] * 84},
                     {"unit": "ICU", "rate": 0.5}],
        "units": {
            "ED": {"los": {"dist": "lognormal", "mean": "4h", "cv": 0.6},
                   "next": {"ICU": 0.05, "WARD": 0.25, "discharge": 0.7}},
            "ICU": {"los": {"dist": "gamma", "mean": "3d", "cv": 0.8}, "next": {"WARD": 0.85, "death": 0.15},
                    "equipment": {"ventilator": {"p": 0.4, "duration": {"dist": "lognormal", "mean": "2d", "cv": 1.0}}}},
            "PACU": {"los": {"dist": "fixed", "mean": "1d"}, "next": {"WARD": 1.0}},
            "WARD": {"los": {"dist": "empirical", "samples": ["1d", "2d", "3d", "5d", "8d"]}, "next": {"discharge": 1.0}},
        },
    },
    "changes": {"demand": [{"from": "20d", "until": "30d", "multiplier": 1.4}],
                "beds": [{"unit": "WARD", "add": -2, "from": "25d"}]},
    "run": {"horizon": "40d", "warmup": "5d", "replications": 3, "seed": 20240301},
}
STATE = SystemState(
    as_of=datetime(2024, 3, 1, 8, tzinfo=timezone.utc),
    patients=(PatientState("a", "ICU", 30.0, (DeviceInUse("ventilator", 12.0),)),
              PatientState("b", "ICU", None),
              PatientState("c", "WARD", 50.0),
              PatientState("d", "ED", 3.0, waiting_for="WARD")),
    waiting=(WaitingPatient("e", "ED", 1.5),),
)
CASES = {"empty-start": None, "from-state": STATE}


def _numbers(summary: dict) -> dict:
    """The summary as flat ``path -> number`` (None where a KPI has no value)."""
    flat: dict[str, float | None] = {}

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")
        elif isinstance(node, (int, float)) or node is None:
            flat[path] = node
    walk(summary, "")
    return flat


@pytest.mark.parametrize("case", CASES)
def test_the_summary_at_a_fixed_seed_is_pinned(case):
    scenario = scenario_from_dict(SCENARIO)
    if CASES[case] is not None:
        scenario = scenario.model_copy(update={"run": scenario.run.model_copy(update={"warmup": 0.0})})
    summary = json.loads(json.dumps(run_scenario(scenario, state=CASES[case], tables=False).summary))
    fixture = FIXTURES / f"{case}.json"
    if UPDATE:
        fixture.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if not fixture.is_file():
        pytest.fail(f"no pinned summary {fixture.name}; {_HOW}")
    pinned = json.loads(fixture.read_text(encoding="utf-8"))
    got, want = _numbers(summary), _numbers(pinned)
    assert got.keys() == want.keys(), f"KPIs added or removed; {_HOW}"
    changed = [f"{k}: {want[k]} -> {got[k]}" for k in want if not _same(got[k], want[k])]
    assert not changed, f"{len(changed)} numbers changed ({', '.join(changed[:5])} ...); {_HOW}"


_HOW = ("if that is deliberate, regenerate tests/fixtures/pinned with HOSPITALTWIN_UPDATE_PINNED=1 "
        "python -m pytest tests/test_pinned_output.py and commit it with the change")


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
