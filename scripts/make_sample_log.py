"""Make the bundled synthetic ADT log of the community hospital (samples/).

Simulates 26 weeks of ``scenarios/community-baseline.yaml`` with a fixed seed and writes
what the hospital's ADT feed would hold: medical-record-number-like patient ids, unit names
as the hospital's systems spell them (with a unit map back to the layout's ids), a few
realistic faults for ingest to find (a duplicated message, an event with a broken timestamp,
a transfer naming a unit the layout does not know), as a canonical CSV.

Run from the repository root: ``python scripts/make_sample_log.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from hospitaltwin.config import read_scenario
from hospitaltwin.engine import compile_scenario, simulate
from hospitaltwin.experiment.export import replication_events
from hospitaltwin.experiment.replicate import with_run

ROOT = Path(__file__).resolve().parent.parent
NAMES = {"ED": "Emergency Department", "ICU": "Intensive Care Unit (ICU)", "PCU": "Progressive Care Unit",
         "MS_2E": "2 East Med/Surg", "MS_3E": "3 East Med/Surg", "MS_3W": "3 West Med/Surg",
         "SURG": "Surgical/Ortho Ward", "MATERNITY": "Labor & Delivery (LDRP)", "PACU": "PACU"}


def main() -> None:
    scenario = with_run(read_scenario(ROOT / "scenarios/community-baseline.yaml"), horizon="26w", warmup="0h",
                        seed=2024, origin="2025-01-06T00:00")
    model = compile_scenario(scenario)
    events = replication_events(simulate(model, 2024, 0), model, scenario.layout.timezone)
    rng = np.random.default_rng(7)
    mrn = {p: f"MRN{n:07d}" for p, n in zip(events["patient_id"].unique(), rng.permutation(9_000_000)[:events["patient_id"].nunique()] + 1_000_000)}
    events["patient_id"] = events["patient_id"].map(mrn)
    events["encounter_id"] = "V" + events["patient_id"].str[3:]
    events["event_id"] = [f"ADT{i:08d}" for i in range(len(events))]
    for column in ("unit", "from_unit"):
        events[column] = events[column].map(NAMES).where(events[column].notna())
    faults = events.iloc[[100, 5000]].copy()
    faults.loc[faults.index[1], "timestamp"] = "2025-02-30T25:61"
    faults.loc[faults.index[1], "event_id"] = "ADT99999999"
    odd = events[events["event"] == "transfer"].iloc[[3]].copy()
    odd["unit"], odd["event_id"] = "Telemetry 5 North", "ADT99999998"
    out = ROOT / "samples"
    out.mkdir(exist_ok=True)
    pd.concat([events, faults, odd]).to_csv(out / "community-adt.csv.gz", index=False)
    units = {"units": {unit: [name] for unit, name in NAMES.items()}}
    header = "# How the community hospital's ADT names its units, mapped to layouts/community-150.yaml.\n"
    (out / "community-units.yaml").write_text(header + yaml.safe_dump(units, sort_keys=False), encoding="utf-8")
    print(f"{len(events)} events of {len(mrn)} patients -> {out}")


if __name__ == "__main__":
    main()
