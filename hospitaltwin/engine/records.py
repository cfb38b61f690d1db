"""The engine's records, declared once: the layout of a stay row and how a stay ends.

Every bed request a simulation makes is one flat, mutable row (a list, for speed) of
:data:`STAY_FIELDS`; ``PID`` … ``OUTCOME`` are the positions. A row's outcome is the index of
the unit the patient moves on to (>= 0) or an :class:`Outcome` (negative). A device episode is
a tuple of :data:`DEVICE_FIELDS`. The tables (:mod:`~hospitaltwin.engine.tables`) label
outcomes with :data:`OUTCOME_LABELS`. The event loop uses plain ``int`` copies of the codes
and positions: an enum member indexes a list and compares about a third slower.
"""

from __future__ import annotations

from enum import IntEnum

STAY_FIELDS = ("pid", "stream", "unit", "intended", "source", "arrive", "start", "ready", "end", "outcome")
"""A stay row: patient, arrival stream (-1: in the start state), unit lain in, unit intended,
request source, request time, admission, ready to leave, end, outcome (times in run hours)."""

PID, STREAM, UNIT, INTENDED, SOURCE, ARRIVE, START, READY, END, OUTCOME = range(len(STAY_FIELDS))

DEVICE_FIELDS = ("pool", "pid", "unit", "start", "end", "met")
"""A device episode: pool, patient, unit, start, end, whether a device was free."""


class Outcome(IntEnum):
    """How a stay or bed request ended, when not by moving on to another unit."""

    DISCHARGE = -1
    DEATH = -2
    TRANSFER_OUT = -3
    """Diverted from a later unit while in a bed here: left for another hospital."""
    DIVERTED = -4
    IN_CARE = -5
    """Still in a bed at the horizon."""
    WAITING = -6
    """Still waiting for a bed at the horizon."""
    LEFT = -7
    """Gave up waiting (left without being seen)."""


OUTCOME_LABELS = tuple(o.name.lower() for o in sorted(Outcome, reverse=True))
"""Labels of the outcome codes -1, -2, … in that order."""

DISCHARGE, DEATH, TRANSFER_OUT, DIVERTED, IN_CARE, WAITING, LEFT = (o.value for o in sorted(Outcome, reverse=True))
