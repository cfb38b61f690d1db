"""Solving a roster: the whole model when it is small, in steps when it is large.

A small instance (a few thousand ``work`` variables) is solved directly: CP-SAT's status,
objective and bound are those of the full model. A hospital's roster is too large for that
(the full model of 120 nurses over four weeks finds no roster in a minute), so it is solved
in steps, all with CP-SAT, on each *component* (staff groups linked by nurses who may work in
several; components share no nurse and no cost, so their objectives and bounds add up):

1. **Head counts** (:mod:`~hospitaltwin.optimize.roster.heads`): how many nurses of each type
   on each slot; its bound is a valid lower bound of the component.
2. **Greedy roster** toward those head counts (:mod:`~hospitaltwin.optimize.roster.greedy`);
   where it breaks a rule (a cover minimum it painted itself out of), the component's model
   without objective gives a roster that keeps every rule, in a fraction of a second.
3. **Neighbourhoods** (:mod:`~hospitaltwin.optimize.roster.lns`): windows of days and small
   groups of nurses re-solved exactly, two at a time with two workers.
4. **Full model** of each component, hinted with the roster so far: CP-SAT improves it where it
   can and, above all, proves a bound far tighter than the head counts' where the nurses'
   individual rules bind (its bound and step 1's are both valid; the larger is kept).
5. More neighbourhoods if time is left and the gap is above the target.

The reported bound is the sum over components of the best bound, and the objective that of
the roster returned, so the gap is an honest optimality gap. Every solve has a fixed seed,
fixed workers (interleaved, deterministic parallel search when a solve uses several) and a
deterministic time limit; the steps share the time limit.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hospitaltwin.optimize.roster.cpsat import direct, gap_of, offset_of
from hospitaltwin.optimize.roster.data import Instance
from hospitaltwin.optimize.roster.model import SCALE
from hospitaltwin.optimize.roster.steps import solve_in_steps

DIRECT_MAX = 4000
"""Instances with at most this many ``work`` variables are solved as one model."""


@dataclass
class Solution:
    """A solve's outcome: status, the roster (``(nurse, slot)`` pairs) and the solver's figures.

    ``objective`` and ``bound`` are in cost units and include the unavoidable part
    ``irreducible`` (uncovered patient-hours even with every eligible nurse on duty); ``gap``
    is relative to the part the roster controls: (objective - bound) / (objective - irreducible).
    """

    status: str
    assignments: list[tuple[int, int]]
    objective: float | None
    bound: float | None
    irreducible: float
    gap: float | None
    wall_s: float
    deterministic_s: float
    seed: int
    workers: int
    time_limit: float
    method: str
    size: dict
    steps: list[dict] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """Whether a roster was found (optimal or the best within the limit)."""
        return self.status in ("OPTIMAL", "FEASIBLE")


def solve(inst: Instance, *, time_limit: float = 30.0, workers: int = 2, seed: int = 0, gap: float = 0.0,
          log: bool = False, method: str = "auto") -> Solution:
    """Solve ``inst`` directly or in steps (``method``: ``auto``, ``direct``, ``steps``)."""
    started = time.perf_counter()
    settings = dict(workers=workers, seed=seed, gap=gap, log=log)
    size = sum(len(e) for e in inst.eligible)
    chosen = method if method != "auto" else ("direct" if size <= DIRECT_MAX else "steps")
    if chosen == "direct":
        steps = [direct(inst, time_limit, settings)]
    else:
        steps = solve_in_steps(inst, time_limit, settings)
    return _solution(inst, steps, chosen, time.perf_counter() - started, time_limit, settings)


def _solution(inst: Instance, steps: list[dict], method: str, wall: float, limit: float, settings: dict) -> Solution:
    offset = offset_of(inst)
    final = steps[-1]
    objective, bound = final.get("objective"), final.get("bound")
    found = final.get("work") is not None and objective is not None
    status = "INFEASIBLE" if final["status"] == "INFEASIBLE" else ("UNKNOWN" if not found else
                                                                  "OPTIMAL" if gap_of(objective, bound) == 0 else "FEASIBLE")
    size = {"nurses": len(inst.staff), "slots": len(inst.slots), "segments": len(inst.segments),
            "work_variables": sum(len(e) for e in inst.eligible)}
    public = [{k: v for k, v in s.items() if k != "work"} for s in steps]
    return Solution(status, sorted(final["work"], key=lambda a: (a[1], a[0])) if found else [],
                    (objective + offset) / SCALE if found else None,
                    (min(bound, objective) + offset) / SCALE if found and bound is not None else None,
                    offset / SCALE, gap_of(objective, bound) if found else None, wall,
                    sum(s.get("deterministic_s", 0.0) for s in steps), settings["seed"], settings["workers"],
                    limit, method, size, public)
