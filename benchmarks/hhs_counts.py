"""HHS state series as hospitaltwin daily counts: one state's COVID census as one unit.

Reads ``$HOSPITALTWIN_DATA/hhs-state-capacity/hhs_state_timeseries_dev.csv`` (see its
README): census = adult + paediatric patients hospitalised with confirmed COVID on ``date``;
admissions = adult + paediatric confirmed COVID admissions reported on ``date`` for the day
before (so counts mode reads them with ``admissions_previous_day``). The series has no
discharges; the counts format needs them, so the number the census balance implies is written
(``census[d-1] + admissions[d-1] - census[d]``, at least 0; nothing reads it). Days missing
either number are left out. Used by ``bench_backtest_hhs.py`` and the slow HHS test.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE = "hhs-state-capacity/hhs_state_timeseries_dev.csv"
STATES = ("AL", "AZ", "CO", "GA", "IL", "MA", "MI", "MN", "NC", "PA", "SC", "TN", "WA", "WI")
UNIT = "COVID"
LAYOUT_BEDS = 100_000


def data_file() -> Path:
    """The HHS file under ``$HOSPITALTWIN_DATA`` (default ``../shared/data`` beside the checkout)."""
    base = Path(os.environ.get("HOSPITALTWIN_DATA", ROOT.parent / "shared" / "data"))
    return base / FILE


def state_counts(frame, state: str):
    """One state's rows as a counts frame (``date, hospital, unit, census, admissions, discharges``)."""
    import pandas as pd

    rows = frame[frame["state"] == state].sort_values("date")
    census = (rows["total_adult_patients_hospitalized_confirmed_covid"]
              + rows["total_pediatric_patients_hospitalized_confirmed_covid"].fillna(0))
    admissions = (rows["previous_day_admission_adult_covid_confirmed"]
                  + rows["previous_day_admission_pediatric_covid_confirmed"].fillna(0))
    out = pd.DataFrame({"date": rows["date"].dt.strftime("%Y-%m-%d"), "hospital": state, "unit": UNIT,
                        "census": census, "admissions": admissions}).dropna()
    out[["census", "admissions"]] = out[["census", "admissions"]].astype(int)
    implied = out["census"].shift(1) + out["admissions"] - out["census"]
    out["discharges"] = implied.fillna(0).clip(lower=0).astype(int)
    return out


def read_hhs():
    """The whole development file, dates parsed."""
    import pandas as pd

    frame = pd.read_csv(data_file(), thousands=",")
    frame["date"] = pd.to_datetime(frame["date"], format="%Y/%m/%d")
    return frame


def scenario_dict(state: str) -> dict:
    """A one-unit scenario for a state with no demand: counts mode reads the stay law and the
    admission rate from the counts."""
    return {"name": f"hhs-{state.lower()}",
            "layout": {"timezone": "UTC", "units": {UNIT: {"beds": LAYOUT_BEDS}}},
            "demand": {},
            "run": {"horizon": "7d", "replications": 200, "seed": 1}}
