"""Result directories for the report tests and benchmark, written in the documented formats.

Runs are real: a small teaching hospital (and a two-hospital network) simulated by the engine
and written as ``hospitaltwin run`` writes them. Forecasts, comparisons, backtests,
calibrations and rosters are generated here to the formats DESIGN.md and the report's module
docstrings fix, from small stochastic models so the numbers hang together: a forecast's
quantiles, probabilities of being full and daily risks come from simulated census paths
(admissions and discharges with daily cycles against a roster of staffed beds).
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

UNITS = {
    "ED": {"name": "Emergency department", "beds": 16, "kind": "ed"},
    "ICU": {"name": "Intensive care unit", "beds": 10, "kind": "icu", "on_full": "queue"},
    "HDU": {"name": "High dependency unit", "beds": 8, "kind": "stepdown"},
    "WARD_A": {"name": "Medical ward A", "beds": 40, "kind": "ward", "on_full": "overflow", "overflow": ["WARD_B"]},
    "WARD_B": {"name": "Surgical ward B", "beds": 26, "kind": "ward", "on_full": "divert"},
}
ROUTES = {
    "ED": {"ICU": 0.06, "HDU": 0.08, "WARD_A": 0.2, "WARD_B": 0.15, "discharge": 0.51},
    "ICU": {"HDU": 0.5, "WARD_A": 0.3, "death": 0.1, "discharge": 0.1},
    "HDU": {"WARD_A": 0.6, "ICU": 0.05, "discharge": 0.35},
    "WARD_A": {"discharge": 0.95, "death": 0.05},
    "WARD_B": {"discharge": 1.0},
}
LOS = {"ED": "5h", "ICU": "3.5d", "HDU": "1.5d", "WARD_A": "4d", "WARD_B": "3d"}
SHIFTS = {"day": {"start": "7h", "length": "12h", "weekday": 5, "weekend": 4},
          "night": {"start": "19h", "length": "12h", "weekday": 4}}


def teaching_scenario(horizon: str = "60d", replications: int = 3) -> dict:
    """A five-unit hospital with nurses on shifts, ventilators and an ECLS team."""
    los = {u: {"los": {"dist": "lognormal", "mean": m, "cv": 0.9}, "next": ROUTES[u]} for u, m in LOS.items()}
    los["ICU"]["equipment"] = {
        "ventilator": {"p": 0.55, "duration": {"dist": "lognormal", "mean": "3d", "cv": 1.0}},
        "ecls": {"p": 0.15, "given": "ventilator", "after": {"dist": "exponential", "mean": "12h"},
                 "duration": {"dist": "lognormal", "mean": "4d", "cv": 0.7}}}
    staff = {"icu_nurses": {"units": ["ICU"], "patients_per_staff": 2, "absence_rate": 0.05, "shifts": SHIFTS},
             "ward_nurses": {"units": ["WARD_A", "WARD_B"], "patients_per_staff": 5, "shifts": {
                 "day": {"start": "7h", "length": "12h", "weekday": 13},
                 "night": {"start": "19h", "length": "12h", "weekday": 11}}},
             "ecls_team": {"patients_per_staff": 1, "shifts": {"day": {"start": "8h", "length": "24h", "weekday": 2}}}}
    layout = {"name": "teaching-100", "timezone": "Europe/London", "units": UNITS,
              "equipment": {"ventilator": {"count": 5}, "ecls": {"count": 2, "team": "ecls_team"}}, "staff": staff}
    demand = {"arrivals": [{"unit": "ED", "rate": 30}, {"unit": "WARD_B", "rate": 2.5, "source": "elective"}],
              "units": los}
    return {"name": "teaching-baseline", "layout": layout, "demand": demand,
            "run": {"horizon": horizon, "warmup": "14d", "replications": replications, "seed": 7,
                    "origin": "2024-03-18T00:00:00"}}


def network_scenario(horizon: str = "40d", replications: int = 3) -> dict:
    """Two hospitals, each with an ED, an ICU and a ward, joined by a transfer link."""
    units, demand_units = {}, {}
    for h, beds in (("north", (10, 6, 20)), ("south", (14, 10, 30))):
        prefix = h[0].upper()
        units[f"{prefix}_ED"] = {"beds": beds[0], "hospital": h, "kind": "ed"}
        units[f"{prefix}_ICU"] = {"beds": beds[1], "hospital": h, "kind": "icu", "on_full": "divert"}
        units[f"{prefix}_WARD"] = {"beds": beds[2], "hospital": h, "kind": "ward"}
        demand_units[f"{prefix}_ED"] = {"los": {"dist": "exponential", "mean": "4h"},
                                        "next": {f"{prefix}_ICU": 0.15, f"{prefix}_WARD": 0.5, "discharge": 0.35}}
        demand_units[f"{prefix}_ICU"] = {"los": {"dist": "lognormal", "mean": "3d", "cv": 1},
                                         "next": {f"{prefix}_WARD": 0.9, "death": 0.1}}
        demand_units[f"{prefix}_WARD"] = {"los": {"dist": "lognormal", "mean": "4d", "cv": 1}}
    layout = {"name": "two-hospitals", "timezone": "America/Chicago", "hospitals": {"north": {}, "south": {}},
              "units": units, "links": [{"from": "north", "to": "south", "delay": "90min"}]}
    demand = {"arrivals": [{"unit": "N_ED", "rate": 26}, {"unit": "S_ED", "rate": 34}], "units": demand_units}
    return {"name": "network-baseline", "layout": layout, "demand": demand,
            "run": {"horizon": horizon, "warmup": "10d", "replications": replications, "seed": 3}}


def write_run(out: Path, data: dict) -> Path:
    """Simulate ``data`` with the engine and write its result directory (as ``hospitaltwin run``)."""
    from hospitaltwin.config import scenario_from_dict
    from hospitaltwin.experiment import run_scenario

    run_scenario(scenario_from_dict(data), workers=1, out=out, inputs={"scenario.yaml": "0" * 64})
    return out


# --- forecasts -------------------------------------------------------------------------------

def academic_layout(beds: int = 600) -> dict:
    """A regional academic hospital of about ``beds`` beds in 18 units, with ventilators and ECLS."""
    spec = [("ED", 60, "ed"), ("MICU", 24, "icu"), ("SICU", 20, "icu"), ("CVICU", 16, "icu"), ("NICU", 24, "icu"),
            ("PICU", 12, "icu"), ("STEPDOWN", 28, "stepdown"), ("CARDIO", 32, "ward"), ("MED_4A", 36, "ward"),
            ("MED_4B", 36, "ward"), ("MED_5A", 34, "ward"), ("SURG_6A", 34, "ward"), ("SURG_6B", 32, "ward"),
            ("ORTHO", 30, "ward"), ("NEURO", 28, "ward"), ("ONC", 30, "ward"), ("MATERNITY", 40, "maternity"),
            ("PEDS", 24, "ward")]
    scale = beds / sum(b for _, b, _ in spec)
    units = {u: {"beds": max(4, round(b * scale)), "kind": k} for u, b, k in spec}
    wards = [u for u, _, k in spec if k in ("ward", "stepdown")]
    icus = [u for u, _, k in spec if k == "icu"]
    routes = {"ED": {**{u: 0.6 / len(wards) for u in wards}, **{u: 0.1 / len(icus) for u in icus}, "discharge": 0.3}}
    routes.update({u: {"STEPDOWN": 0.6, "discharge": 0.3, "death": 0.1} for u in icus})
    staff = {f"{u.lower()}_nurses": {"units": [u], "patients_per_staff": 2 if u in icus else 4,
                                     "shifts": {"day": {"start": "7h", "length": "12h", "weekday": 1},
                                                "night": {"start": "19h", "length": "12h", "weekday": 1}}}
             for u in units}
    layout = {"name": f"academic-{beds}", "timezone": "America/Chicago", "units": units, "staff": staff,
              "equipment": {"ventilator": {"count": round(0.45 * sum(units[u]["beds"] for u in icus))},
                            "ecls": {"count": 4}}}
    demand = {"arrivals": [{"unit": "ED", "rate": 180}], "units": {u: {"next": r} for u, r in routes.items()}}
    return {"name": f"academic-{beds}-forecast", "layout": layout, "demand": demand}


def _staffed(beds: int, hour_of_day: np.ndarray, icu: bool) -> np.ndarray:
    day = (hour_of_day >= 7) & (hour_of_day < 19)
    return np.where(day, beds, np.ceil(beds * (0.92 if icu else 0.88))).astype(float)


def _paths(rng, capacity: float, start: float, occupancy: float, mean_stay_h: float, hours: np.ndarray,
           replications: int, cap: np.ndarray | None) -> np.ndarray:
    """Census paths: Poisson admissions (evening peak) blocked at ``cap``, discharges peaking at noon."""
    hod = hours % 24
    inflow = occupancy * capacity / mean_stay_h * (1 + 0.5 * np.sin((hod - 12) / 24 * 2 * np.pi))
    outflow = (1 / mean_stay_h) * (1 + 0.8 * np.cos((hod - 12) / 24 * 2 * np.pi))
    level = np.full(replications, float(round(start)))
    out = np.empty((len(hours), replications))
    for h in range(len(hours)):
        level = level - rng.binomial(level.astype(np.int64), min(1.0, outflow[h]))
        admitted = level + rng.poisson(inflow[h], replications)
        level = np.minimum(admitted, capacity if cap is None else np.maximum(cap[h], level))
        out[h] = level
    return out


def write_forecast(out: Path, scenario: dict | None = None, *, hours: int = 336, replications: int = 200,
                   seed: int = 5, as_of: str = "2024-10-27T06:00:00-05:00") -> Path:
    """A forecast directory: ``forecast.csv``, ``daily.csv``, ``summary.json``, ``manifest.json``."""
    scenario = scenario or academic_layout(600)
    layout, rng = scenario["layout"], np.random.default_rng(seed)
    zone = layout.get("timezone", "UTC")
    start = pd.Timestamp(as_of).tz_convert(zone)
    stamps = pd.date_range(start, periods=hours, freq="h")
    hod = stamps.hour.to_numpy()
    rows, daily, first_full = [], [], {}
    day_of = np.array([(s.date() - stamps[0].date()).days for s in stamps])
    dates = sorted({s.date().isoformat() for s in stamps})
    times = [s.isoformat(timespec="minutes") for s in stamps]
    for i, (uid, unit) in enumerate(layout["units"].items()):
        icu = unit.get("kind") == "icu"
        staffed = _staffed(unit["beds"], hod, icu)
        occ = 0.70 + 0.25 * ((i * 37) % 11) / 10
        paths = _paths(rng, unit["beds"], occ * staffed[0], occ, 80 if unit.get("kind") != "ed" else 6,
                       np.arange(hours), replications, staffed)
        for kind, capacity in (("beds", np.full(hours, float(unit["beds"]))), ("staffed_beds", staffed)):
            _collect(rows, daily, first_full, uid, kind, paths, capacity, times, day_of, dates)
    icu_beds = sum(u["beds"] for u in layout["units"].values() if u.get("kind") == "icu")
    for pool, spec in layout.get("equipment", {}).items():
        need = 0.35 * icu_beds if pool == "ventilator" else 0.5 * spec["count"]
        paths = _paths(rng, 10 * spec["count"], need, need / (10 * spec["count"]), 90, np.arange(hours),
                       replications, None)
        _collect(rows, daily, first_full, pool, "equipment", paths, np.full(hours, float(spec["count"])), times,
                 day_of, dates)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "forecast.csv", ("resource", "kind", "time", "mean", "p05", "p25", "p50", "p75", "p95",
                                      "capacity", "p_full"), rows)
    _write_csv(out / "daily.csv", ("resource", "kind", "date", "p_full_any"), daily)
    risks = [{"resource": r, "kind": k, "within_h": w, "probability": round(float(np.mean(f < w)), 4)}
             for w in (24, 72, 168, 336) if w <= hours for (r, k), f in first_full.items()]
    headline = sorted([dict(r) for r in risks if r["within_h"] == 72 and r["kind"] != "beds"],
                      key=lambda r: -r["probability"])[:8]
    for h in headline:
        what = "reaches its staffed capacity" if h["kind"] == "staffed_beds" else "has every device in use"
        h["text"] = f"{h['resource']} {what} within 72 h: {h['probability']:.0%}"
    summary = {"as_of": start.isoformat(), "last_event": (start - pd.Timedelta(minutes=17)).isoformat(),
               "horizon_h": float(hours), "replications": replications, "seed": seed, "headline": headline,
               "risks": risks}
    _write_json(out / "summary.json", summary)
    _write_json(out / "manifest.json", _manifest("forecast", scenario, seed, replications,
                                                 {"origin": start.tz_localize(None).isoformat()}))
    return out


def _collect(rows, daily, first_full, name, kind, paths, capacity, times, day_of, dates) -> None:
    q = np.quantile(paths, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    full = paths >= capacity[:, None]
    mean, p_full = paths.mean(axis=1), full.mean(axis=1)
    for h, when in enumerate(times):
        rows.append((name, kind, when, round(mean[h], 4), *q[:, h].tolist(), capacity[h], round(p_full[h], 4)))
    for d, date in enumerate(dates):
        daily.append((name, kind, date, round(float(full[day_of == d].any(axis=0).mean()), 4)))
    hit = np.where(full.any(axis=0), full.argmax(axis=0), np.inf)
    first_full[(name, kind)] = hit


def _write_csv(path: Path, header: tuple, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _manifest(kind: str, scenario: dict, seed: int, replications: int, extra: dict | None = None) -> dict:
    return {"result_format": 1, "kind": kind, "created": "2024-10-27T11:00:00+00:00", "seed": seed,
            "replications": replications, "versions": {"python": "3.11.7", "hospitaltwin": "0.1.0"},
            "inputs": {"scenarios/x.yaml": "ab" * 32}, "scenario": scenario, **(extra or {})}
