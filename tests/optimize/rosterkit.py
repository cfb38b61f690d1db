"""Small roster instances for the tests: a two-unit hospital, problems as data, random demand,
and an exhaustive solver written from the rules as the problem file documents them."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import numpy as np

from hospitaltwin.config import scenario_from_dict
from hospitaltwin.optimize.roster import demand_instance, problem_from_dict
from hospitaltwin.optimize.roster.model import SCALE, scaled_table

SHIFTS = {"day": {"start": "7h", "length": "12h", "weekday": 3}, "night": {"start": "19h", "length": "12h", "weekday": 2}}


def two_units(horizon: str = "60d", warmup: str = "14d", origin: str = "2024-01-01") -> dict:
    """Scenario data: units A (8 beds, 1:2) and B (6 beds, 1:3), day and night 12-hour shifts."""
    los = {"dist": "lognormal", "mean": "3d", "cv": 0.8}
    return {
        "name": "two-units",
        "layout": {"units": {"A": {"beds": 8}, "B": {"beds": 6}},
                   "staff": {"ga": {"units": ["A"], "patients_per_staff": 2, "shifts": SHIFTS},
                             "gb": {"units": ["B"], "patients_per_staff": 3, "shifts": SHIFTS}}},
        "demand": {"arrivals": [{"unit": "A", "rate": 2.0}, {"unit": "B", "rate": 1.6}],
                   "units": {"A": {"los": los, "next": {"discharge": 1.0}}, "B": {"los": los, "next": {"discharge": 1.0}}}},
        "run": {"horizon": horizon, "warmup": warmup, "replications": 4, "seed": 3, "origin": origin},
    }


def three_day_problem(rng: np.random.Generator) -> dict:
    """Three nurses free on Friday, Saturday and Sunday only (leave the rest of the week), with
    rules, requests and cover drawn at random: small enough to enumerate every roster."""
    contract = {"shifts_per_week": int(rng.integers(1, 3)), "min_rest": str(rng.choice(["0h", "11h", "13h"]))}
    if rng.random() < 0.6:
        contract["max_shifts_per_week"] = int(rng.integers(1, 4))
    if rng.random() < 0.5:
        contract["max_consecutive"] = int(rng.integers(1, 3))
    if rng.random() < 0.5:
        contract["max_nights"] = int(rng.integers(1, 3))
    if rng.random() < 0.2:
        contract["weekends_off"] = 1
    if rng.random() < 0.4:
        contract["min_hours_per_week"] = f"{int(rng.choice([12, 24, 36]))}h"
    if rng.random() < 0.4:
        low = int(contract.get("min_hours_per_week", "0h")[:-1])
        contract["max_hours_per_week"] = f"{max(int(rng.choice([24, 36])), low)}h"
    days = [dt.date(2024, 1, 5) + dt.timedelta(days=d) for d in range(3)]
    requests = [{"nurse": str(rng.choice(["N1", "N2", "N3"])), "date": str(rng.choice(days)),
                 **({"shift": str(rng.choice(["day", "night"]))} if rng.random() < 0.5 else {}),
                 "weight": float(rng.choice([0.5, 1, 2]))} for _ in range(int(rng.integers(0, 4)))]
    first = int(rng.integers(5, 8))
    free = {"from": f"2024-01-0{first}", "until": f"2024-01-0{int(rng.integers(first, 8))}"}
    cover = [{"group": "ga", "skill": "ecls", "min": 1, "shifts": ["night"], **free}] if rng.random() < 0.5 else []
    if rng.random() < 0.3:
        cover.append({"group": "gb", "min": 1, "shifts": ["day"], "from": str(rng.choice(["2024-01-05", "2024-01-06"])),
                      "until": "2024-01-06"})
    return {
        "name": "three-days", "period": {"start": "2024-01-05", "weeks": 1}, "groups": ["ga", "gb"],
        "contracts": {"c": contract},
        "nurses": [{"id": "N1", "contract": "c", "groups": ["ga"], "skills": ["ecls"]},
                   {"id": "N2", "contract": "c", "groups": ["ga"]},
                   {"id": "N3", "contract": "c", "groups": ["ga", "gb"], "skills": ["ecls"]}],
        "leave": [{"nurse": n, "from": "2024-01-08", "until": "2024-01-11"} for n in ("N1", "N2", "N3")],
        "requests": requests, "cover": cover,
        "costs": {"uncovered_patient_hour": float(rng.choice([0.5, 1.0, 2.0])),
                  "overtime_shift": float(rng.choice([2.0, 10.0, 30.0])), "broken_request": float(rng.choice([1.0, 8.0]))},
    }


def random_demand(problem, scenario, rng: np.random.Generator, paths: int = 5) -> dict:
    """``[path, hour]`` patients per group over the period and a day: random but plausible."""
    hours = problem.days * 24 + 24
    out = {}
    for gid in problem.groups:
        beds = sum(scenario.layout.units[u].beds for u in scenario.layout.staff[gid].units)
        level = rng.integers(beds // 3, beds + 1, size=(paths, hours // 6 + 1))
        out[gid] = np.repeat(level, 6, axis=1)[:, :hours].astype(float)
    return out


def small_instance(seed: int):
    """A random three-day instance on the two-unit scenario."""
    rng = np.random.default_rng(seed)
    scenario = scenario_from_dict(two_units())
    problem = problem_from_dict(three_day_problem(rng), scenario.layout)
    return demand_instance(problem, scenario, random_demand(problem, scenario, rng))


# ---- exhaustive search, written from the documented rules ------------------------------------

def schedules(inst, n: int) -> list[tuple[int, ...]]:
    """Every schedule of nurse ``n`` (one shift a day at most, never on leave) that keeps her
    own rules: rest, shifts and nights per week, nights, hours, days in a row, weekends off."""
    slots, c = inst.slots, inst.staff[n].contract
    by_day = [[None] + [t for t in inst.eligible[n] if slots[t].day == d and t not in inst.leave[n]]
              for d in range(inst.problem.days)]
    return [tuple(t for t in pick if t is not None) for pick in itertools.product(*by_day)
            if _keeps_rules(inst, n, c, [t for t in pick if t is not None])]


def _keeps_rules(inst, n, c, chosen: list[int]) -> bool:
    slots, weeks = inst.slots, inst.problem.period.weeks
    shifts = sorted((slots[t] for t in chosen), key=lambda s: s.start)
    if any(b.start - a.end < c.min_rest for a, b in zip(shifts, shifts[1:])):
        return False
    per_week = Counter(s.day // 7 for s in shifts)
    nights = [s for s in shifts if s.night]
    if c.max_shifts_per_week is not None and max(per_week.values(), default=0) > c.max_shifts_per_week:
        return False
    if c.max_nights_per_week is not None and max(Counter(s.day // 7 for s in nights).values(), default=0) > c.max_nights_per_week:
        return False
    if c.max_nights is not None and len(nights) > c.max_nights:
        return False
    hours = sum(s.length for s in shifts)
    if inst.min_hours(n) is not None and hours < inst.min_hours(n) - 1e-9:
        return False
    if c.max_hours_per_week is not None and hours > c.max_hours_per_week * weeks + 1e-9:
        return False
    days = sorted(s.day for s in shifts)
    run = longest = 0
    for i, d in enumerate(days):
        run = run + 1 if i and d == days[i - 1] + 1 else 1
        longest = max(longest, run)
    if c.max_consecutive is not None and longest > c.max_consecutive:
        return False
    weekends = {s.date.isocalendar()[:2] for s in shifts if s.date.weekday() >= 5}
    all_weekends = {d.isocalendar()[:2] for d in inst.problem.dates if d.weekday() >= 5}
    return len(weekends) <= len(all_weekends) - c.weekends_off


def nurse_cost(inst, n: int, schedule: tuple[int, ...]) -> int:
    """Scaled overtime and broken-request cost of one nurse's schedule."""
    costs = inst.problem.costs
    cost = int(round(costs.overtime_shift * SCALE)) * max(len(schedule) - inst.contracted(n), 0)
    for req in inst.requests:
        if req.staff == n and set(req.slots) & set(schedule):
            cost += int(round(costs.broken_request * req.weight * SCALE))
    return cost


def brute_force(inst) -> tuple[int | None, tuple | None]:
    """The optimal scaled objective (with the unavoidable offset) and a roster, or None."""
    options = [schedules(inst, n) for n in range(len(inst.staff))]
    tables = [scaled_table(seg.cost, inst.problem.costs.uncovered_patient_hour) for seg in inst.segments]
    offset = sum(off for _, off in tables)
    best, roster = None, None
    for combo in itertools.product(*options):
        heads = Counter(t for schedule in combo for t in schedule)
        if any(sum(1 for m in need.staff if need.slot in combo[m]) < need.minimum for need in inst.covers):
            continue
        total = sum(nurse_cost(inst, n, s) for n, s in enumerate(combo))
        total += sum(int(table[min(sum(heads[t] for t in seg.slots), len(table) - 1)])
                     for seg, (table, _) in zip(inst.segments, tables))
        if best is None or total < best:
            best, roster = total, combo
    return (None, None) if best is None else (best + offset, roster)
