"""A surge plan as a policy the twin can run, and its evaluation on fresh random numbers.

Each option the plan opens becomes a unit of its own (the option's id, ``kind: surge``, no
beds until the plan opens them) that the served unit overflows into before anything it
already overflowed into; a patient placed there keeps their intended unit's stay and routing,
as for any overflow. Beds open and close through ``changes.beds`` (``add`` from the day's
start until the run of equal counts ends); beds converted from another unit are taken from it
in the same windows. When the served unit is staffed by a group, the surge unit gets a staff
group of its own with the served group's shifts, ratio and sick-call rate and a head count on
each shift of ceil(beds / ratio) for the most beds open during that shift — so the twin, not
the plan, decides whether the nurses turn up. The evaluation runs the scenario with and
without the policy on common random numbers drawn from a seed other than the one the plan
was optimised on, so its verdict is out of sample.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from hospitaltwin.compare.out_of_sample import out_of_sample
from hospitaltwin.compare.paired import Comparison
from hospitaltwin.config.policy import Policy
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.config.yamlio import write_yaml
from hospitaltwin.core.durations import format_hours
from hospitaltwin.core.state import SystemState
from hospitaltwin.engine.compile import PathSource
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.experiment.replicate import with_run
from hospitaltwin.optimize.surge.data import offset_text
from hospitaltwin.optimize.surge.model import SurgePlan
from hospitaltwin.optimize.surge.options import SurgeOptions

TARGET_KPIS = ("mean_wait_h", "p_wait", "boarding_h_per_day", "diverted_fraction", "p_full")
"""KPIs a surge plan aims at (``overflow_fraction`` rises by design: surge beds are overflow beds)."""


def runs(beds: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs ``(first day, day after the last, beds)`` of equal, non-zero bed counts."""
    out, start = [], 0
    for d in range(1, len(beds) + 1):
        if d == len(beds) or beds[d] != beds[start]:
            if beds[start] > 0:
                out.append((start, d, int(beds[start])))
            start = d
    return out


def plan_policy(plan: SurgePlan, options: SurgeOptions, scenario: Scenario, origin: datetime) -> dict:
    """The plan as policy data (the structure of a policy YAML file).

    ``origin`` is the calendar time of the scenario's hour 0 (shift starts follow the calendar).
    """
    data, layout = plan.data, scenario.layout
    units, staff, bed_changes, staff_changes = {}, {}, [], []
    opened = [oid for o, oid in enumerate(data.options) if plan.beds[o].any()]
    for oid in opened:
        o, option = data.options.index(oid), options.options[oid]
        units[oid] = {"beds": 0, "kind": "surge", "name": option.description or f"surge beds for {option.serves}"}
        for first, end, beds in runs(plan.beds[o]):
            window = {"from": offset_text(data.start_h + 24 * first), "until": offset_text(data.start_h + 24 * end)}
            bed_changes.append({"unit": oid, "add": beds, **window})
            if option.convert_from:
                bed_changes.append({"unit": option.convert_from, "add": -beds, **window})
        group = _group_of(scenario, option.serves)
        if group is not None:
            name = f"{oid}_nurses"
            staff[name] = _surge_group(oid, layout.staff[group], data.patients_per_nurse[o])
            staff_changes += _staff_changes(name, layout.staff[group], plan.beds[o], data.start_h,
                                            data.patients_per_nurse[o], origin)
    for served in dict.fromkeys(options.options[oid].serves for oid in opened):
        mine = [oid for oid in opened if options.options[oid].serves == served]
        before = [u for u in layout.units[served].overflow if u not in mine]
        units[served] = {"on_full": "overflow", "overflow": mine + before}
    description = (f"Surge plan '{options.name}' from optimize surge: {data.paths} demand paths x {data.days} days "
                   f"from {offset_text(data.start_h)}; {plan.status}, gap {plan.gap:.2%}")
    policy = {"name": f"surge-{options.name}", "description": description,
              "layout": {"units": units, **({"staff": staff} if staff else {})},
              "changes": {"beds": bed_changes, **({"staff": staff_changes} if staff_changes else {})}}
    Policy.model_validate(policy)
    return policy


def _group_of(scenario: Scenario, unit: str) -> str | None:
    for name, group in scenario.layout.staff.items():
        if unit in group.units:
            return name
    return None


def _surge_group(oid: str, group, ratio: float) -> dict:
    shifts = {name: {"start": format_hours(s.start), "length": format_hours(s.length), "weekday": 0}
              for name, s in group.shifts.items()}
    return {"units": [oid], "patients_per_staff": float(ratio), "absence_rate": group.absence_rate, "shifts": shifts}


def _staff_changes(group_name: str, group, beds: np.ndarray, start_h: float, ratio: float,
                   origin: datetime) -> list[dict]:
    """Head counts per shift: ceil(most beds open during the shift / ratio), as runs of equal counts."""
    end_h = start_h + 24 * len(beds)
    first_midnight = datetime.combine(origin.date(), datetime.min.time())
    offset0 = (first_midnight - origin) / timedelta(hours=1)
    changes = []
    for name, shift in group.shifts.items():
        counts = []
        day = math.floor((start_h - 24 - offset0) / 24)
        while (t := offset0 + 24 * day + shift.start) < end_h:
            lo, hi = max(t, start_h), min(t + shift.length, end_h)
            covered = beds[int((lo - start_h) // 24): int(math.ceil((hi - start_h) / 24))] if hi > lo else beds[:0]
            counts.append((t, math.ceil(covered.max() / ratio - 1e-9) if len(covered) else 0))
            day += 1
        changes += _count_runs(group_name, name, counts)
    return changes


def _count_runs(group: str, shift: str, counts: list[tuple[float, int]]) -> list[dict]:
    out = []
    for i, (t, count) in enumerate(counts):
        if count and (i == 0 or counts[i - 1][1] != count):
            end = next((u for u, c in counts[i + 1:] if c != count), counts[-1][0] + 24)
            out.append({"group": group, "shift": shift, "count": count,
                        "from": offset_text(t), "until": offset_text(end)})
    return out


def write_policy(policy: dict, path: Path, header: str = "") -> None:
    """Write policy data as a YAML file (with an optional comment header)."""
    write_yaml(path, policy, header)


def evaluate(scenario: Scenario, policy: Policy, *, seed: int, replications: int, horizon_h: float,
             plan_seed: int, workers: Workers = 1, state: SystemState | None = None,
             out: Path | None = None, demand: PathSource | None = None) -> Comparison:
    """Compare the scenario with and without ``policy`` on fresh seeds (never the plan's own).

    ``horizon_h`` is the run's horizon (warmup + plan for an empty start; the plan from a state);
    ``demand`` the per-replication demand paths (reseeded with ``seed``, not the plan's).
    """
    return out_of_sample(with_run(scenario, horizon=format_hours(horizon_h)), policy, seed=seed,
                         replications=replications, plan_seed=plan_seed, workers=workers, state=state, out=out,
                         demand=demand)


def target_rows(comparison: Comparison, units: list[str]) -> list[dict]:
    """Rows of the units the plan changes, on the KPIs a surge plan targets."""
    return [r for r in comparison.rows if r["scope"] == "unit" and r["kpi"] in TARGET_KPIS and r["name"] in units]


def side_effects(comparison: Comparison, units: list[str]) -> list[dict]:
    """Significant changes in waits and boarding of the other units (knock-on effects)."""
    return [r for r in comparison.rows if r["scope"] == "unit" and r["name"] not in units
            and r["kpi"] in ("mean_wait_h", "boarding_h_per_day") and r["better"] != "none"]
