"""Overflow placements in a log are read back as stays of the unit the patient needed."""

from __future__ import annotations

import pandas as pd

from hospitaltwin.calibrate.overflow import attribute_overflow, intended_unit
from hospitaltwin.config import Layout


def _layout(transfers=True) -> Layout:
    data = {"units": {"ED": {"beds": 10}, "ICU": {"beds": 4, "on_full": "overflow", "overflow": ["PACU"]},
                      "PACU": {"beds": 6}, "WARD": {"beds": 20}}}
    if transfers:
        data["transfers"] = {"ED": ["ICU", "WARD"], "ICU": ["WARD"], "PACU": ["ICU", "WARD"]}
    return Layout.model_validate(data)


def _stays() -> pd.DataFrame:
    t = pd.Timestamp("2024-01-01", tz="UTC")
    h = pd.Timedelta(hours=1)
    return pd.DataFrame({
        "patient_id": ["a", "a", "a", "b", "b"], "encounter_id": ["a", "a", "a", "b", "b"],
        "unit": ["ED", "PACU", "WARD", "PACU", "ICU"],
        "start": [t, t + 4 * h, t + 50 * h, t, t + 3 * h], "end": [t + 4 * h, t + 50 * h, t + 90 * h, t + 3 * h, t + 40 * h],
        "next": ["PACU", "WARD", "discharge", "ICU", "discharge"], "source": ["walk-in", None, None, "elective", None],
        "entry": [True, False, False, True, False], "from_unit": [None, "ED", "PACU", None, "PACU"]})


def test_a_forbidden_move_into_an_overflow_unit_becomes_a_stay_of_the_intended_unit():
    stays, changed = attribute_overflow(_stays(), _layout())
    assert changed == 1
    assert list(stays["unit"]) == ["ED", "ICU", "WARD", "PACU", "ICU"]
    assert stays.loc[0, "next"] == "ICU" and stays.loc[2, "from_unit"] == "ICU"
    assert stays.loc[3, "unit"] == "PACU", "a recovery stay reached from outside stays where it is"


def test_allowed_moves_and_layouts_without_a_transfer_graph_are_left_alone():
    assert intended_unit(_layout(), "PACU", "ICU") is None
    stays, changed = attribute_overflow(_stays(), _layout(transfers=False))
    assert changed == 0 and list(stays["unit"]) == list(_stays()["unit"])
