"""Warm start: place a :class:`~hospitaltwin.core.state.SystemState` into a simulation at time 0.

Every patient already in a bed keeps it. Their remaining stay is drawn from their unit's
length-of-stay law conditioned on the time already spent (LOS | LOS > elapsed); devices in
use continue for a remaining time drawn the same way from the unit's device-duration law (or
until the stay ends when the unit has none). A patient ``waiting_for`` another unit is ready
now and boards; patients waiting from outside keep their place by time already waited.
A patient whose elapsed time is unknown (a census count only) gets a remaining stay from the
equilibrium law S(x)/mean. Warm-started patients draw from their own stream, so new arrivals
keep common random numbers.

What does not depend on the draws (which unit, since when, where a patient boards, which pool
each device belongs to, who waits longest) is laid out once as a :class:`StartPlan`, which
every replication of a run places with its own draws.
"""

from __future__ import annotations

from dataclasses import dataclass

from hospitaltwin.core.distributions import Law
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.state import SystemState
from hospitaltwin.engine.compile import CompiledModel
from hospitaltwin.engine.model import Patient, Simulation
from hospitaltwin.engine.records import READY


@dataclass(frozen=True)
class DeviceLeft:
    """A device in use at the start: its pool, the law of its use (``None``: it lasts as long
    as the stay), and the hours it has been in use (``None``: unknown)."""

    pool: int
    law: Law | None
    elapsed: float | None


@dataclass(frozen=True)
class InBed:
    """A patient of the start state in a bed of ``unit`` since run time ``since`` (<= 0)."""

    unit: int
    since: float
    law: Law
    elapsed: float | None
    """Hours already spent (``None``: unknown, the remaining stay is drawn from equilibrium)."""
    boards_to: int | None
    devices: tuple[DeviceLeft, ...]


@dataclass(frozen=True)
class StartPlan:
    """A start state laid out for one compiled model: the patients in beds in the state's
    order, then those waiting from outside as ``(unit, hours waited)``, longest wait first."""

    in_beds: tuple[InBed, ...]
    waiting: tuple[tuple[int, float], ...]


def check_state(model: CompiledModel, state: SystemState) -> None:
    """Raise one clear error listing every unit of the state the layout does not know."""
    known = {u.id: u for u in model.units}
    named = [p.unit for p in state.patients] + [w.unit for w in state.waiting]
    named += [p.waiting_for for p in state.patients if p.waiting_for]
    unknown = sorted({u for u in named if u not in known})
    if unknown:
        raise HospitaltwinError(f"the state names units the layout does not have: {', '.join(unknown)}")
    no_law = sorted({p.unit for p in state.patients if known[p.unit].law is None})
    if no_law:
        raise HospitaltwinError(f"patients are in units with no length of stay in the demand: {', '.join(no_law)}")


def plan_start(model: CompiledModel, state: SystemState) -> StartPlan:
    """Lay ``state`` out for ``model`` (checked first: see :func:`check_state`)."""
    check_state(model, state)
    index = {u.id: u.index for u in model.units}
    in_beds = []
    for patient in state.patients:
        spec = model.units[index[patient.unit]]
        known = patient.elapsed_h is not None
        devices = tuple(_device_left(model, spec, d) for d in patient.devices)
        in_beds.append(InBed(spec.index, -patient.elapsed_h if known else 0.0, spec.law, patient.elapsed_h,
                             index.get(patient.waiting_for), devices))
    waiting = tuple((index[w.unit], w.waited_h) for w in sorted(state.waiting, key=lambda w: -w.waited_h))
    return StartPlan(tuple(in_beds), waiting)


def place_state(sim: Simulation, state: SystemState | StartPlan) -> None:
    """Put every patient of ``state`` (or of its plan for ``sim``'s model) into ``sim`` before it runs."""
    plan = state if isinstance(state, StartPlan) else plan_start(sim.model, state)
    sim.initial.expect(len(plan.in_beds) + len(plan.waiting))
    for bed in plan.in_beds:
        _place(sim, bed)
    for unit, waited_h in plan.waiting:
        sim.wait_from_outside(sim.initial_patient(), unit, waited_h)


def _place(sim: Simulation, bed: InBed) -> None:
    patient = sim.initial_patient()
    row = sim.seat(patient, bed.unit, bed.since)  # unknown elapsed: from the run's start
    draws, base = sim.visit_draws(patient, 2)
    if bed.boards_to is not None:
        remaining = 0.0
    elif bed.elapsed is not None:
        remaining = bed.law.residual(draws[base], bed.elapsed)
    else:
        remaining = bed.law.equilibrium(draws[base])
    row[READY] = remaining
    for device in bed.devices:
        _continue_device(sim, bed, patient, device, remaining, draws[base + 1])
    if bed.boards_to is not None:
        sim.board_now(patient, bed.boards_to)
    else:
        sim.ready_in(patient, remaining)


def _continue_device(sim: Simulation, bed: InBed, patient: Patient, device: DeviceLeft, stay_left: float,
                     u: float) -> None:
    if device.law is None:
        left = stay_left
    elif device.elapsed is None:
        left = device.law.equilibrium(u)
    else:
        left = device.law.residual(u, device.elapsed)
    sim.take_device((device.pool, patient.pid, bed.unit, min(left, max(stay_left, 0.0))), force=True)


def _device_left(model: CompiledModel, spec, device) -> DeviceLeft:
    need = next((n for n in spec.needs if n.kind == device.kind), None)
    if need is None:
        return DeviceLeft(_pool_of_kind(model, spec, device.kind), None, device.elapsed_h)
    return DeviceLeft(need.pool, need.duration, device.elapsed_h)


def _pool_of_kind(model: CompiledModel, spec, kind: str) -> int:
    for pool in model.pools:
        if pool.kind == kind and pool.hospital in (spec.hospital, -1):
            return pool.index
    raise HospitaltwinError(f"a patient in {spec.id} uses a '{kind}' but no pool of that kind serves its hospital")
