"""Result directories for the report tests and benchmark, written in the documented formats.

Runs are real: a small teaching hospital (and a two-hospital network) simulated by the engine
and written as ``hospitaltwin run`` writes them. Forecasts, comparisons, backtests,
calibrations and rosters are generated here to the formats docs/reference/results.md and the report's module
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
    for h, beds in (("north", (10, 6, 28)), ("south", (14, 10, 40))):
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
    demand = {"arrivals": [{"unit": "N_ED", "rate": 8}, {"unit": "S_ED", "rate": 11}], "units": demand_units}
    return {"name": "network-baseline", "layout": layout, "demand": demand,
            "run": {"horizon": horizon, "warmup": "10d", "replications": replications, "seed": 3}}


def write_run(out: Path, data: dict) -> Path:
    """Simulate ``data`` with the engine and write its result directory (as ``hospitaltwin run``)."""
    from hospitaltwin.config import scenario_from_dict
    from hospitaltwin.experiment.replicate import run_scenario

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
    # hours on the hospital's wall clock from the as-of time, stamped with the local offset (as the engine counts)
    local = [start.tz_localize(None) + pd.Timedelta(hours=h) for h in range(hours)]
    stamps = [t.tz_localize(zone, ambiguous=True, nonexistent="shift_forward") for t in local]
    hod = np.array([t.hour for t in local])
    rows, daily, first_full = [], [], {}
    day_of = np.array([(t.date() - local[0].date()).days for t in local])
    dates = sorted({t.date().isoformat() for t in local})
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


# --- comparisons, backtests, calibrations, rosters --------------------------------------------

def write_compare(out: Path, policies=("icu-plus4", "early-discharge"), replications: int = 20, seed: int = 11) -> Path:
    """``comparison.csv`` of paired differences with verdicts from their 95% intervals."""
    rng = np.random.default_rng(seed)
    kpis = {"diverted_fraction": 0.08, "p_full": 0.3, "mean_wait_h": 4.0, "boarding_h_per_day": 12.0,
            "mean_census": 20.0, "occupancy_fraction": 0.85}
    lower = {"diverted_fraction", "p_full", "mean_wait_h", "boarding_h_per_day"}
    rows, significant = [], []
    for k, policy in enumerate(policies):
        for unit in UNITS:
            for kpi, base in kpis.items():
                effect = base * (-0.4 if k == 0 and unit == "ICU" else rng.normal(0, 0.08))
                diffs = effect + rng.normal(0, 0.1 * base, replications)
                mean, half = diffs.mean(), 2.09 * diffs.std(ddof=1) / np.sqrt(replications)
                lo, hi = mean - half, mean + half
                better = "none" if lo <= 0 <= hi or kpi not in lower else ("policy" if hi < 0 else "baseline")
                row = (policy, "unit", unit, kpi, base, base + mean, mean, lo, hi, better)
                rows.append(row)
                if better != "none":
                    significant.append(dict(zip(_COMPARE, row)))
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "comparison.csv", _COMPARE, rows)
    scenario = teaching_scenario()
    _write_json(out / "summary.json", {"scenario": scenario["name"], "policies": list(policies),
                                        "replications": replications, "seed": seed, "significant": significant})
    _write_json(out / "manifest.json", _manifest("compare", scenario, seed, replications,
                                                 {"policies": [{"name": p} for p in policies]}))
    return out


_COMPARE = ("policy", "scope", "name", "kpi", "baseline_mean", "policy_mean", "diff_mean", "diff_lo", "diff_hi",
            "better")


def write_backtest(out: Path, seed: int = 13) -> Path:
    """``scores.csv`` per resource, kind, lead and method, and ``reliability.csv`` of p_full."""
    rng = np.random.default_rng(seed)
    rows, rel = [], []
    resources = [("ICU", "staffed_beds"), ("WARD_A", "staffed_beds"), ("ICU", "beds"), ("ventilator", "equipment")]
    for resource, kind in resources:
        for lead in (6, 24, 48, 72, 120, 168, 336):
            growth = np.sqrt(lead / 24)
            for method, factor in (("model", 1.0), ("persistence", 1.1 + 0.12 * growth), ("last_week", 1.5),
                                   ("hour_of_week", 1.35)):
                crps = 0.6 * growth * factor * rng.uniform(0.95, 1.05)
                cover = [max(0.0, c - 0.01 * growth) if method == "model" else np.nan for c in (0.5, 0.8, 0.95)]
                rows.append((resource, kind, lead, method, 120, 1.3 * crps, *cover, crps,
                             0.12 * factor * rng.uniform(0.9, 1.1)))
    for resource, _ in resources[:3]:
        for b in range(10):
            predicted = (b + 0.5) / 10
            rel.append((resource, b / 10, (b + 1) / 10, predicted,
                        float(np.clip(predicted + rng.normal(0, 0.05) - 0.03, 0, 1)), int(200 * np.exp(-b / 3)) + 5))
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "scores.csv", ("resource", "kind", "lead_h", "method", "n", "mae", "coverage50", "coverage80",
                                    "coverage95", "crps", "brier"), rows)
    _write_csv(out / "reliability.csv", ("resource", "bin_lo", "bin_hi", "predicted", "observed", "n"), rel)
    _write_json(out / "summary.json", {"origins": 120, "scenario": "teaching-baseline", "seed": seed})
    _write_json(out / "manifest.json", _manifest("backtest", teaching_scenario(), seed, 200))
    return out


def write_calibration(out: Path, diagnostics: bool = True, seed: int = 17) -> Path:
    """``demand.yaml`` and ``demand.calibration.json`` as ``calibrate`` writes them; with the diagnostic CSVs."""
    rng = np.random.default_rng(seed)
    how = np.arange(168)
    shape = 1 + 0.45 * np.sin((how % 24 - 9) / 24 * 2 * np.pi) - 0.15 * (how >= 120)
    shape = shape / shape.mean()
    arrivals, profile_rows = [], []
    for stream, unit, rate in (("ED:walk-in", "ED", 24.0), ("ED:ambulance", "ED", 9.0), ("WARD_B:elective", "WARD_B", 2.5)):
        counts = rng.poisson(rate / 24 * 26 * shape)
        arrivals.append({"stream": stream, "unit": unit, "source": stream.split(":")[1], "n": int(counts.sum()),
                         "exposure_days": 182.0, "rate_per_day": rate, "ci95": [rate * 0.96, rate * 1.04],
                         "profile": {"model": "harmonic", "values": shape.tolist(), "counts": counts.tolist()},
                         "warnings": []})
        observed = counts / counts.mean()
        profile_rows += [(stream, h, round(observed[h], 4), round(shape[h], 4)) for h in how]
    units, survival_rows = {}, []
    for uid, mean_h in (("ICU", 84.0), ("HDU", 36.0), ("WARD_A", 96.0)):
        units[uid] = {"los": {"n": 400, "n_censored": 12, "chosen": "lognormal", "candidates": [
            {"family": "lognormal", "mean_h": mean_h, "mean_ci95_h": [0.93 * mean_h, 1.07 * mean_h],
             "sd_h": 0.9 * mean_h, "ks_km": 0.031, "delta_aic": 0.0},
            {"family": "gamma", "mean_h": mean_h, "mean_ci95_h": [0.9 * mean_h, 1.1 * mean_h], "sd_h": mean_h,
             "ks_km": 0.058, "delta_aic": 7.2}], "warnings": []}, "routing": {"branches": {}}, "equipment": {}}
        stays = np.sort(rng.lognormal(np.log(mean_h) - 0.35, 0.8, 400))
        km = 1 - np.arange(1, 401) / 400
        sigma = 0.8
        fitted = 0.5 * (1 - _erf((np.log(stays) - (np.log(mean_h) - 0.35)) / (sigma * np.sqrt(2))))
        survival_rows += [(uid, round(t, 3), round(k, 4), round(f, 4)) for t, k, f in zip(stays[::8], km[::8], fitted[::8])]
    summary = {"window": {"since": "2024-01-01T00:00:00+00:00", "until": "2024-07-01T00:00:00+00:00", "days": 182.0,
                          "timezone": "Europe/London"},
               "data": {"stays": 5200, "stays_used": 5100, "stays_censored": 36}, "los_choice": "aic",
               "arrivals": arrivals, "units": units,
               "warnings": [{"where": "units.HDU.next", "message": "only 18 stays route to ICU; share uncertain"}]}
    out.mkdir(parents=True, exist_ok=True)
    (out / "demand.yaml").write_text("# Demand written by hospitaltwin 0.1.0.\narrivals: []\nunits: {}\n", encoding="utf-8")
    _write_json(out / "demand.calibration.json", summary)
    if diagnostics:
        _write_csv(out / "profiles.csv", ("stream", "how", "observed", "fitted"), profile_rows)
        _write_csv(out / "survival.csv", ("unit", "hours", "km", "fitted"), survival_rows)
    return out


def _erf(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return erf(x)


def write_roster(out: Path, days: int = 28, seed: int = 19) -> Path:
    """``roster.csv``: nurses on day and night shifts over ``days`` days for three units."""
    rng = np.random.default_rng(seed)
    start = datetime(2024, 11, 4)
    rows = []
    teams = {"ICU": (6, 5, 16), "WARD_A": (9, 7, 24), "HDU": (4, 3, 11)}
    for unit, (day_heads, night_heads, size) in teams.items():
        staff = [f"{unit[:3].lower()}-{i:02d}" for i in range(size)]
        for d in range(days):
            date = (start + timedelta(days=d)).date().isoformat()
            order = rng.permutation(staff)
            weekend = (start + timedelta(days=d)).weekday() >= 5
            n_day = day_heads - (1 if weekend else 0)
            rows += [(s, date, "day", unit) for s in order[:n_day]]
            rows += [(s, date, "night", unit) for s in order[n_day:n_day + night_heads]]
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "roster.csv", ("staff", "day", "shift", "unit"), rows)
    _write_json(out / "manifest.json", _manifest("roster", teaching_scenario(), seed, 1))
    return out


# --- the optimisers' results: roster with its solve, surge and network plans ------------------

def write_roster_plan(out: Path) -> Path:
    """A roster with ``solve.json`` (and the naive roster's parts) and its out-of-sample test."""
    write_roster(out)
    parts = {"uncovered_patient_h": 3697.2, "overtime_shifts": 23, "broken_requests": 0,
             "cost": {"uncovered": 3697.2, "overtime": 460.0, "requests": 0.0, "total": 4157.2}}
    naive = {"uncovered_patient_h": 4410.5, "overtime_shifts": 31, "broken_requests": 2,
             "cost": {"uncovered": 4410.5, "overtime": 620.0, "requests": 12.0, "total": 5042.5}}
    _write_json(out / "solve.json", {"status": "FEASIBLE", "objective": 3983.6, "bound": 3960.2,
                                     "gap": 0.00587, "parts": parts, "naive": {"status": "FEASIBLE", "parts": naive}})
    write_compare(out / "evaluation", policies=("icu-nurses-november",), replications=30, seed=12)
    return out


def write_surge(out: Path, days: int = 7) -> Path:
    """A surge plan: two options, one opened from day 2, one closed; solve and evaluation."""
    rows = []
    for option, unit, beds in (("WING_4W", "WARD_A", [0, 2, 2, 4, 4, 4, 3]), ("DAYSURG", "ICU", [0] * 7)):
        for day in range(1, days + 1):
            n = beds[day - 1]
            rows.append((option, unit, day, f"{day - 1}d" if day > 1 else "0h", n, -(-n // 4)))
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "plan.csv", ("option", "unit", "day", "from", "beds", "nurses_per_shift"), rows)
    _write_json(out / "solve.json", {
        "status": "optimal", "objective": 116082.5, "bound": 116082.5, "gap": 0.0, "seconds": 0.26,
        "solver": "SCIP (OR-Tools MathOpt)", "paths": 100, "days": days,
        "cost": {"bed_days": 34200.0, "opening": 5000.0, "closing": 0.0},
        "unmet_patient_days": {"WARD_A": {"plan": 3.06, "no_plan": 6.09}, "ICU": {"plan": 2.11, "no_plan": 2.11}},
        "beds_opened": {"WING_4W": 19, "DAYSURG": 0}})
    scenario = teaching_scenario()
    scenario["run"] = {"origin": "2024-11-04T00:00:00"}
    _write_json(out / "manifest.json", _manifest("surge", scenario, 1, 100, {
        "options": {"name": "winter-surge", "budget": 150000.0}, "plan": {"start": 0.0, "days": days, "paths": 100}}))
    write_compare(out / "evaluation", policies=("surge-winter",), replications=20, seed=2)
    return out


def write_network_plan(out: Path, evaluation: bool = True, transfers: bool | None = None) -> Path:
    """A network plan: one move of ventilators, shortage before and after, solve, evaluation.csv
    and transfers.csv (by default with the evaluation)."""
    out.mkdir(parents=True, exist_ok=True)
    if evaluation if transfers is None else transfers:
        _write_csv(out / "transfers.csv", ("bed_kind", "from", "to", "from_unit", "to_unit", "day", "date", "delay_h",
                                           "limit_per_day", "limit_from", "planned_slots", "expected_transfers",
                                           "p95_transfers"),
                   [("icu", "west", "hub", "W_ICU", "H_ICU", d, f"2024-01-{11 + d}", 1.5, 3, "layout", 3, e, p)
                    for d, e, p in ((0, 0.4, 2.0), (1, 1.1, 3.0), (2, 0.0, 0.0))]
                   + [("icu", "east", "hub", "E_ICU", "H_ICU", d, f"2024-01-{11 + d}", 1.0, 2, "layout", 2, 0.0, 0.0)
                      for d in range(3)])
    _write_csv(out / "moves.csv", ("kind", "from", "to", "from_pool", "to_pool", "dispatch_day", "dispatch_date",
                                   "available_day", "devices"),
               [("ventilator", "hub", "west", "hub_vents", "west_vents", 0, "2024-01-11", 1, 5)])
    _write_csv(out / "shortage.csv", ("hospital", "ventilator_days_before", "ventilator_days_after",
                                      "icu_bed_days_before", "icu_bed_days_after"),
               [("east", 0.57, 0.67, 0.19, 0.05), ("hub", 0.0, 1.04, 0.33, 0.01), ("west", 14.68, 3.31, 0.89, 0.96)])
    _write_json(out / "solve.json", {"status": "optimal", "objective": 7.16, "bound": 7.16, "gap": 0.0,
                                     "solver": "SCIP via OR-Tools pywraplp (single thread)", "paths": 12, "days": 7,
                                     "policy_is_final_allocation": False})
    if evaluation:
        _write_csv(out / "evaluation.csv", _COMPARE, [
            ("network-total", "equipment", "west_vents", "unmet_fraction", 0.556, 0.023, -0.533, -0.671, -0.394,
             "policy"),
            ("network-total", "equipment", "hub_vents", "unmet_fraction", 0.0, 0.042, 0.042, -0.065, 0.149, "none"),
            ("network-total", "network", "ventilator", "unmet_fraction", 0.22, 0.033, -0.188, -0.32, -0.056,
             "policy"),
            ("network-total", "hospital", "west", "diverted_per_day", 0.88, 0.88, 0.0, 0.0, 0.0, "none")])
    _write_json(out / "manifest.json", _manifest("network", network_scenario(), 3, 12,
                                                 {"paths": 12, "days": 7, "origin": "2024-01-11T00:00:00"}))
    return out
