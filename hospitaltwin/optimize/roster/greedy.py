"""A roster built greedily toward target head counts: the starting point of the search.

Three passes place shifts one at a time, each only where the nurse's rules still allow it
(checked against every shift she already has, as the CP-SAT model states the rules): first
the cover rules' minimums (the scarcest first), then the targets slot by slot in time order,
then more shifts for nurses still below their minimum hours, where a slot is furthest below
its target. Among the nurses allowed, weekends and nights go in turn (fewest so far first),
then to the nurse with the most contracted shifts left. The result may still miss a cover
minimum or a nurse's minimum hours; the search repairs those. Nothing here is optimal.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from hospitaltwin.optimize.roster.data import Instance, Slot
from hospitaltwin.optimize.roster.model import weekends


@dataclass
class Nurse:
    """A nurse's shifts so far: starts (sorted) with their slots, and running totals."""

    starts: list = field(default_factory=list)
    slots: list = field(default_factory=list)
    days: set = field(default_factory=set)
    weeks: Counter = field(default_factory=Counter)
    night_weeks: Counter = field(default_factory=Counter)
    nights: int = 0
    hours: float = 0.0
    weekends: set = field(default_factory=set)


class Greedy:
    """The greedy roster's state and rules."""

    def __init__(self, inst: Instance):
        self.inst = inst
        self.ends = weekends(inst)
        self.weekend_of = {d: w for w, days in enumerate(self.ends) for d in days}
        self.nurses = [Nurse() for _ in inst.staff]
        self.heads: Counter = Counter()
        self.able = defaultdict(list)
        self.today = defaultdict(list)
        for n, slots in enumerate(inst.eligible):
            for t in slots:
                self.able[t].append(n)
                self.today[n, inst.slots[t].day].append(t)

    def allowed(self, n: int, slot: Slot) -> bool:
        """Whether nurse ``n`` may also work ``slot``."""
        inst, me, c = self.inst, self.nurses[n], self.inst.staff[n].contract
        if slot.day in me.days or slot.index in inst.leave[n] or not self._rested(n, slot):
            return False
        week = slot.day // 7
        if c.max_shifts_per_week is not None and me.weeks[week] >= c.max_shifts_per_week:
            return False
        if c.max_hours_per_week is not None and me.hours + slot.length > c.max_hours_per_week * inst.problem.period.weeks:
            return False
        if c.max_consecutive is not None and self._run(me, slot.day) > c.max_consecutive:
            return False
        if slot.night and not self._night_ok(c, me, week):
            return False
        weekend = self.weekend_of.get(slot.day)
        return (weekend is None or weekend in me.weekends or c.weekends_off <= 0
                or len(me.weekends) < len(self.ends) - c.weekends_off)

    def _rested(self, n: int, slot: Slot) -> bool:
        me, rest, slots = self.nurses[n], self.inst.staff[n].contract.min_rest, self.inst.slots
        i = bisect.bisect_left(me.starts, slot.start)
        before = me.slots[i - 1] if i > 0 else None
        after = me.slots[i] if i < len(me.slots) else None
        return ((before is None or slot.start - slots[before].end >= rest)
                and (after is None or slots[after].start - slot.end >= rest))

    @staticmethod
    def _run(me: Nurse, day: int) -> int:
        """Days in a row worked around ``day`` if ``day`` is added."""
        before = next(i for i in range(day + 1) if day - i - 1 not in me.days)
        after = next(i for i in range(10**6) if day + i + 1 not in me.days)
        return before + after + 1

    @staticmethod
    def _night_ok(c, me: Nurse, week: int) -> bool:
        if c.max_nights_per_week is not None and me.night_weeks[week] >= c.max_nights_per_week:
            return False
        return c.max_nights is None or me.nights < c.max_nights

    def place(self, n: int, slot: Slot) -> None:
        """Nurse ``n`` works ``slot``."""
        me = self.nurses[n]
        i = bisect.bisect_left(me.starts, slot.start)
        me.starts.insert(i, slot.start)
        me.slots.insert(i, slot.index)
        me.days.add(slot.day)
        me.weeks[slot.day // 7] += 1
        me.night_weeks[slot.day // 7] += slot.night
        me.nights += slot.night
        me.hours += slot.length
        if slot.day in self.weekend_of:
            me.weekends.add(self.weekend_of[slot.day])
        self.heads[slot.index] += 1

    def priority(self, n: int, slot: Slot) -> tuple:
        """Weekends and nights in turn (a weekend already started first), then the nurse
        with the most contracted shifts left, then the one with fewest other shifts she could
        still take that day (keep the flexible ones for the shifts only they can work)."""
        me, weekend = self.nurses[n], self.weekend_of.get(slot.day)
        turns = 0 if weekend is None else (-1 if weekend in me.weekends else len(me.weekends))
        left = self.inst.contracted(n) - len(me.slots)
        options = sum(1 for t in self.today.get((n, slot.day), ()) if t != slot.index and self.allowed(n, self.inst.slots[t]))
        return (turns, me.nights if slot.night else 0, -min(left, 1), options, -left, n)

    def fill(self, slot: Slot, want: int, among=None) -> None:
        """Add allowed nurses (from ``among`` if given) to ``slot`` until it has ``want``."""
        pool = self.able[slot.index] if among is None else [n for n in self.able[slot.index] if n in among]
        free = sorted((n for n in pool if self.allowed(n, slot)), key=lambda n: self.priority(n, slot))
        have = self.heads[slot.index] if among is None else sum(1 for n in among if slot.index in self.nurses[n].slots)
        for n in free[:max(want - have, 0)]:
            self.place(n, slot)


def greedy(inst: Instance, targets: Counter) -> list[tuple[int, int]]:
    """A roster toward ``targets`` (nurses per slot): cover minimums, targets, minimum hours."""
    g = Greedy(inst)
    for need in sorted(inst.covers, key=lambda c: (len(c.staff) - c.minimum, inst.slots[c.slot].start)):
        g.fill(inst.slots[need.slot], need.minimum, set(need.staff))
    for slot in sorted(inst.slots, key=lambda s: (s.start, s.index)):
        g.fill(slot, targets.get(slot.index, 0))
    _minimum_hours(g, targets)
    return [(n, t) for n, me in enumerate(g.nurses) for t in me.slots]


def _minimum_hours(g: Greedy, targets: Counter) -> None:
    """Give nurses below their minimum hours more shifts, where slots lack the most nurses."""
    for n in range(len(g.inst.staff)):
        low = g.inst.min_hours(n)
        if low is None:
            continue
        ranked = sorted(g.inst.eligible[n], key=lambda t: (g.heads[t] - targets.get(t, 0), t))
        for t in ranked:
            if g.nurses[n].hours >= low - 1e-9:
                break
            if g.allowed(n, g.inst.slots[t]):
                g.place(n, g.inst.slots[t])
