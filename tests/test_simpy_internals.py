"""The SimPy internals the engine relies on are there, in the pinned SimPy series.

``engine/model.py`` schedules ``Timeout`` events straight onto ``Environment._queue`` with
``_eid`` and runs its own loop; ``pyproject.toml`` pins SimPy to the series this is tested
with. This test names what would break first on another SimPy, with a clear message.
"""

from __future__ import annotations

from importlib import metadata

import simpy
from simpy.events import NORMAL, Timeout

from hospitaltwin.engine.loop import later, run_until


def test_simpy_is_in_the_pinned_series():
    major, minor = (int(x) for x in metadata.version("simpy").split(".")[:2])
    assert (major, minor) == (4, 1), "the engine uses SimPy internals; test a new series before widening the pin"


def test_the_engine_schedules_and_runs_timeouts_as_simpy_would():
    env, seen = simpy.Environment(), []
    assert hasattr(env, "_queue") and hasattr(env, "_eid") and isinstance(NORMAL, int)
    later(env, 2.0, "b", lambda e: seen.append((env.now, e._value)))
    later(env, 1.0, "a", lambda e: seen.append((env.now, e._value)))
    event = Timeout(env, 1.5, "simpy's own")
    event.callbacks.append(lambda e: seen.append((env.now, e.value)))
    run_until(env, 3.0)
    assert seen == [(1.0, "a"), (1.5, "simpy's own"), (2.0, "b")] and env.now == 3.0
