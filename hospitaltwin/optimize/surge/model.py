"""The surge capacity plan as a mixed-integer programme over simulated demand paths (SAA).

Sample-average approximation: the expected cost of a plan is estimated by its average over
``S`` demand paths from the twin, and the plan minimising that average is found exactly by a
MIP. The first stage (which beds to open, day by day) is integer; the recourse (patient-hours
not placed, per path, unit and day) is continuous and, because the shortfall is a convex
piecewise-linear function of the beds a unit gains or gives, is represented exactly by a few
cuts per (path, unit, day) — no binaries per path. That structure, a small integer part over a
large LP, is what SCIP's LP-based branch and bound is built for, so the model is written with
OR-Tools MathOpt and solved by SCIP (bundled with OR-Tools): one thread (deterministic), a
fixed random seed, a node limit as the deterministic work limit and a wall-clock limit as a
safety net; CP-SAT would need the continuous recourse made integer.

Indices: ``o`` option, ``d`` day of the plan (0 = first), ``u`` unit whose capacity the plan
changes, ``s`` demand path.

Variables
    ``x[o,d]`` integer in 0..most beds of option o open on day d; ``y[o,d]`` binary, o is
    open; ``on[o,d]`` / ``off[o,d]`` binary, o opens / closes on day d; ``n[o,d]`` integer,
    surge nurses per shift o needs on day d; ``z[s,u,d] >= 0`` patient-hours of demand not
    placed (``z[u,d]``, the average over paths, in the aggregated form).
Constraints
    ``fewest·y <= x <= most·y`` (all-or-nothing options have fewest = most); ``y = 0`` before
    the lead time; ``on >= y[d] - y[d-1]``, ``off >= y[d-1] - y[d]`` (day -1 is today: open
    when beds are open now); ``y[t] >= on[d]`` for the minimum open period after d (beds open
    now stay open, at least as many, until theirs ends); ``ratio·n >= x`` and
    ``sum_o n[o,d] <= nurses[d]``; costs ``<= budget``; ``z >= f(k) + slope·(c[u,d] - k)`` for
    each breakpoint of the shortfall ``f`` of the path, where ``c[u,d] = sum_o serves[u,o]·x``.
Objective
    ``sum_u weight[u]/24 · mean_s sum_d z[s,u,d]`` (cost of patient-days not placed) +
    bed-day costs + opening and closing costs.

A solve that stops at a limit returns its best plan with the bound and gap; an infeasible one
is explained by :mod:`hospitaltwin.optimize.surge.explain` in terms of the options file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from ortools.math_opt.python import mathopt

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.optimize.surge.data import SurgeData, breakpoints

FORMULATIONS = ("extensive", "aggregated")


@dataclass(frozen=True)
class SolveSettings:
    """Solver settings: formulation, limits, seed and threads (SCIP uses one)."""

    formulation: str = "extensive"
    time_limit_s: float = 60.0
    node_limit: int | None = 200_000
    seed: int = 0
    threads: int = 1
    relative_gap: float = 1e-6

    def parameters(self) -> mathopt.SolveParameters:
        """MathOpt parameters for SCIP."""
        return mathopt.SolveParameters(
            time_limit=timedelta(seconds=self.time_limit_s), node_limit=self.node_limit,
            random_seed=self.seed, threads=self.threads, relative_gap_tolerance=self.relative_gap)


@dataclass
class SurgeVars:
    """The model's variables keyed ``(o, d)``; ``z`` maps recourse keys to variables."""

    x: dict = field(default_factory=dict)
    y: dict = field(default_factory=dict)
    on: dict = field(default_factory=dict)
    off: dict = field(default_factory=dict)
    n: dict = field(default_factory=dict)
    z: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SurgePlan:
    """A solved plan: ``beds[o, d]`` and how the solve went."""

    data: SurgeData
    beds: np.ndarray
    status: str
    objective: float
    bound: float
    gap: float
    seconds: float
    settings: SolveSettings
    size: dict

    def cost(self) -> dict[str, float]:
        """Bed-day, opening and closing costs of the plan."""
        return plan_cost(self.data, self.beds)

    def nurses(self) -> np.ndarray:
        """Surge nurses per shift ``[o, d]`` the plan needs."""
        return np.ceil(self.beds / self.data.patients_per_nurse[:, None] - 1e-9).astype(int)


def plan_cost(data: SurgeData, beds: np.ndarray) -> dict[str, float]:
    """Bed-day, opening and closing costs of ``beds[o, d]``."""
    is_open = beds > 0
    before = np.concatenate([(data.open_now > 0)[:, None], is_open[:, :-1]], axis=1)
    return {"bed_days": float(data.bed_day_cost @ beds.sum(axis=1)),
            "opening": float(data.opening_cost @ (is_open & ~before).sum(axis=1)),
            "closing": float(data.closing_cost @ (~is_open & before).sum(axis=1))}


def plan_value(data: SurgeData, beds: np.ndarray) -> float:
    """The objective of ``beds[o, d]`` recomputed from the data: unmet cost plus plan cost."""
    unmet = data.weight @ data.unmet_days(beds).sum(axis=1)
    return float(unmet + sum(plan_cost(data, beds).values()))


def all_groups(data: SurgeData) -> list[str]:
    """Names of the rule groups an explanation may drop: per option, per day, the budget."""
    groups = []
    for o, oid in enumerate(data.options):
        groups += [f"size:{oid}", f"lead:{oid}", f"min_open:{oid}"]
        if data.open_now[o]:
            groups.append(f"open_now:{oid}")
    groups += [f"nurses:{d}" for d in range(data.days)]
    return groups + (["budget"] if data.budget is not None else [])


def build_model(data: SurgeData, formulation: str = "extensive", active: set[str] | None = None,
                recourse: bool = True, min_beds: int = 0) -> tuple[mathopt.Model, SurgeVars]:
    """The MIP; ``active`` rule groups only (default all); without ``recourse``, feasibility only;
    ``min_beds``: at least that many bed-days opened over the plan (the best plan that opens beds)."""
    if formulation not in FORMULATIONS:
        raise HospitaltwinError(f"unknown formulation '{formulation}' (one of {', '.join(FORMULATIONS)})")
    active = set(all_groups(data)) if active is None else set(active)
    model, v = mathopt.Model(name="surge-plan"), SurgeVars()
    _variables(model, data, v)
    for o in range(len(data.options)):
        _option_rules(model, data, v, o, active)
    _nurse_limits(model, data, v, active)
    cost = _cost(data, v)
    if data.budget is not None and "budget" in active:
        model.add_linear_constraint(cost <= data.budget, name="budget")
    if min_beds:
        model.add_linear_constraint(mathopt.LinearSum(v.x.values()) >= min_beds, name="open_some")
    unmet = _recourse(model, data, v, formulation) if recourse else 0.0
    model.minimize(unmet + cost)
    return model, v


def _variables(model: mathopt.Model, data: SurgeData, v: SurgeVars) -> None:
    for o, oid in enumerate(data.options):
        for d in range(data.days):
            key = (o, d)
            v.x[key] = model.add_integer_variable(lb=0, ub=int(data.most[o]), name=f"x[{oid},{d}]")
            v.y[key] = model.add_binary_variable(name=f"y[{oid},{d}]")
            v.on[key] = model.add_binary_variable(name=f"on[{oid},{d}]")
            v.off[key] = model.add_binary_variable(name=f"off[{oid},{d}]")
            v.n[key] = model.add_integer_variable(lb=0, name=f"n[{oid},{d}]")


def _option_rules(model: mathopt.Model, data: SurgeData, v: SurgeVars, o: int, active: set[str]) -> None:
    oid, days = data.options[o], data.days
    now = f"open_now:{oid}" in active and data.open_now[o] > 0
    fewest = int(data.fewest[o]) if f"size:{oid}" in active else 0
    for d in range(days):
        x, y = v.x[o, d], v.y[o, d]
        model.add_linear_constraint(x <= int(data.most[o]) * y)
        model.add_linear_constraint(x >= fewest * y)
        model.add_linear_constraint(data.patients_per_nurse[o] * v.n[o, d] >= x)
        if f"lead:{oid}" in active and d < data.earliest[o] and not now:
            model.add_linear_constraint(y <= 0)
        before = v.y[o, d - 1] if d else (1.0 if now else 0.0)
        model.add_linear_constraint(v.on[o, d] >= y - before)
        model.add_linear_constraint(v.off[o, d] >= before - y)
        if f"min_open:{oid}" in active:
            for t in range(d, min(d + int(data.min_open[o]), days)):
                model.add_linear_constraint(v.y[o, t] >= v.on[o, d])
            if now and d < data.must_stay[o]:
                model.add_linear_constraint(x >= int(data.open_now[o]))
                model.add_linear_constraint(y >= 1)


def _nurse_limits(model: mathopt.Model, data: SurgeData, v: SurgeVars, active: set[str]) -> None:
    for d in range(data.days):
        if f"nurses:{d}" in active:
            total = mathopt.LinearSum(v.n[o, d] for o in range(len(data.options)))
            model.add_linear_constraint(total <= int(data.nurses[d]), name=f"nurses[{d}]")


def _cost(data: SurgeData, v: SurgeVars) -> mathopt.LinearSum:
    terms = []
    for (o, d), x in v.x.items():
        terms += [data.bed_day_cost[o] * x, data.opening_cost[o] * v.on[o, d], data.closing_cost[o] * v.off[o, d]]
    return mathopt.LinearSum(terms)


def _recourse(model: mathopt.Model, data: SurgeData, v: SurgeVars, formulation: str) -> mathopt.LinearSum:
    """Recourse variables and their cuts; returns the expected cost of patient-days not placed."""
    terms = []
    for u, uid in enumerate(data.units):
        top = data.most_change(u)
        for d in range(data.days):
            change = mathopt.LinearSum(v.x[o, d] for o in np.flatnonzero(data.serves[u]))
            table = data.shortfall[:, u, d, : top + 1]
            if formulation == "aggregated":
                rows, scale = [("", table.mean(axis=0))], data.weight[u] / 24.0
            else:
                rows, scale = [(f"{s},", table[s]) for s in range(data.paths)], data.weight[u] / (24.0 * data.paths)
            for label, values in rows:
                z = _epigraph(model, f"z[{label}{uid},{d}]", values, change)
                if z is not None:
                    v.z[(label, u, d)] = z
                    terms.append(scale * z)
    return mathopt.LinearSum(terms)


def _epigraph(model: mathopt.Model, name: str, values: np.ndarray, change) -> mathopt.Variable | None:
    """``z >= f(change)`` for the convex piecewise-linear ``f`` given at ``0..K``; None if f = 0."""
    cuts = breakpoints(values)
    if not cuts:
        return None
    z = model.add_variable(lb=0.0, name=name)
    for k, value, slope in cuts:
        model.add_linear_constraint(z - slope * change >= value - slope * k)
    return z


