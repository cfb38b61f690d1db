"""The steps of a large solve: head counts, greedy roster, repair, neighbourhoods, full model.

See :mod:`~hospitaltwin.optimize.roster.solver` for why and in what order. Each step works
on the whole roster or on its independent components and records what it did (status,
objective, bound, deterministic time) for ``solve.json``; the last record holds the roster.
Time shares of the deterministic limit: head counts up to 10%; a rule-keeping roster for
components whose greedy roster breaks a rule up to 20% (usually under a second); neighbourhoods
25% (or up to 50% while a rule is still broken); full models 40%, or 60% of what is left if
less (one worker each, components in parallel: a solve with several interleaved workers
overruns its deterministic limit); neighbourhoods the rest, stopping at the target gap.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from hospitaltwin.optimize.roster.cpsat import (
    components,
    direct,
    gap_of,
    part_of,
    run,
    scaled_objective,
)
from hospitaltwin.optimize.roster.data import Instance, restrict
from hospitaltwin.optimize.roster.greedy import greedy
from hospitaltwin.optimize.roster.heads import NurseType, build_heads
from hospitaltwin.optimize.roster.lns import improve, penalty
from hospitaltwin.optimize.roster.model import build_model


class Component:
    """One independent part: its nurses (global indices), groups, instance and best bound."""

    def __init__(self, inst: Instance, nurses: list[int], groups: list[str]):
        self.nurses, self.groups = nurses, groups
        self.inst = part_of(inst, nurses, groups)
        self.bound = 0.0

    def local(self, work) -> set:
        """``work`` restricted to this component, in its own nurse numbering."""
        index = {n: i for i, n in enumerate(self.nurses)}
        return {(index[n], t) for n, t in work if n in index}

    def size(self) -> int:
        return sum(len(e) for e in self.inst.eligible)


def solve_in_steps(inst: Instance, limit: float, settings: dict) -> list[dict]:
    """Run the steps; the last record is the result (see the module docstring)."""
    clock = time.perf_counter()
    parts = [Component(inst, nurses, groups) for nurses, groups in components(inst)]
    steps, types, counts = _head_counts(parts, 0.1 * limit, settings["seed"])
    if steps[-1]["status"] in ("INFEASIBLE", "UNKNOWN"):
        return steps if steps[-1]["status"] == "INFEASIBLE" else steps + [direct(inst, 0.9 * limit, settings)]
    work = _start(inst, types, counts)
    steps.append(_record("greedy", inst, work, parts, 0.0))
    if steps[-1]["status"] != "FEASIBLE":
        work = _feasible(inst, work, parts, 0.2 * limit, settings, steps)
    broken = penalty(inst, work) > 0
    work = _improve(inst, types, work, parts, (0.5 if broken else 0.25) * limit, settings, steps, repair=broken)
    spent = sum(s.get("deterministic_s", 0.0) for s in steps)
    work = _full_models(inst, work, parts, min(0.4 * limit, 0.6 * (limit - spent)), settings, steps)
    left = limit - sum(s.get("deterministic_s", 0.0) for s in steps)
    work = _improve(inst, types, work, parts, max(left, 0.5), settings, steps)
    result = _record("result", inst, work, parts, 0.0, wall_s=round(time.perf_counter() - clock, 3))
    if result["status"] != "FEASIBLE":
        result.update(status="UNKNOWN", work=None, objective=None)
    return steps + [result]


def _bound(parts: list[Component]) -> float:
    return sum(p.bound for p in parts)


def _record(name: str, inst: Instance, work, parts, spent: float, **extra) -> dict:
    broken = penalty(inst, work) > 0
    return {"step": name, "status": "RULES BROKEN" if broken else "FEASIBLE", "work": None if broken else list(work),
            "objective": scaled_objective(inst, work), "bound": _bound(parts), "deterministic_s": spent, **extra}


def _head_counts(parts: list[Component], limit: float, seed: int):
    """Head counts per component: bounds, nurse types and target counts (global indices)."""
    types, counts, spent, status = [], [], 0.0, "OPTIMAL"
    for part in parts:
        hm = build_heads(part.inst)
        found = run(hm.model, {}, time_limit=limit / len(parts), workers=1, seed=seed, ints=hm.y)
        spent += found.deterministic_s
        if found.status in ("INFEASIBLE", "UNKNOWN") or found.objective is None:
            status = "INFEASIBLE" if found.status == "INFEASIBLE" else "UNKNOWN"
            break
        part.bound = found.bound
        for k, kind in enumerate(hm.types):
            types.append(NurseType(kind.key, tuple(part.nurses[i] for i in kind.nurses), kind.slots))
            counts.append(Counter({t: v for (j, t), v in found.values.items() if j == k}))
        status = "OPTIMAL" if found.status == "OPTIMAL" and status == "OPTIMAL" else "FEASIBLE"
    return [{"step": "head counts", "status": status, "bound": _bound(parts), "deterministic_s": spent,
             "components": len(parts), "types": len(types)}], types, counts


def _start(inst: Instance, types: list[NurseType], counts: list[Counter]) -> list[tuple[int, int]]:
    """A greedy roster, type by type, each toward its head counts; a cover rule asks of a type
    what the types placed before it and the targets of those after it leave to cover."""
    order = sorted(range(len(types)), key=lambda k: -len(types[k].nurses))
    work: list[tuple[int, int]] = []
    for step, k in enumerate(order):
        mine, later = list(types[k].nurses), order[step + 1:]
        placed = Counter((n, t) for n, t in work)
        covers = []
        for need in inst.covers:
            able = set(need.staff)
            met = sum(1 for n in able if placed[(n, need.slot)])
            met += sum(counts[j][need.slot] for j in later if types[j].nurses[0] in able)
            if need.minimum > met:
                covers.append(type(need)(need.rule, need.slot, need.minimum - met, need.staff))
        block = restrict(inst, mine, covers)
        work += [(mine[i], t) for i, t in greedy(block, counts[k])]
    return work


def _feasible(inst: Instance, work, parts: list[Component], limit: float, settings: dict, steps: list) -> list:
    """A roster that keeps every rule for each component whose greedy roster breaks one.

    The greedy roster fills shifts in time order and can paint itself into a corner (e.g. the
    nurses free on the last weekend are all needed on the first); CP-SAT finds a roster that
    keeps every rule in a fraction of a second when asked for nothing else: the component's
    full model without objective, hinted with the greedy roster (which keeps it close to the
    head counts), and without the hint if that finds none in half the time (a hint that breaks
    rules can mislead the search). The search then improves it.
    """
    out, spent, repaired = set(work), 0.0, 0
    broken = [p for p in parts if penalty(p.inst, sorted(p.local(out))) > 0]
    for part in broken:
        rm = build_model(part.inst)
        rm.model.clear_objective()
        for hint in (part.local(out), None):
            rm.model.clear_hints()
            found = run(rm.model, rm.work, time_limit=limit / len(broken) / 2, workers=1, seed=settings["seed"],
                        hint=hint)
            spent += found.deterministic_s
            if found.status in ("OPTIMAL", "FEASIBLE"):
                break
        if found.status in ("OPTIMAL", "FEASIBLE"):
            mine = set(part.nurses)
            out = {a for a in out if a[0] not in mine} | {(part.nurses[i], t) for i, t in found.work}
            repaired += 1
    steps.append(_record("feasible roster", inst, sorted(out), parts, spent, broken=len(broken), repaired=repaired))
    return sorted(out)


def _improve(inst, types, work, parts, limit: float, settings: dict, steps: list, repair: bool = False) -> list:
    """Neighbourhoods until the target gap (with ``repair``: until no rule is broken)."""
    target = settings["gap"]

    def done(current) -> bool:
        if penalty(inst, current) > 0:
            return False
        return repair or gap_of(scaled_objective(inst, current), _bound(parts)) <= target

    better, stats = improve(inst, types, work, time_limit=limit, workers=settings["workers"],
                            seed=settings["seed"], done=done)
    steps.append(_record("neighbourhoods", inst, better, parts, stats.pop("deterministic_s"), **stats))
    return better


def _full_models(inst: Instance, work, parts: list[Component], limit: float, settings: dict, steps: list) -> list:
    """Each component's full model from the roster so far: a better roster or a tighter bound."""
    total = sum(p.size() for p in parts) or 1
    threads, inner = min(settings["workers"], len(parts)), {**settings, "workers": 1}

    def one(part: Component) -> dict:
        return direct(part.inst, limit * part.size() / total, inner, part.local(work))

    with ThreadPoolExecutor(max_workers=max(threads, 1)) as pool:
        results = list(pool.map(one, parts))
    spent, out = 0.0, set(work)
    for part, found in zip(parts, results):
        spent += found["deterministic_s"]
        if found["bound"] is not None:
            part.bound = max(part.bound, found["bound"])
        mine = set(part.nurses)
        now = [(i, t) for i, t in part.local(out)]
        current = scaled_objective(part.inst, now) if penalty(part.inst, now) == 0 else float("inf")
        if found["work"] is not None and found["objective"] < current:
            out = {a for a in out if a[0] not in mine} | {(part.nurses[i], t) for i, t in found["work"]}
    steps.append(_record("full models", inst, sorted(out), parts, spent,
                         statuses=[r["status"] for r in results]))
    return sorted(out)
