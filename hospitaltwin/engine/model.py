"""The patient-flow model on SimPy: beds, queues, boarding, overflow, diversion, equipment.

Each patient is a chain of SimPy events whose callbacks move them on (arrive -> request a bed
-> stay -> ready -> request the next unit or leave); this is SimPy's event-callback style,
which runs the same logic as a process per patient without a generator per patient.
Semantics (docs/concepts.md): a unit admits only into a staffed bed; when full it queues (a patient
from another unit keeps that bed while waiting: boarding), diverts (counted; in a network the
patient may go to a linked hospital after the transfer delay) or tries overflow units then
queues. Staffing drops never evict. Equipment episodes take a free device or are counted
unmet. Every record is a flat row (times not yet known are NaN, the outcome of a stay still
open is NaN); tables are built once at the end, with numpy.

The callbacks run once or twice per patient stay, so they are written for speed: the
patient's draws are taken inline rather than through a method, and what a unit's stays need
(its law, routing, draws per visit) sits on its :class:`Ward`.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from heapq import heappop, heappush
from itertools import count

import numpy as np
import simpy

from hospitaltwin.core.streams import UniformBlocks
from hospitaltwin.engine.compile import (
    DIVERT,
    DRAWS_PER_NEED,
    DRAWS_PER_VISIT_BASE,
    OVERFLOW,
    CompiledModel,
)
from hospitaltwin.engine.loop import at_time, later, run_until
from hospitaltwin.engine.realise import Realisation
from hospitaltwin.engine.records import (
    ARRIVE,
    DISCHARGE,
    DIVERTED,
    END,
    LEFT,
    OUTCOME,
    READY,
    START,
    TRANSFER_OUT,
    UNIT,
)

ROW_WIDTH = 12  # a patient's own uniforms: enough for most paths; then a shared stream continues
NAN = float("nan")  # not yet known: one shared object, so a new row allocates no floats for it


class Patient:
    """A patient's own random numbers and where they are.

    Their uniforms are ``draws[used:end]`` (a row of a flat block, see
    :meth:`~hospitaltwin.core.streams.UniformBlocks.take`); those of the stay they are in
    start at ``base``.
    ``row`` is the record of the stay they are in (``ward``); ``intended`` the ward whose length
    of stay and routing apply (the unit they were admitted for, when they lie in an overflow
    bed); ``pending`` the record of a bed request they are queued for; ``goes_to`` where they go
    when this stay ends (the next unit's index, or an outcome < 0), drawn on admission.
    """

    __slots__ = ("pid", "stream", "draws", "base", "used", "end", "row", "ward", "intended", "pending",
                 "linked", "goes_to")

    def __init__(self, pid: int, stream_index: int, uniforms: tuple[array, int], width: int):
        self.pid, self.stream = pid, stream_index
        self.draws, self.base = uniforms
        self.used, self.end = self.base, self.base + width
        self.row = self.ward = self.intended = self.pending = self.goes_to = None
        self.linked = False


class Arrivals:
    """An arrival stream at run time: where its patients go, their priority, their uniforms."""

    __slots__ = ("index", "ward", "priority", "blocks")

    def __init__(self, index: int, ward, priority: int, blocks: UniformBlocks):
        self.index, self.ward, self.priority, self.blocks = index, ward, priority, blocks


class Ward:
    """A unit at run time: occupied beds, current staffed capacity, its queue; and, copied from
    its spec for the hot path, its length of stay at a uniform, routing and uniforms used per visit."""

    __slots__ = ("spec", "index", "occupied", "capacity", "queue", "leaving", "priority_from",
                 "stay", "route_cum", "route_to", "draws")

    def __init__(self, spec, capacity: int, priority_from: tuple[int, ...]):
        self.spec, self.index = spec, spec.index
        self.occupied, self.capacity = 0, capacity
        self.queue: list = []
        self.leaving: list = []  # (time, event id, patient) of stays ending in leaving
        self.priority_from = priority_from
        self.route_cum, self.route_to = spec.route_cum, spec.route_to
        self.stay = spec.law.ppf if spec.law is not None else None  # length of stay at a uniform
        self.draws = DRAWS_PER_VISIT_BASE + DRAWS_PER_NEED * len(spec.needs)


class Pool:
    __slots__ = ("index", "in_use", "capacity")

    def __init__(self, index: int, capacity: int):
        self.index, self.in_use, self.capacity = index, 0, capacity


class Simulation:
    """One replication of a compiled model, from empty or from a list of placed patients."""

    def __init__(self, model: CompiledModel, realised: Realisation, seed: int, replication: int):
        self.model, self.realised, self.env = model, realised, simpy.Environment()
        self.rows: list[list] = []
        self.device_rows: list[tuple] = []
        self._seq = 0
        self._pids = count()  # patient ids, in the order patients appear
        self._position = [math.inf]  # the event id being handled (see run_until); inf: none
        self._link_use: dict[tuple[int, int], int] = {}
        n_units, n_streams = len(model.units), len(model.streams)
        self._transfer_sources = n_streams  # request source of a transfer from unit i: n_streams + i
        self.source_link = n_streams + n_units
        self.source_initial = self.source_link + 1
        self.wards = [Ward(u, int(min(c.physical[0], c.staffed[0])), priorities)
                      for u, c, priorities in zip(model.units, realised.units, model.priorities)]
        self.pools = [Pool(p.index, int(c.staffed[0])) for p, c in zip(model.pools, realised.pools)]
        self.width = width = max(ROW_WIDTH, model.draws_per_visit)
        self.blocks = [UniformBlocks.named(seed, replication, f"patients:{s.name}", width).expect(len(times))
                       for s, times in zip(model.streams, realised.arrivals)]
        self.extra = UniformBlocks.named(seed, replication, "patients:later-visits", width)
        self.initial = UniformBlocks.named(seed, replication, "patients:initial-state", width)
        self._arrivals = [Arrivals(s.index, self.wards[s.unit], s.priority, self.blocks[s.index])
                          for s in model.streams]
        self._changes = self._capacity_changes(realised)
        self._on_ready = self._ready

    def _capacity_changes(self, realised: Realisation) -> list[tuple]:
        changes = []
        for i, c in enumerate(realised.units):
            for t, phys, staffed in zip(c.times[1:].tolist(), c.physical[1:].tolist(), c.staffed[1:].tolist()):
                changes.append((t, 0, i, int(min(phys, staffed))))
        for i, c in enumerate(realised.pools):
            for t, staffed in zip(c.times[1:].tolist(), c.staffed[1:].tolist()):
                changes.append((t, 1, i, int(staffed)))
        changes.sort()
        return changes

    # -- running ----------------------------------------------------------------------------
    def run(self) -> None:
        """Schedule capacity changes, then simulate to the horizon through the arrivals."""
        if self._changes:
            later(self.env, self._changes[0][0], 0, self._capacity_change)
        run_until(self.env, self.model.horizon, self._timeline(), self._arrival, self._position)
        before_horizon = math.nextafter(self.model.horizon, -math.inf)  # an event at the horizon is left
        self._position[0] = math.inf
        for ward in self.wards:
            self._settle(ward, before_horizon)
        self._let_go()

    def _timeline(self) -> tuple[list[float], list[Arrivals]]:
        """Every stream's arrivals in time order (streams in order at equal times).

        A stream's times are accumulated from their gaps, as scheduling each arrival a gap
        after the one before would place it (the same floating-point times)."""
        times = [np.cumsum(np.diff(t, prepend=0.0)) for t in self.realised.arrivals]
        streams = np.repeat(np.arange(len(times)), [len(t) for t in times])
        merged = np.concatenate(times) if times else np.zeros(0)
        order = np.argsort(merged, kind="stable")
        return merged[order].tolist(), [self._arrivals[i] for i in streams[order].tolist()]

    def _let_go(self) -> None:
        """Break the reference cycles of a finished run, so that dropping the simulation frees
        it at once. Events still scheduled at the horizon hold its callbacks (bound methods, so
        the simulation itself): left as they are, every replication's records would wait for
        the garbage collector to find them (a fifth of a short forecast replication)."""
        self.env._queue.clear()
        del self._on_ready

    def _arrival(self, arrivals: Arrivals) -> None:
        """A new patient arrives. Most are admitted at once to a bed of a unit whose stays need
        no equipment: that path (:meth:`_request` then :meth:`_admit`, with the same row and
        the same draws) is written out here, because it runs for almost every patient."""
        now, pid, source, ward = self.env._now, next(self._pids), arrivals.index, arrivals.ward
        if ward.leaving and ward.leaving[0][0] <= now:
            self._settle(ward)
        if ward.occupied >= ward.capacity or ward.draws != DRAWS_PER_VISIT_BASE:
            self._request(Patient(pid, source, arrivals.blocks.take(), self.width), ward, source,
                          arrivals.priority)
            return
        patient = Patient(pid, source, arrivals.blocks.take(), self.width)
        los = ward.stay(patient.draws[patient.base])
        row = [pid, source, ward.index, ward.index, source, now, now, now + los, NAN, NAN]
        self.rows.append(row)
        ward.occupied += 1
        patient.row, patient.ward, patient.intended = row, ward, ward
        patient.used += DRAWS_PER_VISIT_BASE
        self._until_ready(patient, ward, los)

    def _capacity_change(self, event) -> None:
        k = event._value
        _, kind, index, capacity = self._changes[k]
        if kind == 0:
            ward = self.wards[index]
            ward.capacity = capacity
            self._fill(ward)
        else:
            self.pools[index].capacity = capacity
        if k + 1 < len(self._changes):
            delay = self._changes[k + 1][0] - self.env._now
            later(self.env, delay, k + 1, self._capacity_change)

    # -- beds -------------------------------------------------------------------------------
    def _request(self, patient: Patient, ward: Ward, source: int, priority: int) -> None:
        row = [patient.pid, patient.stream, ward.index, ward.index, source, self.env._now, NAN, NAN, NAN, NAN]
        self.rows.append(row)
        if self._has_bed(ward):
            self._admit(patient, ward, ward, row)
            return
        on_full = ward.spec.on_full
        if on_full == DIVERT:
            self._divert(patient, ward, row)
            return
        if on_full == OVERFLOW:
            for other in ward.spec.overflow:
                alt = self.wards[other]
                if self._has_bed(alt):
                    self._admit(patient, alt, ward, row)
                    return
        patient.pending = row
        self._seq += 1
        if ward.leaving:
            self._wake(ward)
        heappush(ward.queue, (priority, self._seq, patient))
        if ward.spec.max_wait is not None and patient.row is None:
            later(self.env, ward.spec.max_wait, (patient, row), self._renege)

    def _renege(self, event) -> None:
        """A patient waiting from outside gives up (left without being seen)."""
        patient, row = event._value
        if patient.pending is row:  # still waiting for this bed: not admitted, not gone
            row[OUTCOME] = LEFT
            row[END] = self.env._now
            patient.pending = None  # stays in the heap; skipped when popped

    def _admit(self, patient: Patient, ward: Ward, intended: Ward, row: list) -> None:
        now = self.env._now
        ward.occupied += 1
        row[UNIT] = ward.index
        row[START] = now
        if patient.row is not None:
            self._vacate(patient, intended.index)
        patient.row, patient.ward, patient.intended, patient.pending = row, ward, intended, None
        if patient.used + intended.draws > patient.end:  # the patient's next uniforms, as visit_draws
            self._more_draws(patient)
        draws, base = patient.draws, patient.used
        patient.base, patient.used = base, base + intended.draws
        los = intended.stay(draws[base])
        if intended.draws > DRAWS_PER_VISIT_BASE:
            los = self._devices(patient, intended.spec, los, draws, base)
        row[READY] = now + los
        self._until_ready(patient, ward, los)

    def visit_draws(self, patient: Patient, needed: int) -> tuple[array, int]:
        """The next ``needed`` of the patient's own uniforms (from a shared stream once used up).

        Draws are consumed in the order of the patient's visits; the units a patient visits are
        decided by their own draws, so two scenarios on the same seed give a patient the same
        numbers at the same visit. (:meth:`_admit` takes them the same way, inline.)
        """
        if patient.used + needed > patient.end:
            self._more_draws(patient)
        patient.base = patient.used
        patient.used += needed
        return patient.draws, patient.base

    def _more_draws(self, patient: Patient) -> None:
        """The patient's row is used up: they go on with a fresh row of the shared stream."""
        patient.draws, patient.used = self.extra.take()
        patient.end = patient.used + self.width

    def _ready(self, event) -> None:
        patient = event._value
        target = patient.goes_to
        if target >= 0:
            ward, here = self.wards[target], patient.ward.index
            self._request(patient, ward, self._transfer_sources + here, ward.priority_from[here])
        else:
            self._vacate(patient, target)

    def _until_ready(self, patient: Patient, ward: Ward, los: float) -> None:
        """Schedule the end of ``patient``'s stay in ``ward``, ``los`` hours from now.

        A stay that ends in leaving the hospital, in a unit nobody waits for, changes nothing
        when it ends but the number of occupied beds. It goes on the ward's ``leaving`` heap,
        not SimPy's queue, and :meth:`_settle` books it when the ward's beds are next counted.
        It keeps the event id its event would have had: should someone queue for the ward
        first, :meth:`_wake` schedules it as that event, so the order of events is unchanged.
        """
        env, intended = self.env, patient.intended
        when, eid = env._now + los, next(env._eid)
        if intended.route_to:  # route_cum ends at 1.0 > u: bisect_left stays in range
            goes_to = intended.route_to[bisect_left(intended.route_cum, patient.draws[patient.base + 1])]
        else:
            goes_to = DISCHARGE
        patient.goes_to = goes_to
        if goes_to < 0 and not ward.queue:
            heappush(ward.leaving, (when, eid, patient))
        else:
            at_time(env, when, eid, patient, self._on_ready)

    def _has_bed(self, ward: Ward) -> bool:
        """Whether ``ward`` has a free staffed bed now."""
        if ward.leaving and ward.leaving[0][0] <= self.env._now:
            self._settle(ward)
        return ward.occupied < ward.capacity

    def _settle(self, ward: Ward, now: float | None = None) -> None:
        """Book the stays of ``ward`` that ended in leaving the hospital by ``now`` (default:
        the clock), as their events would have: end time, outcome, a free bed. An end due now
        whose event id comes after the event being handled has not happened yet (SimPy
        orders events of one time by their ids; fixed stays make such ties)."""
        leaving, now, position = ward.leaving, self.env._now if now is None else now, self._position[0]
        while leaving and (leaving[0][0] < now or (leaving[0][0] == now and leaving[0][1] < position)):
            when, _, patient = heappop(leaving)
            row = patient.row
            row[END], row[OUTCOME] = when, patient.goes_to
            patient.row = patient.ward = None
            ward.occupied -= 1

    def _wake(self, ward: Ward) -> None:
        """Someone is about to wait for ``ward``: its stays still to end become SimPy events, each
        at its time with its own event id, so that every bed they free is filled when it is."""
        for when, eid, patient in ward.leaving:
            at_time(self.env, when, eid, patient, self._on_ready)
        ward.leaving.clear()

    def _vacate(self, patient: Patient, outcome: int) -> None:
        row, ward = patient.row, patient.ward
        row[END] = self.env._now
        row[OUTCOME] = outcome
        patient.row = patient.ward = None
        ward.occupied -= 1
        if ward.queue:
            self._fill(ward)

    def _fill(self, ward: Ward) -> None:
        queue = ward.queue
        while queue and ward.occupied < ward.capacity:
            patient = heappop(queue)[2]
            if patient.pending is not None:
                self._admit(patient, ward, ward, patient.pending)

    def _divert(self, patient: Patient, ward: Ward, row: list) -> None:
        row[OUTCOME] = DIVERTED
        if patient.row is not None:
            self._vacate(patient, TRANSFER_OUT)
        if patient.linked:
            return
        day = int(self.env._now // 24)
        for delay, hospital, link, limit in self.model.links[ward.spec.hospital]:
            target = self.model.counterpart[hospital].get(ward.spec.kind)
            if target is None or not self._has_bed(self.wards[target]):
                continue
            if limit is not None and self._link_use.get((link, day), 0) >= limit:
                continue
            self._link_use[(link, day)] = self._link_use.get((link, day), 0) + 1
            patient.linked = True
            later(self.env, delay, (patient, target), self._linked_arrival)
            return

    def _linked_arrival(self, event) -> None:
        patient, target = event._value
        ward = self.wards[target]
        self._request(patient, ward, self.source_link, ward.priority_from[-2])

    # -- equipment --------------------------------------------------------------------------
    def _devices(self, patient: Patient, spec, los: float, draws: array, base: int) -> float:
        """Start (or schedule) the stay's device episodes; return the stay, extended if need be."""
        started = [-1.0] * len(spec.needs)
        for i, need in enumerate(spec.needs):
            k = base + 2 + 3 * i
            if (need.parent >= 0 and started[need.parent] < 0) or draws[k] >= need.p:
                continue
            offset = started[need.parent] if need.parent >= 0 else 0.0
            if need.after is not None:
                offset += need.after.ppf(draws[k + 2])
            if offset >= los:
                continue
            started[i] = offset
            duration = need.duration.ppf(draws[k + 1])
            if need.extends_stay:
                los = max(los, offset + duration)
            else:
                duration = min(duration, los - offset)
            episode = (need.pool, patient.pid, spec.index, duration)
            if offset == 0.0:
                self.take_device(episode)
            else:
                later(self.env, offset, episode, self._take_later)
        return los

    def _take_later(self, event) -> None:
        self.take_device(event._value)

    def take_device(self, episode: tuple, force: bool = False) -> None:
        pool_index, pid, unit, duration = episode
        pool, now = self.pools[pool_index], self.env._now
        met = force or pool.in_use < pool.capacity
        self.device_rows.append((pool_index, pid, unit, now, now + duration, met))
        if met:
            pool.in_use += 1
            later(self.env, duration, pool, self._release)

    @staticmethod
    def _release(event) -> None:
        event._value.in_use -= 1

    # -- a start state (placed by :mod:`~hospitaltwin.engine.warmstart` before the run) ----
    def initial_patient(self) -> Patient:
        """A new patient of the start state, drawing from the start state's own stream."""
        return Patient(next(self._pids), -1, self.initial.take(), self.width)

    def seat(self, patient: Patient, unit: int, since: float) -> list:
        """Put ``patient`` in a bed of ``unit`` since run time ``since`` (<= 0); return the stay's row."""
        ward = self.wards[unit]
        row = [patient.pid, -1, unit, unit, self.source_initial, since, since, NAN, NAN, NAN]
        self.rows.append(row)
        ward.occupied += 1
        patient.row, patient.ward, patient.intended = row, ward, ward
        return row

    def ready_in(self, patient: Patient, hours: float) -> None:
        """``patient`` is ready to leave their bed ``hours`` from now (then moves on or leaves)."""
        self._until_ready(patient, patient.ward, hours)

    def board_now(self, patient: Patient, unit: int) -> None:
        """``patient``, in a bed, asks for a bed of ``unit`` now and boards until one is free."""
        later(self.env, 0.0, (patient, unit), self._board)

    def _board(self, event) -> None:
        patient, unit = event._value
        ward = self.wards[unit]
        self._request(patient, ward, len(self.model.streams) + patient.ward.index,
                      ward.priority_from[patient.ward.index])

    def wait_from_outside(self, patient: Patient, unit: int, waited_h: float) -> None:
        """``patient`` has waited ``waited_h`` hours, from outside, for a bed of ``unit``."""
        ward = self.wards[unit]
        self._request(patient, ward, self.source_initial, ward.priority_from[-1])
        self.rows[-1][ARRIVE] = -waited_h
