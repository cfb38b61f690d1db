"""A solved roster as the engine and the user see it: head counts, a policy, files.

The engine does not know nurses, only how many are rostered on each shift; the roster reaches
it as a policy whose ``changes.staff`` set the exact head count of every rostered shift
(``group, shift, count, from, until``, one entry per day and shift, the window being that
calendar day). The same module prices a roster (expected uncovered patient-hours on the
instance's demand, overtime, broken requests), which is how an optimised and a naive roster
are compared in sample, and writes a result directory: ``roster.csv``, ``policy.yaml``,
``scenario.yaml`` (the scenario run over the roster period, ready for ``hospitaltwin
compare``), ``solve.json`` and ``manifest.json``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from hospitaltwin.compare.out_of_sample import out_of_sample
from hospitaltwin.compare.paired import Comparison
from hospitaltwin.config.policy import Policy, apply_policy
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.config.yamlio import write_yaml
from hospitaltwin.core.state import SystemState
from hospitaltwin.engine.compile import PathSource
from hospitaltwin.experiment.executors import Workers
from hospitaltwin.experiment.result_format import CSV_COLUMNS
from hospitaltwin.experiment.results import write_json, write_records
from hospitaltwin.optimize.roster.data import Instance



def head_counts(inst: Instance, assignments: list[tuple[int, int]]) -> dict[int, int]:
    """Nurses rostered on every slot."""
    counts = Counter(t for _, t in assignments)
    return {t.index: counts.get(t.index, 0) for t in inst.slots}


def roster_rows(inst: Instance, assignments: list[tuple[int, int]]) -> list[dict]:
    """One row per nurse and shift worked; ``unit`` is the staff group (the units it covers)."""
    rows = []
    for n, t in sorted(assignments, key=lambda a: (inst.staff[a[0]].index, inst.slots[a[1]].start)):
        slot = inst.slots[t]
        rows.append({"staff": inst.staff[n].id, "day": slot.date.isoformat(), "shift": slot.shift, "unit": slot.group})
    return rows


def evaluate(inst: Instance, assignments: list[tuple[int, int]]) -> dict:
    """The objective's parts of a roster, in their own units and in cost units."""
    heads, costs = head_counts(inst, assignments), inst.problem.costs
    uncovered = sum(float(seg.cost[min(sum(heads[t] for t in seg.slots), len(seg.cost) - 1)])
                    for seg in inst.segments)
    worked = Counter(n for n, _ in assignments)
    overtime = sum(max(worked.get(n, 0) - inst.contracted(n), 0) for n in range(len(inst.staff)))
    chosen = set(assignments)
    broken = [r for r in inst.requests if any((r.staff, t) in chosen for t in r.slots)]
    weight = sum(r.weight for r in broken)
    parts = {
        "uncovered_patient_h": round(uncovered, 4),
        "overtime_shifts": overtime,
        "broken_requests": len(broken),
        "broken_request_weight": weight,
        "shifts": len(assignments),
        "contracted_shifts": sum(inst.contracted(n) for n in range(len(inst.staff))),
    }
    parts["cost"] = {
        "uncovered": round(uncovered * costs.uncovered_patient_hour, 4),
        "overtime": round(overtime * costs.overtime_shift, 4),
        "requests": round(weight * costs.broken_request, 4),
    }
    parts["cost"]["total"] = round(sum(parts["cost"].values()), 4)
    return parts


def to_policy(inst: Instance, assignments: list[tuple[int, int]], name: str,
              description: str | None = None) -> Policy:
    """The roster's head counts as a policy: one staff change per day and shift."""
    heads, changes = head_counts(inst, assignments), []
    for t in inst.slots:
        day = dt.datetime.combine(t.date, dt.time())
        changes.append({"group": t.group, "shift": t.shift, "count": heads[t.index],
                        "from": day.isoformat(timespec="minutes"),
                        "until": (day + dt.timedelta(days=1)).isoformat(timespec="minutes")})
    return Policy.model_validate({"name": name, "description": description, "changes": {"staff": changes}})


def write_policy(policy: Policy, path: Path) -> Path:
    """Write a policy as YAML that ``hospitaltwin compare --policy`` reads back."""
    data = policy.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=False)
    data = {k: v for k, v in data.items() if v not in ({}, None)}
    data["changes"] = {k: v for k, v in data["changes"].items() if v}
    return write_yaml(path, data)


def write_roster(inst: Instance, assignments: list[tuple[int, int]], path: Path) -> Path:
    """Write ``roster.csv`` (``staff, day, shift, unit``)."""
    return write_records(path, roster_rows(inst, assignments), CSV_COLUMNS["roster"])


def shift_table(inst: Instance, assignments: list[tuple[int, int]]) -> list[dict]:
    """Per group and shift: mean rostered heads on weekdays and weekends, and the layout's."""
    heads, out = head_counts(inst, assignments), []
    for gid in inst.problem.groups:
        for name in inst.groups[gid].shifts:
            row = {"group": gid, "shift": name}
            for label, weekend in (("weekday", False), ("weekend", True)):
                slots = [t for t in inst.slots if t.group == gid and t.shift == name and t.weekend == weekend]
                if slots:
                    row[label] = sum(heads[t.index] for t in slots) / len(slots)
                    row[f"layout_{label}"] = sum(inst.baseline[t.index] for t in slots) / len(slots)
            out.append(row)
    return out


def write_scenario(scenario, path: Path) -> Path:
    """Write a resolved scenario (layout and demand inline) as YAML."""
    return write_yaml(path, scenario.model_dump(mode="json", by_alias=True, exclude_none=True))


def write_result(out: Path, result, evaluation, inputs: dict, naive=None, force: bool = False) -> Path:
    """Write the result folder of a roster (see the module docstring; a folder the tool owns,
    :class:`~hospitaltwin.core.outputs.ResultFolder`, ``force`` writing beside files it did not
    write); ``evaluation`` is the scenario run over the roster period; ``naive`` an optional
    baseline roster result."""
    from hospitaltwin.core.outputs import ResultFolder

    with ResultFolder(out, force) as folder:
        _write_result_files(folder.path, result, evaluation, inputs, naive)
    return folder.out


def _write_result_files(out: Path, result, evaluation, inputs: dict, naive) -> None:
    from hospitaltwin.experiment.results import manifest

    problem, settings = result.inst.problem, result.settings
    extra = {"paths": settings.get("paths"), "paths_seed": settings.get("paths_seed"), "gap_target": settings.get("gap")}
    if result.explanation is not None:
        extra["explanation"] = result.explanation.lines
    if result.solution.found:
        write_roster(result.inst, result.solution.assignments, out / "roster.csv")
        write_policy(result.policy(problem.name, problem.description), out / "policy.yaml")
        write_scenario(evaluation, out / "scenario.yaml")
    if naive is not None and naive.solution.found:
        write_roster(naive.inst, naive.solution.assignments, out / "naive-roster.csv")
        write_policy(naive.policy(f"{problem.name}-naive", "The same nurses filling the layout's usual pattern"),
                     out / "naive-policy.yaml")
        extra["naive"] = {"status": naive.solution.status,
                          "parts": evaluate(result.inst, naive.solution.assignments)}
    write_solve(out / "solve.json", result.solution, result.parts, extra)
    resolved = evaluation.model_dump(mode="json", by_alias=True, exclude_none=True)
    more = {"roster": {"problem": problem.model_dump(mode="json", by_alias=True, exclude_none=True),
                       "status": result.solution.status, "origin": settings.get("origin")}}
    write_json(out / "manifest.json", manifest("roster", resolved, settings.get("paths_seed") or 0,
                                               settings.get("paths") or 0, inputs, more))


def write_solve(path: Path, solution, parts: dict | None, extra: dict) -> Path:
    """Write ``solve.json``: status, objective parts, bound, gap, time, seed, workers."""
    data = {
        "status": solution.status,
        "objective": solution.objective,
        "bound": solution.bound,
        "gap": solution.gap,
        "irreducible": solution.irreducible,
        "parts": parts,
        "wall_time_s": round(solution.wall_s, 3),
        "deterministic_time": round(solution.deterministic_s, 3),
        "time_limit": solution.time_limit,
        "seed": solution.seed,
        "workers": solution.workers,
        "method": solution.method,
        "size": solution.size,
        "steps": solution.steps,
        **extra,
    }
    write_json(path, data)
    return path


TARGET_KPIS = ("over_ratio_patient_h", "over_ratio_h", "mean_wait_h", "diverted_fraction", "boarding_h_per_day",
               "p_full")
"""Unit KPIs a roster aims at: patients over the nurse ratio, and the waits and diversions
that closed (unstaffed) beds cause."""


def compare_rosters(period: Scenario, roster: Policy, naive: Policy, *, seed: int, replications: int,
                    plan_seed: int, workers: Workers = 1, state: SystemState | None = None,
                    out: Path | None = None, demand: PathSource | None = None) -> Comparison:
    """The roster against the naive roster of the same nurses, on common random numbers from a
    seed other than the demand paths' (out of sample); ``demand`` gives each replication its
    demand path (reseeded with ``seed``).

    The naive roster is applied to the period's scenario, which becomes the baseline; the
    roster's head counts replace its counts shift by shift (a later staff change wins).
    """
    return out_of_sample(apply_policy(period, naive), roster, seed=seed, replications=replications,
                         plan_seed=plan_seed, workers=workers, state=state, out=out,
                         demand=demand)


def target_rows(comparison: Comparison, units: list[str]) -> list[dict]:
    """Rows of the rostered units on the KPIs a roster targets."""
    return [r for r in comparison.rows if r["scope"] == "unit" and r["kpi"] in TARGET_KPIS and r["name"] in units]


def rostered_units(inst: Instance) -> list[str]:
    """Units staffed by the rostered groups."""
    return list(dict.fromkeys(u for g in inst.problem.groups for u in inst.groups[g].units))
