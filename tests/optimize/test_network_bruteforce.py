"""Brute force on small networks: the MIP finds the best plan, for the total and the worst hospital.

Devices only: every move plan over a few days is enumerated and scored in closed form (mean over
paths of the devices missing at each day's peak). With transfers: every first-stage plan (moves
and transfer slots) is enumerated and its recourse (the transfers made on each path) solved as
an LP by scipy's HiGHS, a second implementation of the documented equations.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from tests.optimize.network_cases import devices_only, with_transfers
from hospitaltwin.optimize.network import FirstStage, Settings, solve

TOL = 1e-6


# -- devices only: closed form --------------------------------------------------------------------
def _holdings(data, moves: np.ndarray) -> np.ndarray:
    """``[plan, k, h, d]`` devices held for every plan of ``moves[plan, (k, a, d)]``."""
    keys = [(k, a, d) for k, arcs in data.move_arcs.items() for a in range(len(arcs)) for d in range(data.move_days)]
    _, kinds, hospitals, days = data.shape
    held = np.broadcast_to(data.devices[None, :, :, None], (len(moves), kinds, hospitals, days)).astype(np.int32).copy()
    for col, (k, a, d0) in enumerate(keys):
        arc = data.move_arcs[k][a]
        held[:, k, arc.origin, d0:] -= moves[:, col, None]
        held[:, k, arc.target, d0 + arc.device_lag:] += moves[:, col, None]
    return held


def _all_move_plans(data) -> np.ndarray:
    count = sum(len(arcs) for arcs in data.move_arcs.values()) * data.move_days
    top = int(data.devices.sum())
    return np.array(list(itertools.product(range(top + 1), repeat=count)), dtype=np.int32)


def _closed_form(data, settings):
    """Best total and best (worst hospital, then total) over every feasible move plan."""
    moves = _all_move_plans(data)
    held = _holdings(data, moves)
    ok = (held >= data.floor[None, :, :, None]).all(axis=(1, 2, 3))
    moves, held = moves[ok], held[ok]
    short = np.maximum(data.demand[None] - held[:, None], 0).mean(axis=1)   # [plan, k, h, d]
    per_hospital = short.sum(axis=(1, 3))
    total = per_hospital.sum(axis=1) + settings.move_cost * moves.sum(axis=1)
    worst = per_hospital.max(axis=1)
    best_worst = worst.min()
    return total.min(), best_worst, total[worst <= best_worst + TOL].min(), len(moves)


@pytest.mark.parametrize("seed", [3, 4, 11])
def test_devices_only_total_and_fair_match_enumeration(seed):
    data = devices_only(seed=seed)
    settings = Settings(move_cost=0.05, seed=1, gap=0.0)
    best_total, best_worst, best_tie, plans = _closed_form(data, settings)
    assert plans > 50, "the enumeration covers many feasible plans (of 5^8 candidates)"
    _, report = solve(data, settings)
    assert report["status"] == "optimal"
    assert report["objective"] == pytest.approx(best_total, abs=1e-6)
    _, fair = solve(data, Settings(move_cost=0.05, seed=1, gap=0.0, fair=True))
    assert fair["stages"][0]["objective"] == pytest.approx(best_worst, abs=1e-6)
    assert fair["objective"] == pytest.approx(best_tie, abs=1e-6)


def test_enumeration_is_not_trivial():
    """On these instances moving devices matters, and fairness changes the answer."""
    data = devices_only(seed=4)
    settings = Settings(move_cost=0.05)
    best_total, best_worst, best_tie, _ = _closed_form(data, settings)
    held = _holdings(data, np.zeros((1, 8), dtype=np.int32))
    no_moves = np.maximum(data.demand - held[0][None], 0).mean(axis=0).sum()
    assert best_total < no_moves - 0.5
    assert best_tie > best_total + TOL


def test_reported_shortage_is_the_plans_shortage():
    data = devices_only(seed=11)
    model, report = solve(data, Settings(move_cost=0.05))
    outcome = model.outcome(report)
    plan = np.zeros((1, 8), dtype=np.int32)
    for (k, a, d), n in outcome.decisions.moves.items():
        plan[0, a * data.move_days + d] = n
    held = _holdings(data, plan)[0]
    expected = np.maximum(data.demand - held[None], 0).mean(axis=0).sum(axis=2)
    assert np.allclose(outcome.device_short, expected)
    assert (held >= data.floor[:, :, None]).all()


# -- with transfers: enumeration of the first stage, LP recourse ------------------------------------
def _recourse(data, settings, moves: dict, slots: dict, stage: str, worst_cap: float | None = None) -> float | None:
    """Optimal value of the second stage for fixed moves and slots (None if the floors fail)."""
    paths, kinds, hospitals, days = data.shape
    held = data.devices[:, :, None].astype(float).repeat(days, axis=2)
    for (k, a, d0), n in moves.items():
        arc = data.move_arcs[k][a]
        held[k, arc.origin, d0:] -= n
        held[k, arc.target, d0 + arc.device_lag:] += n
    if any(held[k, h].min() < data.floor[k, h] for (k, h) in data.pools):
        return None
    lp = _LP()
    excess = data.excess()
    z = {(s, q, a, d): lp.var(0, min(slots.get((q, a, d), 0), excess[s, q, arc.origin, d]))
         for s in range(paths) for q, arcs in data.transfer_arcs.items() for a, arc in enumerate(arcs) for d in range(days)}
    w = {(s, k, h, d): lp.var() for s in range(paths) for (k, h) in data.pools for d in range(days)}
    u = {(s, q, h, d): lp.var() for s in range(paths) for (q, h) in data.units for d in range(days)}
    for s in range(paths):
        for q, arcs in data.transfer_arcs.items():
            for h in range(hospitals):
                for d in range(days):
                    lp.le({z[(s, q, a, d)]: 1 for a, arc in enumerate(arcs) if arc.origin == h}, excess[s, q, h, d])
        flows = _flows(data, z, s)
        for (k, h) in data.pools:
            for d in range(days):
                terms = {w[(s, k, h, d)]: -1.0}
                for q in range(len(data.bed_kinds)):
                    for var, sign in flows.get((q, h, d), []):
                        terms[var] = terms.get(var, 0) + sign * data.per_bed[k, q, h]
                lp.le(terms, held[k, h, d] - data.demand[s, k, h, d])
        for (q, h) in data.units:
            for d in range(days):
                terms = {u[(s, q, h, d)]: -1.0}
                for var, sign in flows.get((q, h, d), []):
                    terms[var] = terms.get(var, 0) + sign
                lp.le(terms, data.beds[q, h, d] - data.bed_demand[s, q, h, d])
    cost = settings.move_cost * sum(moves.values()) + settings.slot_cost * sum(slots.values())
    per_h = {h: {} for h in range(hospitals)}
    for (s, k, h, d), var in w.items():
        per_h[h][var] = 1.0 / paths
    for (s, q, h, d), var in u.items():
        per_h[h][var] = settings.bed_weight / paths
    total = {var: 1.0 / paths for var in w.values()}
    total.update({var: settings.bed_weight / paths for var in u.values()})
    total.update({var: settings.transfer_cost / paths for var in z.values()})
    if stage == "worst":
        m = lp.var()
        for terms in per_h.values():
            lp.le({**terms, m: -1.0}, 0.0)
        return lp.minimise({m: 1.0})
    if worst_cap is not None:
        for terms in per_h.values():
            lp.le(terms, worst_cap)
    value = lp.minimise(total)
    return None if value is None else value + cost


def _flows(data, z: dict, s: int) -> dict:
    """``(q, h, day) -> [(z var, -1 left / +1 arrived)]``: the coefficient of each transfer in
    ``-shortage + arrived - left <= capacity - demand`` (beds; times devices per bed for devices)."""
    out: dict = {}
    days = data.shape[3]
    for (ss, q, a, d), var in z.items():
        if ss != s:
            continue
        arc = data.transfer_arcs[q][a]
        for t in range(d, min(days, d + data.stay_days[q, arc.origin])):
            out.setdefault((q, arc.origin, t), []).append((var, -1.0))
        start = d + arc.patient_lag
        for t in range(start, min(days, start + data.stay_days[q, arc.target])):
            out.setdefault((q, arc.target, t), []).append((var, 1.0))
    return out


class _LP:
    """A tiny LP builder over scipy's linprog (variables are column numbers)."""

    def __init__(self):
        self.bounds, self.rows, self.rhs = [], [], []

    def var(self, lo: float = 0.0, hi: float | None = None) -> int:
        self.bounds.append((lo, hi))
        return len(self.bounds) - 1

    def le(self, terms: dict, rhs: float) -> None:
        if terms:
            self.rows.append(terms)
            self.rhs.append(rhs)
        elif rhs < -TOL:
            self.rows.append({0: 0.0})
            self.rhs.append(rhs)

    def minimise(self, objective: dict) -> float | None:
        n = len(self.bounds)
        a = np.zeros((len(self.rows), n))
        for i, terms in enumerate(self.rows):
            for j, coef in terms.items():
                a[i, j] += coef
        c = np.zeros(n)
        for j, coef in objective.items():
            c[j] += coef
        result = linprog(c, A_ub=a, b_ub=np.array(self.rhs), bounds=self.bounds, method="highs")
        return float(result.fun) if result.status == 0 else None


def _first_stages(data, daily: bool):
    """Every move plan (up to all the devices on each arc and day) and every slot plan."""
    days = data.shape[3]
    move_keys = [(k, a, d) for k, arcs in data.move_arcs.items() for a in range(len(arcs)) for d in range(data.move_days)]
    slot_keys = [(q, a, d) for q, arcs in data.transfer_arcs.items() for a in range(len(arcs))
                 for d in (range(days) if daily else [0])]
    top = int(data.devices.sum())
    limits = [data.transfer_arcs[q][a].limit for q, a, _ in slot_keys]
    for mv in itertools.product(range(top + 1), repeat=len(move_keys)):
        for sl in itertools.product(*[range(n + 1) for n in limits]):
            slots = dict(zip(slot_keys, sl))
            if not daily:
                slots = {(q, a, d): n for (q, a, _), n in slots.items() for d in range(days)}
            yield dict(zip(move_keys, mv)), slots


def _brute(data, settings, stage: str, worst_cap=None) -> float:
    values = [_recourse(data, settings, m, s, stage, worst_cap) for m, s in _first_stages(data, settings.daily_slots)]
    return min(v for v in values if v is not None)


@pytest.mark.parametrize("seed, daily", [(7, False), (8, False), (7, True), (8, True)])
def test_transfers_total_and_fair_match_enumeration(seed, daily):
    data = with_transfers(seed=seed, days=2)
    settings = Settings(move_cost=0.02, transfer_cost=0.15, slot_cost=0.03, bed_weight=0.8, seed=2, gap=0.0,
                        daily_slots=daily)
    _, report = solve(data, settings)
    assert report["status"] == "optimal"
    assert report["objective"] == pytest.approx(_brute(data, settings, "total"), abs=1e-6)
    fair = Settings(**{**settings.__dict__, "fair": True})
    _, report = solve(data, fair)
    worst = _brute(data, fair, "worst")
    assert report["stages"][0]["objective"] == pytest.approx(worst, abs=1e-6)
    assert report["objective"] == pytest.approx(_brute(data, fair, "total", worst + 1e-7), abs=1e-6)


def test_transfers_change_the_answer():
    """Transfers are used in the optimum and forbidding them costs something."""
    data = with_transfers(seed=7, days=2)
    settings = Settings(move_cost=0.02, transfer_cost=0.15, slot_cost=0.03, bed_weight=0.8, gap=0.0)
    model, report = solve(data, settings)
    assert sum(model.outcome(report).decisions.slots.values()) > 0
    _, closed = solve(data, settings, fixed=FirstStage(model.outcome(report).decisions.moves, {}))
    assert closed["objective"] > report["objective"] + 0.05
