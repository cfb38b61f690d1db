"""Instants in and out of the store: tz-aware UTC outside, naive UTC in the database.

Every time the store returns is a tz-aware UTC ``datetime`` (or ``datetime64[ns, UTC]`` in
frames); every time it is given may be a ``datetime``, a ``pandas.Timestamp`` or ISO 8601 text.
An instant with no zone is read as UTC in the Python API (the CLI reads it in the layout's
zone first, see :func:`parse_user_time`).
"""

from __future__ import annotations

from datetime import UTC, datetime

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
    return None if value is None else value.replace(tzinfo=UTC)


def column_to_db(values) -> list:
    """A ``datetime64[ns, UTC]`` series as naive UTC datetimes (None for NaT), for inserts."""
    import pandas as pd

    naive = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return [None if v is None or pd.isna(v) else v for v in naive.astype(object)]


def column_from_db(values) -> object:
    """Stored naive UTC values (datetimes or None) as a ``datetime64[ns, UTC]`` series."""
    import pandas as pd

    return pd.to_datetime(pd.Series(values, dtype=object), utc=True).astype("datetime64[ns, UTC]")


def parse_user_time(text: str, zone: str = "UTC", what: str = "--at") -> datetime:
    """A user's time (``--at``): ISO 8601 with an offset, or naive in ``zone``; returned in UTC.

    This is the one parser of times typed by a user, used by every command. A naive time that
    does not exist in ``zone`` (skipped when clocks go forward) is refused; so is one that
    exists twice (when clocks go back): the message names both readings, with their offsets,
    so the user can give the one meant.

    Raises
    ------
    HospitaltwinError
        When the text is not a time, or is a nonexistent or ambiguous local time.
    """
    import pandas as pd

    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if stamp is pd.NaT:
        raise HospitaltwinError(f"{what} {text!r} is not a time; use ISO 8601 such as "
                                "2024-03-01T08:00 (local to the layout, else UTC) or "
                                "2024-03-01T08:00+01:00")
    if stamp.tzinfo is None:
        stamp = _localise(stamp, zone, f"{what} {text!r}")
    return stamp.tz_convert("UTC").floor("us").to_pydatetime()


def _localise(stamp, zone: str, what: str):
    """A naive Timestamp in ``zone``, refusing nonexistent and ambiguous wall-clock times."""
    from zoneinfo import ZoneInfo

    naive = stamp.to_pydatetime()
    readings = [naive.replace(tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)
                for fold in (0, 1)]
    exists = [r.astimezone(ZoneInfo(zone)) for r in dict.fromkeys(readings)
              if r.astimezone(ZoneInfo(zone)).replace(tzinfo=None) == naive]
    if not exists:
        raise HospitaltwinError(f"{what} does not exist in {zone}: the clocks skip it "
                                "(daylight saving); give a time outside the gap or with its offset")
    offsets = [r.isoformat(timespec="minutes") for r in exists]
    if len(offsets) > 1:
        raise HospitaltwinError(f"{what} is ambiguous in {zone} (clocks go back): it is "
                                f"{' or '.join(offsets)}; give the one meant with its offset")
    import pandas as pd

    return pd.Timestamp(exists[0].astimezone(UTC))
