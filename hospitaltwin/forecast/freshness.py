"""How old the state a forecast starts from is, and whether to trust it.

A forecast is only as fresh as its state. The state's age is the time from its last event
(event mode; 0 when later events exist) or from the end of its last day of counts (counts
mode) to the forecast time (``--at``) or, without one, to now. Past ``stale_after_h`` (24 h
by default) the forecast carries a warning; past ``stale_limit_h`` (7 days by default) it is
refused unless ``allow_stale`` — a forecast from last week's census says little about today.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hospitaltwin.core.durations import format_hours
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.state import SystemState


def last_data_time(state: SystemState, at: datetime | None) -> datetime | None:
    """When the data behind ``state`` ends (None when the state does not say)."""
    notes = state.notes
    if notes.get("source") == "counts" and "day" in notes:
        day = datetime.fromisoformat(notes["day"]).replace(tzinfo=state.as_of.tzinfo)
        return day + timedelta(days=1)
    if "last_event" not in notes:
        return None
    last = datetime.fromisoformat(notes["last_event"])
    if last.tzinfo is None:
        last = last.replace(tzinfo=state.as_of.tzinfo)
    return min(last, state.as_of) if at is not None else last


def check_fresh(state: SystemState, at: datetime | None, options, now: datetime) -> dict:
    """``{"age_h", "stale", "warnings"}`` for ``state``; raise past the hard limit.

    Raises
    ------
    HospitaltwinError
        When the state is older than ``options.stale_limit_h`` and ``options.allow_stale``
        is false.
    """
    last = last_data_time(state, at)
    if last is None:
        return {"age_h": None, "stale": False, "warnings": []}
    reference = state.as_of if at is not None else now
    age = max((reference - last) / timedelta(hours=1), 0.0)
    what = "last day of counts" if state.notes.get("source") == "counts" else "last event"
    moment = "the forecast time" if at is not None else "now"
    told = (f"the state is {_age_text(age)} old: its {what} ends {last.isoformat()}, "
            f"{moment} is {reference.isoformat(timespec='minutes')}")
    if age > options.stale_limit_h and not options.allow_stale:
        raise HospitaltwinError(f"{told}; that is past the limit of "
                                f"{format_hours(options.stale_limit_h)}. Sync newer data, or "
                                "pass --allow-stale to forecast from it anyway")
    stale = age > options.stale_after_h
    return {"age_h": round(age, 2), "stale": stale, "warnings": [f"stale state: {told}"] if stale else []}


def _age_text(hours: float) -> str:
    """``5h``, ``3 days``, ``1,846 days``: whole hours up to two days, whole days beyond."""
    if hours < 48:
        return format_hours(round(hours))
    return f"{hours / 24:,.0f} days"
