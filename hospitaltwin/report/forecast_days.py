"""The local days a forecast covers, whole or in part, for its day-by-day risks.

``daily.csv`` gives, per resource and local date, the probability of reaching capacity at any
moment of that date within the forecast. A forecast made at 23:58 covers its first date for
two minutes; that column is not a day's risk and is not shown as one. Each date's coverage is
the part of it between the forecast's first hour and the end of its last: dates covered for
less than :data:`MIN_HOURS` are left out, dates covered in part are labelled with the hours
they cover (``Mon 7 Jul from 14:00``), whole days by their date alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import matplotlib.dates as mdates
import pandas as pd

from hospitaltwin.report.clock import local_times
from hospitaltwin.report.load import Result

MIN_HOURS = 1.0
WHOLE = 23.0  # a date covered for this long is a whole day (a day of 23 h when the clocks go forward)


@dataclass(frozen=True)
class Day:
    """One local date of a forecast: its coverage in hours and how it is labelled."""

    date: str
    hours: float
    label: str
    start: datetime
    end: datetime

    @property
    def whole(self) -> bool:
        """Whether the forecast covers the whole day."""
        return self.hours >= WHOLE


def _span(result: Result) -> tuple[datetime, datetime]:
    """The forecast's first hour and the end of its last, as naive local times."""
    frame = result.tables["forecast"]
    if "_x" in frame:
        x = frame["_x"].to_numpy()
    else:
        x = mdates.date2num(local_times(frame["time"], result.timezone, "forecast.csv").to_numpy())
    first, last = (mdates.num2date(v).replace(tzinfo=None) for v in (x.min(), x.max()))
    return first, last + timedelta(hours=1)


def forecast_days(result: Result) -> list[Day]:
    """Every date of ``daily.csv`` covered for at least :data:`MIN_HOURS`, in order."""
    start, end = _span(result)
    out = []
    for date in sorted(set(result.tables["daily"]["date"])):
        midnight = pd.Timestamp(date).to_pydatetime()
        lo, hi = max(start, midnight), min(end, midnight + timedelta(days=1))
        hours = (hi - lo) / timedelta(hours=1)
        if hours < MIN_HOURS:
            continue
        label = f"{midnight:%a} {midnight.day} {midnight:%b}"
        if hours < WHOLE:
            label += f" from {lo:%H:%M}" if lo > midnight else f" until {hi:%H:%M}"
        out.append(Day(date, hours, label, lo, hi))
    return out


def dropped_days(result: Result) -> list[str]:
    """Dates in ``daily.csv`` left out because the forecast covers less than an hour of them."""
    shown = {d.date for d in forecast_days(result)}
    return [d for d in sorted(set(result.tables["daily"]["date"])) if d not in shown]
