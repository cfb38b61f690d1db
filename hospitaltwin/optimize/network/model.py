"""The network allocation model: a two-stage MIP over demand paths (sample-average approximation).

First stage, decided once for every path (integers): devices of each kind dispatched along a
link on each of the first ``move_days`` days, and the daily transfer capacity (slots) of each
link direction, at most the link's ``max_per_day`` (one capacity for the whole horizon, as the
engine's ``max_per_day`` is; one per day with ``daily_slots``). Second stage, per path
(continuous): patients transferred within the slots, only out of a full unit that diverts (as
in the engine), and the resulting shortages. Per path ``s``, day ``d``, hospital ``h``: device
shortage ``w >= demand + devices brought by patients transferred in - devices freed by
patients sent away - devices held``, bed shortage ``u >= bed demand + patients in - patients
out - beds``; a shortage that cannot be positive whatever the plan (demand plus the most
transfers could bring stays within the minimum kept) gets no row. Objective: expected
device-days plus ``bed_weight`` x bed-days short, plus small costs per device moved, patient
transferred and slot booked; with ``fair``, first the worst hospital's expected shortage is
minimised, then the total with that worst value held. The recourse is an LP and the integers
are few, so this is a MIP for SCIP through ``pywraplp`` (CP-SAT would need the fractional
devices per patient scaled to integers and gains nothing on an LP-heavy model). SCIP runs
single-threaded with a fixed random seed, an optional node limit (deterministic) and a time
limit; the status quo is given as a hint, so a solve stopped by a limit returns its best plan.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.linear_solver import pywraplp

from hospitaltwin.optimize.network.data import NetworkData

INF = pywraplp.Solver.infinity()
STATUS = {pywraplp.Solver.OPTIMAL: "optimal", pywraplp.Solver.FEASIBLE: "feasible",
          pywraplp.Solver.INFEASIBLE: "infeasible", pywraplp.Solver.UNBOUNDED: "unbounded",
          pywraplp.Solver.ABNORMAL: "abnormal", pywraplp.Solver.NOT_SOLVED: "not solved"}


@dataclass(frozen=True)
class Settings:
    """Costs, objective and solver limits.

    Costs are in the objective's unit, one device-day short (a device missing at a day's peak
    hour); ``slot_cost`` is per slot and day - at 0 transport is not scarce and every link keeps
    its full daily capacity (the slots are fixed at the limits; only transfers are planned).
    ``bed_weight`` values a bed-day short against a device-day (0: devices only).
    ``daily_slots`` plans each day's slots separately instead of one daily capacity per link
    direction for the whole horizon.
    """

    move_cost: float = 0.01
    transfer_cost: float = 0.1
    slot_cost: float = 0.0
    daily_slots: bool = False
    bed_weight: float = 1.0
    fair: bool = False
    seed: int = 0
    time_limit_s: float = 60.0
    node_limit: int | None = None
    gap: float = 1e-3


@dataclass
class FirstStage:
    """The decisions taken for every path: ``moves[(k, arc, day)]`` and ``slots[(q, arc, day)]``
    (arc = index into ``data.move_arcs[k]`` / ``data.transfer_arcs[q]``)."""

    moves: dict[tuple[int, int, int], int] = field(default_factory=dict)
    slots: dict[tuple[int, int, int], int] = field(default_factory=dict)


@dataclass
class Outcome:
    """A solved model: decisions, expected shortages, transfers, and the solver's report.

    ``device_short[k, h]`` and ``bed_short[q, h]`` are expected device-days and bed-days short
    over the horizon; ``transfers[q][a, d]`` the expected patients moved along arc ``a`` on day
    ``d`` (``transfers_p95`` their 95th percentile over paths).
    """

    decisions: FirstStage
    device_short: np.ndarray
    bed_short: np.ndarray
    transfers: dict[int, np.ndarray]
    transfers_p95: dict[int, np.ndarray]
    objective: float
    report: dict


class NetworkModel:
    """The MIP of one :class:`NetworkData`; ``fixed`` pins the first stage (evaluation)."""

    def __init__(self, data: NetworkData, settings: Settings, fixed: FirstStage | None = None):
        self.data, self.settings = data, settings
        self.solver = pywraplp.Solver.CreateSolver("SCIP")
        self.x, self.y = self._first_stage(fixed)
        self.z, self.w, self.u = {}, {}, {}
        self._second_stage()
        self.worst = None

    @property
    def integers(self) -> int:
        """Integer variables: device moves and (distinct) transfer slots."""
        return len(self.x) + len(set(self.y.values()))

    # -- variables -------------------------------------------------------------------------
    def _first_stage(self, fixed: FirstStage | None):
        """``x[(k, a, d)]``: devices dispatched; ``y[(q, a, d)]``: transfer slots planned.

        Without ``daily_slots`` a link direction has one capacity for the whole horizon (the
        same variable on every day), which is what the engine's ``max_per_day`` expresses.
        """
        data = self.data
        days = data.shape[3]
        x, y = {}, {}
        for k, arcs in data.move_arcs.items():
            cap = int(data.devices[k].sum())
            for a in range(len(arcs)):
                for d in range(data.move_days):
                    x[(k, a, d)] = self._int(cap, None if fixed is None else fixed.moves.get((k, a, d), 0))
        for q, arcs in data.transfer_arcs.items():
            for a, arc in enumerate(arcs):
                for d in range(days):
                    if d == 0 or self.settings.daily_slots:
                        var = self._int(arc.limit, self._pinned_slots(fixed, arc.limit, (q, a, d)))
                    y[(q, a, d)] = var
        return x, y

    def _pinned_slots(self, fixed: FirstStage | None, limit: int, key: tuple[int, int, int]) -> int | None:
        """Slots given (evaluation), the full limit when slots cost nothing, else free (None)."""
        if fixed is not None:
            return fixed.slots.get(key, 0)
        return limit if self.settings.slot_cost == 0 else None

    def _int(self, upper: int, pinned: int | None):
        """An integer in ``0..upper``, or fixed at ``pinned``."""
        low, high = (0, upper) if pinned is None else (pinned, pinned)
        return self.solver.IntVar(low, high, "")

    def _second_stage(self) -> None:
        """Per path: transfers ``z[(s, q, a, d)]``, shortages ``w[(s, k, h, d)]``, ``u[(s, q, h, d)]``."""
        data, solver = self.data, self.solver
        paths, _, _, days = data.shape
        excess = data.excess()
        held = self._held()
        for s in range(paths):
            out, inn = self._transfers(s, excess)
            most_in = {key: sum(z.ub() for z in zs) for key, zs in inn.items()}
            for (k, h) in data.pools:
                for d in range(days):
                    if self._may_lack_devices(s, k, h, d, most_in):
                        self.w[(s, k, h, d)] = solver.NumVar(0, INF, "")
                        self._device_row(s, k, h, d, held, out, inn)
            for (q, h) in data.units:
                for d in range(days):
                    if data.bed_demand[s, q, h, d] - data.beds[q, h, d] + most_in.get((q, h, d), 0.0) > 1e-9:
                        self.u[(s, q, h, d)] = solver.NumVar(0, INF, "")
                        self._bed_row(s, q, h, d, out, inn)

    def _may_lack_devices(self, s: int, k: int, h: int, d: int, most_in: dict) -> bool:
        """Whether demand plus the most transfers could bring in can exceed the minimum kept
        (otherwise the shortage is zero whatever the plan, and its row is left out)."""
        data = self.data
        extra = sum(data.per_bed[k, q, h] * most_in.get((q, h, d), 0.0) for q in range(len(data.bed_kinds)))
        return data.demand[s, k, h, d] + extra > data.floor[k, h] + 1e-9

    # -- constraints -----------------------------------------------------------------------
    def _held(self) -> dict[tuple[int, int, int], dict]:
        """Devices at ``(k, h)`` on day ``d`` as ``{var: coef}`` (plus the constant held today),
        and the floor each hospital keeps: ``held >= floor`` on every day."""
        data = self.data
        days = data.shape[3]
        terms: dict[tuple[int, int, int], dict] = defaultdict(dict)
        for (k, a, d0), var in self.x.items():
            arc = data.move_arcs[k][a]
            for d in range(d0, days):
                terms[(k, arc.origin, d)][var] = terms[(k, arc.origin, d)].get(var, 0.0) - 1.0
            for d in range(d0 + arc.device_lag, days):
                terms[(k, arc.target, d)][var] = terms[(k, arc.target, d)].get(var, 0.0) + 1.0
        self.floors = {}
        for (k, h) in data.pools:
            for d in range(days):
                row = self.solver.Constraint(float(data.floor[k, h] - data.devices[k, h]), INF, f"floor_{k}_{h}_{d}")
                for var, coef in terms[(k, h, d)].items():
                    row.SetCoefficient(var, coef)
                self.floors[(k, h, d)] = row
        return terms

    def _transfers(self, s: int, excess: np.ndarray):
        """Transfer variables of path ``s``: within the slots, at most the patients turned away.

        Returns ``out[(q, h, d)]`` and ``inn[(q, h, d)]``: transferred patients not (yet) in
        ``h``'s beds because they left, and those in them because they arrived, as var lists.
        """
        data, solver = self.data, self.solver
        days = data.shape[3]
        out, inn = defaultdict(list), defaultdict(list)
        for q, arcs in data.transfer_arcs.items():
            leaving = defaultdict(list)
            for a, arc in enumerate(arcs):
                for d in range(days):
                    room = excess[s, q, arc.origin, d]
                    if room <= 0:
                        continue
                    z = self.z[(s, q, a, d)] = solver.NumVar(0, float(min(room, arc.limit)), "")
                    slot = solver.Constraint(-INF, 0.0)
                    slot.SetCoefficient(z, 1.0)
                    slot.SetCoefficient(self.y[(q, a, d)], -1.0)
                    leaving[(arc.origin, d)].append(z)
                    for t in range(d, min(days, d + data.stay_days[q, arc.origin])):
                        out[(q, arc.origin, t)].append(z)
                    start = d + arc.patient_lag
                    for t in range(start, min(days, start + data.stay_days[q, arc.target])):
                        inn[(q, arc.target, t)].append(z)
            for (h, d), zs in leaving.items():
                row = solver.Constraint(-INF, float(excess[s, q, h, d]))
                for z in zs:
                    row.SetCoefficient(z, 1.0)
        return out, inn

    def _device_row(self, s, k, h, d, held, out, inn) -> None:
        """``w + held + per_bed * (out - in) >= demand``."""
        data = self.data
        row = self.solver.Constraint(float(data.demand[s, k, h, d] - data.devices[k, h]), INF)
        row.SetCoefficient(self.w[(s, k, h, d)], 1.0)
        for var, coef in held[(k, h, d)].items():
            row.SetCoefficient(var, coef)
        for q in range(len(data.bed_kinds)):
            rate = float(data.per_bed[k, q, h])
            if rate > 0:
                _add(row, out.get((q, h, d), ()), rate)
                _add(row, inn.get((q, h, d), ()), -rate)

    def _bed_row(self, s, q, h, d, out, inn) -> None:
        """``u + out - in >= bed demand - beds``."""
        data = self.data
        row = self.solver.Constraint(float(data.bed_demand[s, q, h, d] - data.beds[q, h, d]), INF)
        row.SetCoefficient(self.u[(s, q, h, d)], 1.0)
        _add(row, out.get((q, h, d), ()), 1.0)
        _add(row, inn.get((q, h, d), ()), -1.0)

    # -- objective -------------------------------------------------------------------------
    def _set_total(self) -> None:
        """Expected shortage plus move, transfer and slot costs."""
        data, st = self.data, self.settings
        paths = data.shape[0]
        objective = self.solver.Objective()
        objective.Clear()
        for var in self.w.values():
            objective.SetCoefficient(var, 1.0 / paths)
        for var in self.u.values():
            objective.SetCoefficient(var, st.bed_weight / paths)
        for var in self.z.values():
            objective.SetCoefficient(var, st.transfer_cost / paths)
        for var in self.x.values():
            objective.SetCoefficient(var, st.move_cost)
        for var in self.y.values():
            objective.SetCoefficient(var, objective.GetCoefficient(var) + st.slot_cost)
        objective.SetMinimization()

    def _set_worst(self) -> None:
        """``worst >= expected shortage of hospital h`` for every h; minimise ``worst``."""
        data, st = self.data, self.settings
        paths = data.shape[0]
        self.worst = self.solver.NumVar(0, INF, "worst")
        rows = {h: self.solver.Constraint(0.0, INF, f"worst_{h}") for h in range(len(data.hospitals))}
        for row in rows.values():
            row.SetCoefficient(self.worst, 1.0)
        for (s, k, h, d), var in self.w.items():
            rows[h].SetCoefficient(var, -1.0 / paths)
        for (s, q, h, d), var in self.u.items():
            rows[h].SetCoefficient(var, -st.bed_weight / paths)
        objective = self.solver.Objective()
        objective.Clear()
        objective.SetCoefficient(self.worst, 1.0)
        objective.SetMinimization()

    # -- solving ---------------------------------------------------------------------------
    def solve(self) -> dict:
        """Solve (lexicographically with ``fair``); return the report of the last stage."""
        self._hint_status_quo()
        stages = []
        if self.settings.fair:
            self._set_worst()
            stages.append(self._run("worst hospital"))
            if stages[-1]["status"] not in ("optimal", "feasible"):
                return _report(stages)
            best = self.worst.solution_value()
            self.worst.SetUb(best * (1 + 1e-7) + 1e-7)
        self._set_total()
        stages.append(self._run("total"))
        return _report(stages)

    def _hint_status_quo(self) -> None:
        """Start from no moves and full transfer slots: feasible whenever the floors are."""
        slots = list(dict.fromkeys(self.y.values()))
        variables = list(self.x.values()) + slots
        values = [0.0] * len(self.x) + [float(v.ub()) for v in slots]
        if variables:
            self.solver.SetHint(variables, values)

    def _run(self, stage: str) -> dict:
        st, solver = self.settings, self.solver
        solver.SetTimeLimit(int(st.time_limit_s * 1000))
        params = f"randomization/randomseedshift = {st.seed}\nlimits/gap = {st.gap}\n"
        if st.node_limit is not None:
            params += f"limits/nodes = {st.node_limit}\n"
        solver.SetSolverSpecificParametersAsString(params)
        start = time.perf_counter()
        status = STATUS.get(solver.Solve(), "unknown")
        elapsed = time.perf_counter() - start
        entry = {"stage": stage, "status": status, "time_s": round(elapsed, 3)}
        if status in ("optimal", "feasible"):
            value, bound = solver.Objective().Value(), solver.Objective().BestBound()
            entry.update(objective=value, bound=bound, gap=_gap(value, bound))
        return entry

    def outcome(self, report: dict) -> Outcome:
        """Decisions and expected shortages of the solved model."""
        data = self.data
        paths, kinds, hospitals, days = data.shape
        device = np.zeros((kinds, hospitals))
        for (s, k, h, d), var in self.w.items():
            device[k, h] += var.solution_value() / paths
        beds = np.zeros((len(data.bed_kinds), hospitals))
        for (s, q, h, d), var in self.u.items():
            beds[q, h] += var.solution_value() / paths
        decisions = FirstStage(
            moves={key: round(v.solution_value()) for key, v in self.x.items() if round(v.solution_value())},
            slots={key: round(v.solution_value()) for key, v in self.y.items() if round(v.solution_value())})
        flows = {q: np.zeros((paths, len(arcs), days)) for q, arcs in data.transfer_arcs.items()}
        for (s, q, a, d), var in self.z.items():
            flows[q][s, a, d] = var.solution_value()
        return Outcome(decisions, device, beds, {q: f.mean(axis=0) for q, f in flows.items()},
                       {q: np.percentile(f, 95, axis=0) if paths else f[0] for q, f in flows.items()},
                       report.get("objective", float("nan")), report)


def _add(row, variables, coef: float) -> None:
    for var in variables:
        row.SetCoefficient(var, row.GetCoefficient(var) + coef)


def _gap(value: float, bound: float) -> float:
    return abs(value - bound) / max(abs(value), 1e-9) if abs(value - bound) > 1e-9 else 0.0


def _report(stages: list[dict]) -> dict:
    last = dict(stages[-1])
    last["stages"] = stages
    return last


def solve(data: NetworkData, settings: Settings = Settings(), fixed: FirstStage | None = None):
    """Build and solve; return ``(model, report)``. ``fixed`` evaluates given decisions."""
    model = NetworkModel(data, settings, fixed)
    return model, model.solve()


def status_quo(data: NetworkData) -> FirstStage:
    """Today's network: no device moves, every link's full daily transfer capacity."""
    days = data.shape[3]
    return FirstStage({}, {(q, a, d): arc.limit for q, arcs in data.transfer_arcs.items()
                           for a, arc in enumerate(arcs) for d in range(days) if arc.limit})
