"""Improving a large roster by re-solving part of it at a time (large-neighbourhood search).

A hospital roster is many nurses whose schedules interact only through head counts. CP-SAT
solves a part of it exactly and fast when the rest is fixed (fixed nurses on a slot become
extra heads, and the cover they give is deducted from each cover rule). Two kinds of part:

- a *window*: every nurse of one staff group over a few days (their shifts outside the
  window fixed), which moves shifts between nurses and days where the demand is;
- a few *nurses* of one type over the whole period, which rebalances weekly, weekend,
  night and hour totals that no window sees.

Windows sweep the period group by group, then nurse moves follow, until the roster is within
the target gap of the bound or the time is spent. A part's result is kept when the whole
roster gets cheaper. While a roster breaks a cover rule or a nurse's minimum hours (the
greedy start may), those are priced by a large penalty so every step has a roster to start
from. With two workers, two parts that share no staff group (so no cost) are solved at once
in two threads; the parts follow a fixed schedule and every solve has one worker and a
deterministic time limit, so the run is reproducible.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from hospitaltwin.optimize.roster.cpsat import run, scaled_objective
from hospitaltwin.optimize.roster.data import CoverNeed, Instance, restrict
from hospitaltwin.optimize.roster.model import MINUTES, PENALTY, build_model, order_twins

WINDOW_VARIABLES = 360
"""Roster variables a window aims at (solved to optimality in a fraction of a second)."""


def penalty(inst: Instance, work) -> int:
    """Scaled penalty of the cover shortfalls and minimum hours a roster misses (0 if none)."""
    chosen, total = set(work), 0
    for need in inst.covers:
        have = sum(1 for n in need.staff if (n, need.slot) in chosen)
        total += PENALTY * max(need.minimum - have, 0)
    minutes = Counter()
    for n, t in work:
        minutes[n] += int(round(inst.slots[t].length * MINUTES))
    for n in range(len(inst.staff)):
        low = inst.min_hours(n)
        if low is not None:
            total += PENALTY // (12 * MINUTES) * max(int(round(low * MINUTES)) - minutes[n], 0)
    return total


def neighbourhood(inst: Instance, nurses: list[int], work: set) -> Instance:
    """The instance of ``nurses`` with everyone else fixed (soft cover and minimum hours)."""
    mine = set(nurses)
    extra = Counter(t for n, t in work if n not in mine)
    covers = []
    for need in inst.covers:
        met = sum(1 for n in need.staff if n not in mine and (n, need.slot) in work)
        if need.minimum > met:
            covers.append(CoverNeed(need.rule, need.slot, need.minimum - met, need.staff))
    slots = {t for n in nurses for t in inst.eligible[n]}
    sub = restrict(inst, nurses, covers, dict(extra))
    segments = [s for s in inst.segments if slots.intersection(s.slots)]
    return dataclasses.replace(sub, segments=segments, soft=True)


class Templates:
    """Built models of parts, reused while the part's surroundings (the fixed nurses' heads
    and cover) are unchanged: a window of a group staffed only by its own nurses is built once."""

    def __init__(self):
        self.models: dict[tuple, tuple] = {}

    def get(self, inst: Instance, nurses: list[int], work: set, twins: bool):
        """``(sub-instance, model)`` of ``nurses`` with the rest of ``work`` fixed (a fresh copy)."""
        sub = neighbourhood(inst, nurses, work)
        key = (tuple(nurses), twins, tuple(sorted(sub.extra.items())),
               tuple((c.rule, c.slot, c.minimum) for c in sub.covers))
        if key not in self.models:
            if len(self.models) > 256:
                self.models.clear()
            self.models[key] = (sub, build_model(sub, twins=twins))
        sub, rm = self.models[key]
        model = rm.model.clone()
        work_vars = {k: model.get_bool_var_from_proto_index(v.index) for k, v in rm.work.items()}
        return sub, model, work_vars


def resolve(inst: Instance, part: tuple, work: set, limit: float, seed: int, templates: Templates):
    """Re-solve ``part = (nurses, days)`` (``days`` None: the whole period); the nurses' new
    shifts (None if not better), the scaled gain and the solve."""
    nurses, days = part
    sub, model, work_vars = templates.get(inst, nurses, work, twins=days is None)
    index = {n: i for i, n in enumerate(nurses)}
    hint = {(index[n], t) for n, t in work if n in index}
    if days is None:
        hint = set(order_twins(sub, list(hint)))
    for (i, t), var in work_vars.items():
        if days is not None and inst.slots[t].day not in days:
            model.add(var == int((i, t) in hint))
        model.add_hint(var, (i, t) in hint)
    before = scaled_objective(sub, hint) + penalty(sub, hint)
    found = run(model, work_vars, time_limit=limit, workers=1, seed=seed)
    if found.objective is None or found.objective >= before:
        return None, 0, found
    return [(nurses[i], t) for i, t in found.work], before - found.objective, found


def groups_of(inst: Instance, nurses: list[int]) -> frozenset[str]:
    """Staff groups ``nurses`` may work in."""
    return frozenset(g for n in nurses for g in inst.staff[n].groups)


def window_span(inst: Instance, nurses: list[int], group: str) -> int:
    """Days in a window of ``group`` so that it has about :data:`WINDOW_VARIABLES` variables."""
    per_day = sum(1 for t in inst.slots if t.group == group and t.day == 0)
    return int(np.clip(WINDOW_VARIABLES // max(len(nurses) * per_day, 1), 2, inst.problem.days))


def schedule(inst: Instance, types, rng: np.random.Generator):
    """Parts to re-solve, forever: a sweep of windows over every group, then nurse moves."""
    groups, days = list(inst.problem.groups), inst.problem.days
    while True:
        for first in range(0, days, 3):
            for g in groups:
                nurses = [n for n, s in enumerate(inst.staff) if s.groups == (g,)] or \
                         [n for n, s in enumerate(inst.staff) if g in s.groups]
                span = window_span(inst, nurses, g)
                yield nurses, set(range(first, min(first + span, days)))
        for kind in types:
            members = list(kind.nurses)
            for _ in range(max(1, len(members) // 4)):
                chosen = rng.choice(members, size=min(3, len(members)), replace=False)
                yield sorted(int(n) for n in chosen), None


def _batch(inst: Instance, parts, waiting, workers: int) -> tuple[list, tuple | None]:
    """The next parts to solve together, touching pairwise disjoint staff groups."""
    batch, used = [], frozenset()
    while len(batch) < workers:
        part = waiting if waiting is not None else next(parts)
        waiting = None
        touched = groups_of(inst, part[0])
        if batch and touched & used:
            return batch, part
        batch.append(part)
        used |= touched
    return batch, None


def improve(inst: Instance, types, work: list, *, time_limit: float, workers: int, seed: int,
            done=lambda work: False) -> tuple[list, dict]:
    """Improve ``work`` for ``time_limit`` deterministic seconds or until ``done(work)``."""
    current, spent, rounds, gains, waiting = set(work), 0.0, 0, 0, None
    parts, templates = schedule(inst, types, np.random.default_rng(seed)), Templates()
    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        while spent < time_limit and not done(current):
            batch, waiting = _batch(inst, parts, waiting, max(workers, 1))
            limit = min(1.0, max(time_limit - spent, 0.05))
            results = list(pool.map(lambda p: resolve(inst, p, current, limit, seed + rounds, templates), batch))
            for (nurses, _), (new, gain, found) in zip(batch, results):
                spent += found.deterministic_s
                if new is not None:
                    mine = set(nurses)
                    current = {a for a in current if a[0] not in mine} | set(new)
                    gains += 1
            rounds += 1
    return sorted(current, key=lambda a: (a[1], a[0])), {"rounds": rounds, "improvements": gains,
                                                          "deterministic_s": round(spent, 3)}
