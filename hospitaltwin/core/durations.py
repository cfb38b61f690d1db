"""Durations with units (``90min``, ``6h``, ``4.5d``, ``2w``) and absolute times.

All engine clocks are in hours from scenario start, so every duration is parsed to hours.
A bare number is refused: in a hospital file ``4`` could mean hours or days, and guessing
wrong by a factor of 24 is the worst kind of silent error.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from hospitaltwin.core.errors import quote

HOURS_PER_UNIT = {
    "s": 1 / 3600, "sec": 1 / 3600,
    "min": 1 / 60, "m": 1 / 60,
    "h": 1.0, "hr": 1.0, "hrs": 1.0,
    "d": 24.0, "day": 24.0, "days": 24.0,
    "w": 168.0, "wk": 168.0, "week": 168.0, "weeks": 168.0,
}
_PART = r"(\d+(?:\.\d*)?|\.\d+)\s*([a-z]+)"
_DURATION = re.compile(rf"^([+-]?)\s*((?:{_PART}\s*)+)$")
DURATION_CHARS = 40
"""The longest duration text read ("7h30min" is 7): longer text is refused before any matching."""


def parse_duration(text: object) -> float:
    """Return a duration string such as ``"4.5d"`` in hours.

    Raises
    ------
    ValueError
        With a message saying what was expected, for a bare number or an unknown unit.
    """
    if isinstance(text, bool) or not isinstance(text, str):
        raise ValueError(
            f"expected a duration with a unit such as '90min', '6h', '4.5d' or '2w', got {quote(text)}"
        )
    match = _match(text)
    parts = re.findall(_PART, match.group(2)) if match else []
    if not parts or any(unit not in HOURS_PER_UNIT for _, unit in parts):
        raise ValueError(
            f"expected a duration with a unit (min, h, d, w) such as '6h', '4.5d' or '7h30min', got {quote(text)}"
        )
    total = sum(float(number) * HOURS_PER_UNIT[unit] for number, unit in parts)
    if not math.isfinite(total):
        raise ValueError(f"a duration must be a finite number of hours, got {quote(text)}")
    return -total if match.group(1) == "-" else total


def _match(text: str) -> re.Match | None:
    """The duration pattern on short text only (no pathological input reaches the regex)."""
    text = text.strip().lower()
    return _DURATION.match(text) if len(text) <= DURATION_CHARS else None


def format_hours(hours: float) -> str:
    """Format hours back into the shortest exact duration string (``36.0`` -> ``"1.5d"``)."""
    if hours == 0:
        return "0h"
    for unit, size in (("w", 168.0), ("d", 24.0), ("h", 1.0)):
        value = hours / size
        if abs(value) >= 1 and abs(value - round(value, 3)) < 1e-9:
            return f"{_plain(value)}{unit}"
    return f"{_plain(hours * 60)}min"


def _plain(value: float) -> str:
    """A number to three decimals without an exponent (``1e+05`` would not parse back)."""
    return f"{round(value, 3):.3f}".rstrip("0").rstrip(".")


def parse_datetime(text: object) -> datetime:
    """Parse an ISO 8601 date or date-time (``2024-03-01`` or ``2024-03-01T07:00``)."""
    if isinstance(text, datetime):
        return text
    if hasattr(text, "isoformat") and not isinstance(text, str):  # a date from YAML
        return datetime.fromisoformat(text.isoformat())
    if not isinstance(text, str):
        raise ValueError(f"expected an ISO 8601 date or date-time, got {quote(text)}")
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"expected an ISO 8601 date or date-time, got {quote(text)}") from None


def offset_hours(value: object, origin: datetime) -> float:
    """A point in time as hours from ``origin``: a duration offset, or an absolute date-time."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"expected a duration such as '10d' or a date, got {quote(value)}")
    if isinstance(value, str) and _match(value):
        return parse_duration(value)
    moment = parse_datetime(value)
    if (moment.tzinfo is None) != (origin.tzinfo is None):
        moment = moment.replace(tzinfo=origin.tzinfo)
    return (moment - origin) / timedelta(hours=1)


def local_origin(as_of: datetime, timezone: str) -> datetime:
    """``as_of`` as a naive date-time in the layout's zone (naive input is taken as local)."""
    if as_of.tzinfo is None:
        return as_of
    from zoneinfo import ZoneInfo  # imported on use: most runs never need a time zone

    return as_of.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
