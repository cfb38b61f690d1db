"""Instants in and out of the store: tz-aware UTC outside, naive UTC in the database.

Every time the store returns is a tz-aware UTC ``datetime`` (or ``datetime64[ns, UTC]`` in
frames); every time it is given may be a ``datetime``, a ``pandas.Timestamp`` or ISO 8601 text.
An instant with no zone is read as UTC in the Python API (the CLI reads it in the layout's
zone first, see :func:`parse_user_time`).
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from hospitaltwin.core.errors import HospitaltwinError


def utc(value: object, what: str = "time") -> datetime:
    """A tz-aware UTC ``datetime`` from a datetime, Timestamp or ISO text (naive = UTC)."""
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise HospitaltwinError(f"{what} {value!r} is not a time; use ISO 8601 such as "
                                "2024-03-01T08:00 or 2024-03-01T08:00+01:00") from None
    if stamp is pd.NaT:
        raise HospitaltwinError(f"{what} is missing")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.floor("us").to_pydatetime()  # the database keeps microseconds


def to_db(value: datetime) -> datetime:
    """Naive UTC, as stored."""
    return utc(value).replace(tzinfo=None)


def from_db(value: datetime | None) -> datetime | None:
    """A stored naive UTC value as tz-aware UTC."""
    return None if value is None else value.replace(tzinfo=timezone.utc)


def column_to_db(values) -> list:
    """A ``datetime64[ns, UTC]`` series as naive UTC datetimes (None for NaT), for inserts."""
    naive = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return [None if v is None or v != v else v for v in naive.astype(object)]


def column_from_db(values) -> "object":
    """Stored naive UTC values (datetimes or None) as a ``datetime64[ns, UTC]`` series."""
    import pandas as pd

    return pd.to_datetime(pd.Series(values, dtype=object), utc=True).astype("datetime64[ns, UTC]")


def hours_between(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """``later - earlier`` in hours for two ``datetime64`` arrays."""
    return (later - earlier) / np.timedelta64(1, "h")


def parse_user_time(text: str, zone: str = "UTC") -> datetime:
    """A CLI ``--at``: ISO 8601 with an offset, or naive in ``zone``; returned in UTC."""
    import pandas as pd

    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if stamp is pd.NaT:
        raise HospitaltwinError(f"--at {text!r} is not a time; use ISO 8601 such as "
                                "2024-03-01T08:00 (local to the layout, else UTC) or "
                                "2024-03-01T08:00+01:00")
    if stamp.tzinfo is None:
        try:
            stamp = stamp.tz_localize(zone, ambiguous="raise", nonexistent="raise")
        except Exception:  # noqa: BLE001  (pytz/zoneinfo raise various types)
            raise HospitaltwinError(f"--at {text!r} does not exist or is ambiguous in {zone} "
                                    "(a daylight-saving change); give it with an offset") from None
    return stamp.tz_convert("UTC").floor("us").to_pydatetime()
