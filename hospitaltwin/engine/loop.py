"""The engine's event loop on SimPy's queue: schedule a callback, run to a time.

:func:`later` puts a SimPy ``Timeout`` on an ``Environment``'s queue as ``Timeout(...)`` would,
without its extra calls; :func:`run_until` is ``Environment.run(until=...)`` for such a queue,
with the patients' arrivals (drawn before the run) walked alongside it rather than scheduled
one by one. SimPy keeps the clock, the queue, its ordering (time, priority, event id) and
the events; these two functions use its ``_queue``, ``_now`` and ``_eid``, which
``tests/test_simpy_internals.py`` checks in the pinned SimPy series.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from heapq import heappop, heappush

import simpy
from simpy.events import NORMAL, Timeout

INF = float("inf")


def later(env: simpy.Environment, delay: float, value, callback) -> Timeout:
    """Schedule ``callback(event)`` after ``delay``: a SimPy ``Timeout`` built and queued inline.

    Equivalent to ``Timeout(env, delay, value).callbacks.append(callback)`` without its two
    extra Python calls.
    """
    return at_time(env, env._now + delay, next(env._eid), value, callback)


def at_time(env: simpy.Environment, when: float, eid: int, value, callback) -> Timeout:
    """Schedule ``callback(event)`` at time ``when`` with the event id ``eid`` (taken earlier
    from ``env._eid``): the event keeps the place in SimPy's order it was given then."""
    event = Timeout.__new__(Timeout)
    event.env, event.callbacks, event._value, event._ok = env, [callback], value, True
    event._delay = when - env._now
    heappush(env._queue, (when, NORMAL, eid, event))
    return event


def run_until(env: simpy.Environment, until: float, timeline: tuple[list, list] = ((), ()),
              on_arrival=None, position: list | None = None) -> None:
    """``env.run(until=until)`` for a queue that holds only :func:`later` timeouts, merged with
    a timeline of arrivals known in advance.

    SimPy's loop (``Environment.run`` → ``step``) inlined: pop the earliest event, hand it to
    its callbacks. Events at exactly ``until`` are left unprocessed, as SimPy's urgent stop
    event leaves them, and the clock ends at ``until``. Every event here is a successful
    ``Timeout``, so SimPy's failure handling has nothing to do and is skipped. The garbage
    collector is paused meanwhile (see :func:`collector_paused`).

    ``timeline`` is ``(times, values)``, sorted by time: at each of ``times`` the clock is set
    and ``on_arrival(value)`` is called, between the queue's events, without an event of its own
    (arrivals are drawn before the run, so they need not be scheduled one by one). At equal
    times the queue's events come first.

    ``position`` (a one-item list), when given, holds the event id of the event being handled,
    or ``inf`` while an arrival is (it comes after every queued event of its time): with the
    clock, where the run stands in SimPy's order (time, priority, event id).
    """
    position = [INF] if position is None else position
    queue = env._queue
    times, values = timeline
    k, count = 0, len(times)
    next_arrival = times[0] if count else INF
    with collector_paused():
        while True:
            if queue and queue[0][0] <= next_arrival:
                if queue[0][0] >= until:
                    break
                env._now, _, position[0], event = heappop(queue)
                callbacks, event.callbacks = event.callbacks, None
                for callback in callbacks:
                    callback(event)
            elif next_arrival < until:
                env._now, position[0] = next_arrival, INF
                on_arrival(values[k])
                k += 1
                next_arrival = times[k] if k < count else INF
            else:
                break
    env._now = until


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector for a replication, then restore it.

    A replication makes almost no reference cycles (its records become garbage together, when
    the simulation is dropped), yet the collector would walk the growing records again and
    again: 14% of a long run, and three quarters of placing a hospital's start state.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
