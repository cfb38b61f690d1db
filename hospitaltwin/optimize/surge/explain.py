"""Explain a surge plan to its users: why no plan exists, and what a plan does and costs.

An infeasible plan is never reported as a bare status. The rules come in named groups — an
option's size (all-or-nothing or at least one bed), its lead time, its minimum open period,
the beds open now, each day's surge-nurse limit, the budget — and a deletion filter finds an
irreducible set of them that cannot hold together: drop one group at a time and keep it out
whenever the rest are still infeasible. Feasibility does not depend on the demand paths, so
each check solves a small model without the recourse. The groups left are written in the
options file's own terms, with the numbers that clash. A solved plan is summarised as the
solve report (``solve.json``), the plan table and a few printed lines.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.math_opt.python import mathopt

from hospitaltwin.core.durations import format_hours
from hospitaltwin.optimize.surge.data import SurgeData, offset_text
from hospitaltwin.optimize.surge.model import SolveSettings, SurgePlan, all_groups, build_model

FEASIBLE = (mathopt.TerminationReason.OPTIMAL, mathopt.TerminationReason.FEASIBLE)


def feasible(data: SurgeData, active: set[str]) -> bool:
    """Whether some plan meets the ``active`` rule groups (recourse left out)."""
    model, _ = build_model(data, active=active, recourse=False)
    params = SolveSettings(time_limit_s=10.0).parameters()
    return mathopt.solve(model, mathopt.SolverType.GSCIP, params=params).termination.reason in FEASIBLE


def conflicting_groups(data: SurgeData) -> list[str]:
    """An irreducible set of rule groups that no plan can meet together (deletion filter)."""
    kept = all_groups(data)
    for group in reversed(kept):  # later days first, so the earliest clash is the one named
        trial = [g for g in kept if g != group]
        if not feasible(data, set(trial)):
            kept = trial
    return kept


def explain_infeasible(data: SurgeData) -> str:
    """A message naming the rules that conflict, in the options file's terms."""
    groups = conflicting_groups(data)
    if not groups or feasible(data, set(groups)):
        return "no surge plan meets the options' rules (the solver could not say which conflict)"
    lines = [describe(data, g) for g in groups] + _forced(data, groups)
    return ("no surge plan meets these rules together — relax one of them:\n  - " + "\n  - ".join(lines))


def _forced(data: SurgeData, groups: list[str]) -> list[str]:
    """What the beds that must stay open need, against the limits in the conflict."""
    held = [o for o, oid in enumerate(data.options)
            if {f"open_now:{oid}", f"min_open:{oid}"} <= set(groups)]
    if not held:
        return []
    out = []
    for group in groups:
        if group.startswith("nurses:"):
            d = int(group.partition(":")[2])
            need = sum(math.ceil(data.open_now[o] / data.patients_per_nurse[o] - 1e-9)
                       for o in held if d < data.must_stay[o])
            out.append(f"(the beds that must stay open need {need} nurse(s) per shift on day {d + 1})")
        elif group == "budget":
            cost = sum(data.open_now[o] * data.bed_day_cost[o] * min(data.must_stay[o], data.days) for o in held)
            out.append(f"(keeping them open costs at least {cost:,.0f})")
    return out


def describe(data: SurgeData, group: str) -> str:
    """One rule group in words, with its numbers."""
    kind, _, name = group.partition(":")
    if kind == "nurses":
        d = int(name)
        return f"nurses_per_shift: at most {int(data.nurses[d])} surge nurse(s) per shift on day {d + 1}"
    if kind == "budget":
        return f"budget: {data.budget:,.0f} for the whole plan"
    o = data.options.index(name)
    ratio, beds = data.patients_per_nurse[o], int(data.fewest[o])
    if kind == "size":
        need = math.ceil(beds / ratio - 1e-9)
        what = f"all {beds} beds at once" if data.fewest[o] == data.most[o] else "at least 1 bed"
        return f"options.{name}: opens with {what} ({need} nurse(s) per shift at 1:{ratio:g})"
    if kind == "lead":
        return f"options.{name}.lead_time: cannot open before day {int(data.earliest[o]) + 1}"
    if kind == "open_now":
        need = math.ceil(data.open_now[o] / ratio - 1e-9)
        return (f"options.{name}.open_now: {int(data.open_now[o])} beds are open now "
                f"({need} nurse(s) per shift at 1:{ratio:g})")
    stay = int(data.must_stay[o])
    extra = f"; the beds open now must stay open through day {stay}" if data.open_now[o] and stay else ""
    return f"options.{name}.min_open: once open, stays open {format_hours(24.0 * data.min_open[o])}{extra}"


def plan_rows(plan: SurgePlan) -> list[dict]:
    """``plan.csv`` rows: option, unit it serves, day (1-based and date offset), beds, nurses."""
    data, nurses = plan.data, plan.nurses()
    rows = []
    for o, oid in enumerate(data.options):
        unit = data.units[int(np.flatnonzero(data.serves[:, o] & ~data.donor)[0])]
        for d in range(data.days):
            rows.append({"option": oid, "unit": unit, "day": d + 1,
                         "from": offset_text(data.start_h + 24.0 * d), "beds": int(plan.beds[o, d]),
                         "nurses_per_shift": int(nurses[o, d])})
    return rows


def solve_report(plan: SurgePlan) -> dict:
    """``solve.json``: status, objective, bound, gap, time, sizes, costs and unmet demand."""
    data, settings = plan.data, plan.settings
    unmet, baseline = data.unmet_days(plan.beds), data.unmet_days(np.zeros_like(plan.beds))
    return {
        "status": plan.status, "objective": plan.objective, "bound": plan.bound, "gap": plan.gap,
        "seconds": round(plan.seconds, 3), "solver": "SCIP (OR-Tools MathOpt)",
        "settings": {"formulation": settings.formulation, "time_limit_s": settings.time_limit_s,
                     "node_limit": settings.node_limit, "random_seed": settings.seed,
                     "threads": settings.threads, "relative_gap": settings.relative_gap},
        "model": plan.size, "paths": data.paths, "days": data.days,
        "cost": plan.cost(),
        "unmet_patient_days": {u: {"plan": float(unmet[i].sum()), "no_plan": float(baseline[i].sum())}
                               for i, u in enumerate(data.units)},
        "beds_opened": {o: int(plan.beds[i].sum()) for i, o in enumerate(data.options)},
    }


def alternative_report(plan: SurgePlan, alternative: SurgePlan) -> dict:
    """``solve.json``'s ``alternative``: the best plan that opens beds, when the best plan opens
    none — its beds by option and day, cost, expected unmet demand, and how much dearer it is."""
    data = alternative.data
    unmet = data.unmet_days(alternative.beds)
    return {
        "what": "the best plan that opens at least one bed, for comparison with the plan, which opens none",
        "beds": {o: [int(b) for b in alternative.beds[i]] for i, o in enumerate(data.options)},
        "cost": alternative.cost(), "objective": alternative.objective, "status": alternative.status,
        "extra_expected_cost": alternative.objective - plan.objective,
        "unmet_patient_days": {u: float(unmet[i].sum()) for i, u in enumerate(data.units)},
    }


def summary_lines(plan: SurgePlan) -> list[str]:
    """A few lines for the terminal: status, gap, what opens when, costs, unmet demand."""
    report, data = solve_report(plan), plan.data
    lines = [f"surge plan: {report['status']}, objective {plan.objective:,.0f}, bound {plan.bound:,.0f}, "
             f"gap {plan.gap:.2%}, {plan.seconds:.1f} s ({data.paths} paths x {data.days} days)"]
    for o, oid in enumerate(data.options):
        open_days = np.flatnonzero(plan.beds[o])
        if len(open_days):
            beds = "/".join(str(int(b)) for b in plan.beds[o, open_days[0]: open_days[-1] + 1])
            lines.append(f"  {oid}: open days {open_days[0] + 1}-{open_days[-1] + 1}, beds by day {beds}")
        else:
            lines.append(f"  {oid}: not opened")
    cost = report["cost"]
    lines.append(f"  cost {sum(cost.values()):,.0f} (bed-days {cost['bed_days']:,.0f}, opening "
                 f"{cost['opening']:,.0f}, closing {cost['closing']:,.0f})")
    for unit, values in report["unmet_patient_days"].items():
        lines.append(f"  {unit}: expected patient-days not placed {values['plan']:.1f} "
                     f"(without the plan {values['no_plan']:.1f})")
    return lines
