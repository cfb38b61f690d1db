"""Builders for the surge tests: a tiny hospital, synthetic demand paths, options, brute force."""

from __future__ import annotations

import itertools
import math
from datetime import datetime

import numpy as np

from hospitaltwin.config import scenario_from_dict
from hospitaltwin.optimize.paths import DemandPaths
from hospitaltwin.optimize.surge.data import build_data
from hospitaltwin.optimize.surge.options import SurgeOptions

# ICU: 3 beds, no staff group (staffed = physical). PACU: 4 beds, one nurse at 1:3 on every
# hour (staffed 3), so taking a bay from PACU costs nothing until it has fewer than 3 left.
TINY = {
    "name": "tiny",
    "layout": {
        "units": {"ICU": {"beds": 3}, "PACU": {"beds": 4}},
        "staff": {"pacu_nurses": {"units": ["PACU"], "patients_per_staff": 3,
                                  "shifts": {"day": {"start": "0h", "length": "12h", "weekday": 1},
                                             "night": {"start": "12h", "length": "12h", "weekday": 1}}}},
    },
    "demand": {"arrivals": [{"unit": "ICU", "rate": 1.0}, {"unit": "PACU", "rate": 1.0}],
               "units": {"ICU": {"los": {"dist": "fixed", "mean": "1d"}},
                         "PACU": {"los": {"dist": "fixed", "mean": "4h"}}}},
    "run": {"horizon": "10d", "replications": 1, "seed": 1},
}
CAPACITY = {"ICU": (3, 3), "PACU": (4, 3)}  # physical, staffed


def tiny_scenario():
    return scenario_from_dict(TINY)


def synthetic_paths(seed: int, paths: int = 6, days: int = 3) -> DemandPaths:
    """Random hourly demand: ICU around its 3 beds, PACU around its 3 staffed bays."""
    rng = np.random.default_rng(seed)
    hours = days * 24 + 1
    icu = rng.integers(1, 7, (paths, hours))
    pacu = rng.integers(0, 5, (paths, hours))
    return DemandPaths(["ICU", "PACU"], [], {}, datetime(2024, 1, 1), np.stack([icu, pacu], axis=1),
                       np.zeros((paths, 0, hours)))


def two_options(**limits) -> dict:
    """Two options for the ICU, 0-2 beds each: PACU bays (max 2) and a 2-bed area (all or nothing)."""
    data = {
        "name": "tiny-surge", "nurses_per_shift": 2,
        "unmet_cost_per_patient_day": {"ICU": 240.0, "PACU": 60.0},
        "options": {
            "BAYS": {"serves": "ICU", "convert_from": "PACU", "max_beds": 2, "min_open": "2d",
                     "cost_per_bed_day": 9.0, "opening_cost": 4.0, "closing_cost": 3.0, "patients_per_nurse": 2},
            "AREA": {"serves": "ICU", "beds": 2, "lead_time": "1d", "cost_per_bed_day": 14.0,
                     "opening_cost": 11.0, "patients_per_nurse": 1},
        },
    }
    for key, value in limits.items():
        if key in ("BAYS", "AREA"):
            data["options"][key].update(value)
        else:
            data[key] = value
    return data


def tiny_data(options: dict, seed: int, paths: int = 6, days: int = 3):
    opts = SurgeOptions.model_validate(options)
    return opts, build_data(opts, tiny_scenario(), synthetic_paths(seed, paths, days), days, 0.0)


def brute_force(options: dict, demand: DemandPaths, days: int) -> tuple[float, np.ndarray | None]:
    """Enumerate every plan; check every rule and price it independently of the model code."""
    opts = SurgeOptions.model_validate(options)
    items = list(opts.options.values())
    best, best_beds = math.inf, None
    for combo in itertools.product(*[range(o.most + 1) for o in items for _ in range(days)]):
        beds = np.array(combo).reshape(len(items), days)
        if not _allowed(opts, items, beds, days):
            continue
        value = _cost(items, beds) + _unmet(opts, items, beds, demand, days)
        if value < best - 1e-9:
            best, best_beds = value, beds
    return best, best_beds


def _allowed(opts, items, beds, days) -> bool:
    cost = _cost(items, beds)
    if opts.budget is not None and cost > opts.budget + 1e-9:
        return False
    limits = opts.nurses_on(days)
    for d in range(days):
        if sum(math.ceil(beds[o, d] / item.patients_per_nurse) for o, item in enumerate(items)) > limits[d]:
            return False
    for o, item in enumerate(items):
        for d in range(days):
            b, was_open = beds[o, d], (beds[o, d - 1] > 0 if d else item.open_now > 0)
            if 0 < b < item.fewest:
                return False
            if b and not item.open_now and d < item.lead_time / 24:
                return False
            if b and not was_open and not all(beds[o, t] > 0 for t in range(d, min(days, d + int(item.min_open / 24)))):
                return False
            if item.open_now and d < (item.min_open - item.open_for) / 24 and b < item.open_now:
                return False
    return True


def _cost(items, beds) -> float:
    total = 0.0
    for o, item in enumerate(items):
        before = item.open_now > 0
        for b in beds[o]:
            total += item.cost_per_bed_day * b
            total += item.opening_cost * (b > 0 and not before) + item.closing_cost * (b == 0 and before)
            before = b > 0
    return total


def _unmet(opts, items, beds, demand: DemandPaths, days) -> float:
    """Cost of patient-days not placed, path by path and hour by hour."""
    total = 0.0
    for unit in CAPACITY:
        gain = sum((beds[o] for o, item in enumerate(items) if item.serves == unit), np.zeros(days, int))
        give = sum((beds[o] for o, item in enumerate(items) if item.convert_from == unit), np.zeros(days, int))
        series = demand.beds[:, demand.units.index(unit), : days * 24]
        hours_short = 0.0
        for s in range(series.shape[0]):
            for d in range(days):
                capacity = min(CAPACITY[unit][0] - give[d], CAPACITY[unit][1]) + gain[d]
                short = [max(int(series[s, h]) - capacity, 0) for h in range(24 * d, 24 * d + 24)]
                hours_short += sum(short) if opts.shortfall == "hourly" else 24 * max(short)
        total += opts.unmet_cost_per_patient_day.get(unit, 0.0) * hours_short / 24 / series.shape[0]
    return total


def small_wave() -> dict:
    """A small hospital (ED, 12-bed ICU, PACU, ward) where an ED wave doubles ICU demand."""
    shifts = lambda n: {"day": {"start": "7h", "length": "12h", "weekday": n},  # noqa: E731
                        "night": {"start": "19h", "length": "12h", "weekday": n}}
    return {
        "name": "small-wave",
        "layout": {
            "units": {"ED": {"beds": 30, "kind": "ed"}, "ICU": {"beds": 12, "kind": "icu"},
                      "PACU": {"beds": 8, "kind": "pacu"}, "WARD": {"beds": 80, "kind": "ward"}},
            "staff": {"icu_nurses": {"units": ["ICU"], "patients_per_staff": 2, "absence_rate": 0.03, "shifts": shifts(6)},
                      "pacu_nurses": {"units": ["PACU"], "patients_per_staff": 2, "shifts": shifts(4)}},
        },
        "demand": {
            "arrivals": [{"unit": "ED", "rate": 25.0}, {"unit": "PACU", "rate": 6.0, "source": "elective"}],
            "units": {
                "ED": {"los": {"dist": "lognormal", "mean": "4h", "cv": 0.6},
                       "next": {"ICU": 0.08, "WARD": 0.3, "discharge": 0.62}},
                "ICU": {"los": {"dist": "lognormal", "mean": "4d", "cv": 0.8},
                        "next": {"WARD": 0.75, "discharge": 0.2, "death": 0.05}},
                "PACU": {"los": {"dist": "lognormal", "mean": "3h", "cv": 0.5},
                         "next": {"WARD": 0.8, "ICU": 0.05, "discharge": 0.15}},
                "WARD": {"los": {"dist": "lognormal", "mean": "3d", "cv": 0.9}, "next": {"discharge": 1.0}},
            },
        },
        "changes": {"demand": [{"units": ["ED"], "curve": [["0d", 1.0], ["20d", 1.0], ["25d", 2.0], ["30d", 2.0]]}]},
        "run": {"horizon": "30d", "warmup": "20d", "replications": 20, "seed": 7},
    }


def small_options() -> dict:
    """Surge options of the small hospital: PACU bays (up to 4) and a 4-bed area."""
    return {
        "name": "small-icu-surge", "nurses_per_shift": 4, "budget": 200000,
        "unmet_cost_per_patient_day": {"ICU": 6000, "PACU": 3000},
        "options": {
            "PACU_ICU": {"serves": "ICU", "convert_from": "PACU", "max_beds": 4, "lead_time": "1d",
                         "min_open": "2d", "cost_per_bed_day": 2000, "opening_cost": 5000},
            "ICU_AREA": {"serves": "ICU", "beds": 4, "lead_time": "2d", "min_open": "4d",
                         "cost_per_bed_day": 2500, "opening_cost": 20000},
        },
    }
