"""Why no roster exists, in the user's terms: which rules, for which nurses and shifts.

Every hard rule of the file is a *rule group* with its own literal: per nurse (minimum rest,
max shifts per week, hours, consecutive days, nights, weekends off, leave) and per cover rule
and shift (at least 2 ECLS-trained nurses on the night of 5 March). A sub-model is solved with
its literals as assumptions; CP-SAT returns a subset sufficient for infeasibility, which is
then shrunk by deletion (drop rule groups, re-solve, keep them out while still infeasible) to
a conflict in which every rule group is needed. Proving a whole hospital's roster infeasible
under assumptions is slow, so the search is decomposed: first each nurse alone (her own
rules can contradict each other, e.g. leave against minimum hours), then each cover rule with
the nurses who can meet it, then all cover rules together. Only one shift a day and no
overlapping shifts are fixed rules outside the explanation.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from hospitaltwin.core.durations import format_hours
from hospitaltwin.optimize.roster.cpsat import parameters
from hospitaltwin.optimize.roster.data import CoverNeed, Instance, restrict
from hospitaltwin.optimize.roster.model import build_model

MAX_NURSES = 12
RULES = {
    "rest": lambda c: f"a minimum rest of {format_hours(c.min_rest)} between shifts",
    "max_shifts_per_week": lambda c: f"at most {c.max_shifts_per_week} shifts a week",
    "max_nights_per_week": lambda c: f"at most {c.max_nights_per_week} nights a week",
    "max_nights": lambda c: f"at most {c.max_nights} nights in the period",
    "max_consecutive": lambda c: f"at most {c.max_consecutive} days worked in a row",
    "min_hours_per_week": lambda c: f"at least {format_hours(c.min_hours_per_week)} a week on average",
    "max_hours_per_week": lambda c: f"at most {format_hours(c.max_hours_per_week)} a week on average",
    "weekends_off": lambda c: f"at least {c.weekends_off} whole weekends off",
    "contracted_shifts": lambda c: "no shifts beyond the contract",
}


@dataclass
class Explanation:
    """Conflicting sets of rule groups, described; ``minimal`` if every group is needed."""

    lines: list[str]
    minimal: bool
    keys: list[tuple]

    def __str__(self) -> str:
        head = ("No roster satisfies every rule. These rules conflict; relaxing any one rule of a "
                "conflict removes it:" if self.minimal else
                "No roster satisfies every rule. These rules together cannot be met "
                "(a conflicting set, not proven to be the smallest):")
        return "\n".join([head, *(f"  - {line}" for line in self.lines)])


class Budget:
    """Deterministic seconds left for the whole explanation (and a wall-clock guard)."""

    def __init__(self, seconds: float):
        self.seconds, self.deadline = seconds, time.monotonic() + 6 * seconds

    def take(self, share: float) -> float:
        """Up to ``share`` deterministic seconds for the next solve (0 when spent)."""
        if time.monotonic() > self.deadline:
            return 0.0
        return min(share, max(self.seconds, 0.0))

    def spend(self, seconds: float) -> None:
        """Charge a solve's deterministic time."""
        self.seconds -= seconds


def subset(inst: Instance, nurses: list[int], covers: list[CoverNeed]) -> Instance:
    """``inst`` restricted to ``nurses`` and ``covers``, without objective."""
    return restrict(inst, nurses, covers, objective=False)


def explain(inst: Instance, *, time_limit: float = 20.0, seed: int = 0) -> Explanation:
    """Find and describe conflicting rule groups of an infeasible ``inst``."""
    budget = Budget(time_limit)
    found = nurse_conflicts(inst, budget, seed) or cover_conflict(inst, budget, seed)
    if not found:
        return Explanation(["the conflict could not be isolated within the time limit; "
                            "try a longer --time-limit"], False, [])
    lines, keys = [], []
    for sub, core, _ in found[:MAX_NURSES]:
        lines += describe(sub, core) if any(k[0] == "cover" for k in core) else [_nurse_line(sub, core)]
        keys += [(k[0], sub.staff[k[1]].id) if k[0] != "cover" else k for k in core]
    if len(found) > MAX_NURSES:
        lines.append(f"... and {len(found) - MAX_NURSES} more nurses whose own rules conflict")
    return Explanation(lines, all(minimal for *_, minimal in found), keys)


def _nurse_line(sub: Instance, core: list[tuple]) -> str:
    """One nurse's own conflicting rules in one sentence."""
    staff = sub.staff[0]
    rules = [RULES[k[0]](staff.contract) for k in core if k[0] in RULES]
    if any(k[0] == "leave" for k in core):
        days = sorted({sub.slots[t].date for t in sub.leave[0]})
        rules.append(f"leave from {days[0]} to {days[-1]}")
    return f"nurse {staff.id} (contract '{staff.contract_name}'): " + "; ".join(rules) + " cannot all hold"


def nurse_conflicts(inst: Instance, budget: Budget, seed: int) -> list:
    """Nurses whose own rules contradict each other (no cover rule needed)."""
    out = []
    for n in range(len(inst.staff)):
        sub = subset(inst, [n], [])
        found = _conflict(sub, budget, seed, share=1.0)
        if found:
            out.append(found)
    return out


def cover_conflict(inst: Instance, budget: Budget, seed: int) -> list:
    """A conflict of one cover rule with its nurses' rules, else of all cover rules together."""
    rules = sorted({c.rule for c in inst.covers})
    groups = [[c for c in inst.covers if c.rule == r] for r in rules] + [list(inst.covers)]
    for needs in groups if len(rules) > 1 else groups[:1]:
        nurses = sorted({n for c in needs for n in c.staff})
        found = _conflict(subset(inst, nurses, needs), budget, seed, share=budget.seconds / 2)
        if found:
            return [found]
    return []


def _conflict(sub: Instance, budget: Budget, seed: int, share: float):
    """``(sub, core, minimal)`` if ``sub`` is infeasible, else ``None``."""
    rm = build_model(sub, explain=True)
    keys = list(rm.rules.literals)
    status, core = _check(rm, keys, budget, share, seed)
    if status != cp_model.INFEASIBLE:
        return None
    core, minimal = _shrink(rm, core, budget, seed)
    return sub, core, minimal


def _check(rm, keys: list[tuple], budget: Budget, share: float, seed: int) -> tuple[int, list[tuple]]:
    """Solve assuming the rule groups ``keys``; if infeasible, a sufficient subset of them."""
    limit = budget.take(share)
    if limit <= 0:
        return cp_model.UNKNOWN, []
    literal_key = {rm.rules.literals[k].index: k for k in keys}
    rm.model.clear_assumptions()
    rm.model.add_assumptions([rm.rules.literals[k] for k in keys])
    solver = cp_model.CpSolver()
    parameters(solver, time_limit=limit, workers=1, seed=seed)
    solver.parameters.cp_model_presolve = False  # keeps the returned core within the assumptions
    status = solver.solve(rm.model)
    budget.spend(solver.deterministic_time)
    if status != cp_model.INFEASIBLE:
        return status, []
    core = [literal_key[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in literal_key]
    return status, core or keys


def _shrink(rm, core: list[tuple], budget: Budget, seed: int) -> tuple[list[tuple], bool]:
    """Deletion filter in halving chunks: drop the rule groups the conflict does not need."""
    kept, chunk, minimal = list(core), max(len(core) // 2, 1), True
    while True:
        i = 0
        while i < len(kept):
            trial = kept[:i] + kept[i + chunk:]
            status, smaller = _check(rm, trial, budget, 2.0, seed) if trial else (cp_model.FEASIBLE, [])
            if status == cp_model.INFEASIBLE:
                needed = set(smaller)
                kept = [k for k in trial if k in needed]
            else:
                minimal &= chunk > 1 or status in (cp_model.FEASIBLE, cp_model.OPTIMAL)
                i += chunk
        if chunk == 1:
            return kept, minimal
        chunk = max(chunk // 2, 1)


def describe(inst: Instance, keys: list[tuple]) -> list[str]:
    """Rule groups in words: cover rules with their shifts, nurse rules with their nurses."""
    covers, nurses, leave = defaultdict(list), defaultdict(list), []
    for key in keys:
        if key[0] == "cover":
            covers[key[1]].append(inst.slots[key[2]])
        elif key[0] == "leave":
            leave.append(key[1])
        else:
            staff = inst.staff[key[1]]
            nurses[(key[0], staff.contract_name)].append(staff.id)
    lines = [_cover_line(inst, rule, slots) for rule, slots in sorted(covers.items())]
    for (kind, contract), ids in sorted(nurses.items()):
        rule = RULES[kind](inst.problem.contracts[contract])
        lines.append(f"{rule} (contract '{contract}') for nurse{'s' if len(ids) > 1 else ''} {', '.join(ids)}")
    for n in leave:
        days = sorted({inst.slots[t].date for t in inst.leave[n]})
        lines.append(f"leave of nurse {inst.staff[n].id} from {days[0]} to {days[-1]}")
    return lines


def _cover_line(inst: Instance, rule: int, slots: list) -> str:
    spec = inst.problem.cover[rule]
    who = f"nurses with skill '{spec.skill}'" if spec.skill else "nurses"
    able = max(len(c.staff) for c in inst.covers if c.rule == rule)
    shifts = ", ".join(f"{t.shift} {t.date.isoformat()}" for t in sorted(slots, key=lambda t: t.start))
    return (f"cover.{rule}: at least {spec.min} {who} on {spec.group} ({able} such nurses can work it) "
            f"on the shifts {shifts}")
