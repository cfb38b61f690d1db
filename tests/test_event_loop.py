"""The engine's inlined event loop processes exactly what ``simpy.Environment.run`` does."""

from __future__ import annotations

import simpy

from hospitaltwin.engine.loop import later, run_until


def _schedule(env: simpy.Environment, log: list) -> None:
    def fire(event):
        log.append((env.now, event.value))
        if event.value < 6:
            later(env, 2.5 if event.value % 2 else 0.0, event.value + 2, fire)

    for delay, value in ((0.0, 0), (1.0, 1), (5.0, 99), (10.0, 100), (11.0, 101)):
        later(env, delay, value, fire)


def test_run_until_matches_simpy_run_including_ties_and_the_stop_time():
    ours, theirs = simpy.Environment(), simpy.Environment()
    log_ours, log_theirs = [], []
    _schedule(ours, log_ours)
    _schedule(theirs, log_theirs)
    run_until(ours, 10.0)
    theirs.run(until=10.0)
    assert log_ours == log_theirs and (10.0, 100) not in log_ours, "an event at the stop time is left"
    assert ours.now == theirs.now == 10.0
    left = [sorted(e.value for *_, e in env._queue if isinstance(e, simpy.Timeout)) for env in (ours, theirs)]
    assert left[0] == left[1] == [100, 101]


def test_a_timeline_of_arrivals_runs_between_the_queued_events_in_time_order():
    """Arrivals known in advance run at their times without events of their own; at equal
    times the queue's events come first; arrivals at or after the stop time do not run."""
    env, log = simpy.Environment(), []

    def fire(event):
        log.append((env.now, event.value))

    for delay, value in ((1.0, "e1"), (2.0, "e2"), (4.0, "e4"), (6.0, "e6")):
        later(env, delay, value, fire)

    def arrive(who):
        log.append((env.now, who))
        if who == "a3":  # an arrival schedules an event of its own, as an admission does
            later(env, 0.5, "from a3", fire)

    run_until(env, 6.0, ([0.5, 2.0, 3.0, 3.0, 6.0], ["a0", "a2", "a3", "a3b", "a6"]), arrive)
    assert log == [(0.5, "a0"), (1.0, "e1"), (2.0, "e2"), (2.0, "a2"), (3.0, "a3"), (3.0, "a3b"),
                   (3.5, "from a3"), (4.0, "e4")]
    assert env.now == 6.0


def test_arrival_times_accumulated_from_their_gaps_are_those_scheduling_one_by_one_gives():
    """The timeline accumulates each stream's gaps (numpy's cumulative sum adds in order), so
    its times are the floats that scheduling every arrival one gap after the last gave."""
    import numpy as np

    times = np.sort(np.random.default_rng(3).uniform(0, 5000, 20_000))
    one_by_one, now = [], 0.0
    for k, t in enumerate(times):
        now = now + (t - times[k - 1] if k else t)
        one_by_one.append(now)
    assert np.cumsum(np.diff(times, prepend=0.0)).tolist() == one_by_one


def test_run_until_restores_the_garbage_collector_even_when_a_callback_fails():
    import gc

    env = simpy.Environment()

    def boom(event):
        raise RuntimeError("callback failed")

    later(env, 1.0, None, boom)
    assert gc.isenabled()
    try:
        run_until(env, 5.0)
    except RuntimeError:
        pass
    assert gc.isenabled()


FREED = """
import gc, sys, weakref
sys.path.insert(0, sys.argv[1])
from helpers import one_unit
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.engine import compile_scenario, run_replication

data = one_unit(beds=3, rate=8.0, los={"dist": "exponential", "mean": "12h"}, on_full="queue",
                horizon="20d", warmup="0d", max_wait="6h")
model = compile_scenario(scenario_from_dict(data))
gc.collect()
gc.disable()
sim = run_replication(model, 1, 0)
assert len(sim.rows) > 50 and sim.env._queue == []
ref = weakref.ref(sim)
del sim
print(ref() is None, gc.collect())
"""


def test_a_finished_replication_is_freed_at_once_without_the_garbage_collector():
    """No reference cycles survive a run: dropping it frees every record by reference counting
    (waiting for the collector cost a fifth of a short forecast replication). Run in a fresh
    process, so no other thread's garbage is counted."""
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-c", FREED, str(Path(__file__).parent)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    freed, garbage = done.stdout.split()
    assert freed == "True", "the simulation is kept alive by a reference cycle"
    # SimPy's Environment binds its event classes to itself: a handful of objects, not the
    # replication's thousands of records and patients
    assert int(garbage) < 20, f"a replication left cyclic garbage behind ({garbage} objects)"
