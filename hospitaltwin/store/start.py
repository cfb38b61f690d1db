"""Where a run starts: empty after its warm-up, or from the state store's picture of the hospital.

A scenario's ``run.start`` is ``empty`` (the run fills the hospital during its ``warmup``) or
names a state store and a time (``start: {store: sqlite:///twin.db, at: 2024-03-01T08:00}``,
the last event when ``at`` is left out; a time without an offset is the layout's local time).
Every verb that can start from a store (run, compare, the optimisers) and every library caller
goes through this module, so they agree on the recipe: the state is the store's
:meth:`~hospitaltwin.store.store.Store.state_at` that time, and the scenario then runs with no
warm-up and its calendar origin at the state's local time, so rosters, hour-of-week profiles
and dated changes follow the real calendar. A store or time the caller gives (``--store``,
``--at``) overrides the scenario's.
"""

from __future__ import annotations

import re
from datetime import datetime

from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.durations import local_origin
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.state import SystemState
from hospitaltwin.experiment.replicate import with_run


def store_state(scenario: Scenario, store_url: str | None = None,
                at: datetime | None = None) -> tuple[SystemState | None, str | None]:
    """The synced state to start from, and the URL of its store.

    Parameters
    ----------
    scenario
        The scenario; its ``run.start`` names the store and time when the caller does not.
    store_url
        A store that overrides ``run.start``'s.
    at
        The time of the state (tz-aware, or naive in the layout's zone); ``None``: the
        scenario's ``run.start.at`` when it names the store, else the store's last event.

    Returns
    -------
    tuple
        ``(state, store_url)``, or ``(None, None)`` when neither the caller nor the scenario
        names a store.
    """
    start = scenario.run.start
    if store_url is None and start != "empty":
        store_url = start.store
        if at is None and start.at is not None:
            from hospitaltwin.store.times import parse_user_time

            at = parse_user_time(start.at, scenario.layout.timezone)
    if store_url is None:
        if at is not None:
            raise HospitaltwinError("--at needs --store: the time is looked up in the state store")
        return None, None
    from hospitaltwin.store.store import Store

    if at is not None and at.tzinfo is None:
        from zoneinfo import ZoneInfo

        at = at.replace(tzinfo=ZoneInfo(scenario.layout.timezone))
    return Store.open_existing(store_url).state_at(at, scenario.layout), store_url


def from_state(scenario: Scenario, state: SystemState, horizon_h: float | None = None) -> Scenario:
    """``scenario`` as run from ``state``: no warm-up, the calendar from the state's local time.

    Parameters
    ----------
    scenario
        The scenario to run.
    state
        The state it starts from.
    horizon_h
        A new horizon in hours (``None``: the scenario's).

    Returns
    -------
    Scenario
        A copy with ``warmup`` 0, ``origin`` the state's time in the layout's zone and, when
        given, the new horizon.
    """
    origin = local_origin(state.as_of, scenario.layout.timezone)
    return with_run(scenario, warmup="0h", horizon=_hours(horizon_h), origin=origin.isoformat())


def warm_start(scenario: Scenario, store_url: str | None = None,
               at: datetime | None = None) -> tuple[Scenario, SystemState | None, str | None]:
    """The scenario as it runs from where it starts, the state it starts from, and the store.

    With no store (neither ``store_url`` nor ``run.start``), the scenario is returned as it is
    and the state is ``None``: the run starts empty and fills the hospital during its warm-up.
    Otherwise the state is :func:`store_state`'s and the scenario :func:`from_state`'s.

    Returns
    -------
    tuple
        ``(scenario, state, store_url)``.
    """
    state, store_url = store_state(scenario, store_url, at)
    if state is None:
        return scenario, None, None
    return from_state(scenario, state), state, store_url


def _hours(hours: float | None) -> str | None:
    return None if hours is None else f"{hours}h"


def safe_url(url: str) -> str:
    """A store URL without its password, for provenance and messages."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def provenance(state: SystemState | None, store_url: str | None) -> dict[str, str]:
    """What a result records of where it started: the store (no password) and the state's time.

    Empty for a run that starts empty.
    """
    if state is None or store_url is None:
        return {}
    return {"store": safe_url(store_url), "as_of": state.as_of.isoformat()}
