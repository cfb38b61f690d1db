"""Warm start: place a :class:`~hospitaltwin.core.state.SystemState` into a simulation at time 0.

Every patient already in a bed keeps it. Their remaining stay is drawn from their unit's
length-of-stay law conditioned on the time already spent (LOS | LOS > elapsed); devices in
use continue for a remaining time drawn the same way from the unit's device-duration law (or
until the stay ends when the unit has none). A patient ``waiting_for`` another unit is ready
now and boards; patients waiting from outside keep their place by time already waited.
A patient whose elapsed time is unknown (a census count only) gets a remaining stay from the
equilibrium law S(x)/mean. Warm-started patients draw from their own stream, so new arrivals
keep common random numbers.
"""

from __future__ import annotations

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.state import PatientState, SystemState
from hospitaltwin.engine.model import Patient, Simulation
from hospitaltwin.engine.records import READY


def check_state(sim: Simulation, state: SystemState) -> None:
    """Raise one clear error listing every unit of the state the layout does not know."""
    known = {u.id: u for u in sim.model.units}
    named = [p.unit for p in state.patients] + [w.unit for w in state.waiting]
    named += [p.waiting_for for p in state.patients if p.waiting_for]
    unknown = sorted({u for u in named if u not in known})
    if unknown:
        raise HospitaltwinError(f"the state names units the layout does not have: {', '.join(unknown)}")
    no_law = sorted({p.unit for p in state.patients if known[p.unit].law is None})
    if no_law:
        raise HospitaltwinError(f"patients are in units with no length of stay in the demand: {', '.join(no_law)}")


def place_state(sim: Simulation, state: SystemState) -> None:
    """Put every patient of ``state`` into ``sim`` before it runs."""
    check_state(sim, state)
    sim.initial.expect(len(state.patients) + len(state.waiting))
    index = {u.id: u.index for u in sim.model.units}
    for patient in state.patients:
        _place(sim, patient, index[patient.unit], index.get(patient.waiting_for))
    for waiting in sorted(state.waiting, key=lambda w: -w.waited_h):
        sim.wait_from_outside(sim.initial_patient(), index[waiting.unit], waiting.waited_h)


def _place(sim: Simulation, state: PatientState, unit: int, boards_to: int | None) -> None:
    patient = sim.initial_patient()
    known = state.elapsed_h is not None
    row = sim.seat(patient, unit, -state.elapsed_h if known else 0.0)  # unknown: from the run's start
    spec = patient.intended.spec
    law = spec.law
    draws, base = sim.visit_draws(patient, 2)
    if boards_to is not None:
        remaining = 0.0
    elif known:
        remaining = law.residual(draws[base], state.elapsed_h)
    else:
        remaining = law.equilibrium(draws[base])
    row[READY] = remaining
    for device in state.devices:
        _continue_device(sim, spec, patient, device, remaining, draws[base + 1])
    if boards_to is not None:
        sim.board_now(patient, boards_to)
    else:
        sim.ready_in(patient, remaining)


def _continue_device(sim: Simulation, spec, patient: Patient, device, stay_left: float, u: float) -> None:
    need = next((n for n in spec.needs if n.kind == device.kind), None)
    pool = need.pool if need else _pool_of_kind(sim, spec, device.kind)
    if need is None:
        left = stay_left
    elif device.elapsed_h is None:
        left = need.duration.equilibrium(u)
    else:
        left = need.duration.residual(u, device.elapsed_h)
    sim.take_device((pool, patient.pid, spec.index, min(left, max(stay_left, 0.0))), force=True)


def _pool_of_kind(sim: Simulation, spec, kind: str) -> int:
    for pool in sim.model.pools:
        if pool.kind == kind and pool.hospital in (spec.hospital, -1):
            return pool.index
    raise HospitaltwinError(f"a patient in {spec.id} uses a '{kind}' but no pool of that kind serves its hospital")
