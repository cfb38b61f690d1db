"""The hospital's calendar: run hours and time stamps as local dates, for axes and for sentences.

A run's clock is hours from its ``origin``, a naive date-time in the layout's time zone
(docs/concepts.md); the engine adds hours to it on the wall clock, and so does the report. A
forecast's ``time`` column is ISO 8601 with an offset; it is converted to the layout's zone
and drawn as local wall-clock time. Axes are labelled with the zone so a chart never leaves
the reader to guess whose midnight a day starts at, and a moment in a sentence is written in
the hospital's time with its zone's abbreviation (``Sun 6 Jul 2025, 23:58 CDT``); the zone's
name is given once per page.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from hospitaltwin.core.errors import HospitaltwinError


def parse_origin(text: str, where: str) -> datetime:
    """The run's calendar origin as a naive local date-time."""
    try:
        origin = datetime.fromisoformat(str(text))
    except ValueError:
        raise HospitaltwinError(f"{where}: origin {text!r} is not an ISO 8601 date-time") from None
    return origin.replace(tzinfo=None)


def run_dates(origin: datetime, hours: np.ndarray) -> np.ndarray:
    """Matplotlib date numbers of run hours (local wall clock)."""
    return mdates.date2num(origin) + np.asarray(hours, dtype=float) / 24.0


def day_index(origin: datetime, hours: np.ndarray) -> np.ndarray:
    """Local calendar day of each run hour, counted from the origin's day (0)."""
    offset = origin.hour + origin.minute / 60 + origin.second / 3600
    return np.floor((np.asarray(hours, dtype=float) + offset) / 24.0).astype(np.int64)


def day_labels(origin: datetime, days: np.ndarray) -> list[str]:
    """ISO dates of local day indices."""
    first = pd.Timestamp(origin.date())
    return [(first + pd.Timedelta(days=int(d))).strftime("%Y-%m-%d") for d in days]


def local_times(stamps: pd.Series, timezone: str, where: str) -> pd.Series:
    """ISO 8601 stamps (with offsets) as naive local wall-clock times in ``timezone``."""
    try:
        parsed = pd.to_datetime(stamps, utc=True, format="ISO8601")
        return parsed.dt.tz_convert(timezone).dt.tz_localize(None)
    except (ValueError, TypeError) as exc:
        raise HospitaltwinError(f"{where}: column 'time' has a value that is not an ISO 8601 time ({exc})") from None


def date_axis(ax, label: str) -> None:
    """Concise local date ticks and an axis label naming the zone."""
    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))
    ax.set_xlabel(label)


def span_text(start: datetime, end: datetime) -> str:
    """``1 Jan 2024 – 31 Mar 2024`` for titles."""
    return f"{start:%-d %b %Y} – {end:%-d %b %Y}"


def zone(timezone: str):
    """The ``ZoneInfo`` of ``timezone`` (UTC when it is unknown)."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_moment(text, timezone: str) -> datetime | None:
    """An ISO 8601 moment (with an offset, or naive local) as an aware local time; None if unreadable."""
    if text is None or text == "":
        return None
    try:
        moment = text if isinstance(text, datetime) else datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone(timezone))
    return moment.astimezone(zone(timezone))


def moment_text(moment: datetime, year: bool = True) -> str:
    """``Sun 6 Jul 2025, 23:58 CDT`` (local, with the zone's abbreviation)."""
    day = f"{moment:%a} {moment.day} {moment:%b}" + (f" {moment:%Y}" if year else "")
    abbreviation = moment.tzname() or ""
    return f"{day}, {moment:%H:%M}" + (f" {abbreviation}" if abbreviation else "")


def when_text(text, timezone: str, year: bool = True) -> str:
    """An ISO 8601 moment written for people in the hospital's time; the text itself if unreadable."""
    moment = local_moment(text, timezone)
    return moment_text(moment, year) if moment is not None else str(text)


def zone_note(timezone: str) -> str:
    """``times are local to the hospital (America/Chicago)``."""
    return f"times are local to the hospital ({timezone})"
