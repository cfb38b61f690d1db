"""Reading event times: ISO 8601 text (or Parquet datetimes) to UTC, with the reason a time fails.

:func:`read_times` is what validation uses. A value with an offset keeps its instant; a naive
one is read in the given zone. A time is *usable* only when it parses, lies between 1900 and a
given latest time, normally one day after now (anything else is a typing or export error, such
as year 9999 or 0001; :func:`latest_plausible`), and exists on the local clock (a naive time in
the hour skipped when clocks go forward does not). Each unusable value gets a readable reason;
validation quarantines its row as ``bad_timestamp``.

Naive times in the hour repeated when clocks go back are *ambiguous*. They are resolved by
``ambiguous``: ``earliest`` (the first pass, summer time), ``latest`` (the second pass), or
``order`` (the default): within one input file and one patient, in row order, the times are the
first pass until one steps back in the repeated hour, and the second pass from there on. Their
number is reported. :func:`parse_timestamps` is the plain form readers use to order their own
records (unusable values become NaT).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hospitaltwin.core.errors import HospitaltwinError

AMBIGUOUS = ("order", "earliest", "latest")
#: The earliest plausible event time.
EARLIEST = pd.Timestamp("1900-01-01", tz="UTC")
#: The last time an event log may hold (the limit of nanosecond timestamps).
LAST_STORABLE = pd.Timestamp("2262-04-11", tz="UTC")
FUTURE_SLACK = pd.Timedelta(days=1)
WORK_DTYPE = "datetime64[us, UTC]"  # covers years 1..9999, unlike nanoseconds
_OFFSET = re.compile(r"(?:[Zz]|[+-]\d\d(?::?\d\d)?)$")


@dataclass(frozen=True)
class Times:
    """Parsed times: UTC instants (NaT where unusable), the reason of each unusable one,
    and how many ambiguous local times were resolved."""

    values: pd.Series
    reasons: pd.Series
    ambiguous: int = 0


def check_timezone(tz: str) -> str:
    """Return ``tz`` if it names a zone, else raise a :class:`HospitaltwinError`."""
    try:
        pd.Timestamp("2020-01-01").tz_localize(tz)
    except Exception:  # noqa: BLE001  (zoneinfo/pytz raise various types)
        raise HospitaltwinError(f"unknown timezone {tz!r} (use an IANA name such as "
                                "'Europe/Amsterdam' or 'UTC')") from None
    return tz


def check_ambiguous(choice: str) -> str:
    """Return ``choice`` if it is one of :data:`AMBIGUOUS`, else raise."""
    if choice not in AMBIGUOUS:
        raise HospitaltwinError(f"--ambiguous must be one of {', '.join(AMBIGUOUS)} "
                                f"(got {choice!r})")
    return choice


def read_times(values: pd.Series, tz: str = "UTC", ambiguous: str = "order",
               groups: pd.Series | None = None, latest: pd.Timestamp | pd.Series | None = None,
               shown=None) -> Times:
    """Parse event times and say why each unusable one cannot be used.

    Parameters
    ----------
    values : pandas.Series
        ISO 8601 text, or datetimes (from Parquet; naive ones are local).
    tz : str
        Zone of naive values.
    ambiguous : str
        ``order``, ``earliest`` or ``latest`` (see the module doc).
    groups : pandas.Series, optional
        Key of each row's patient within its input, for ``order`` (default: one group).
    latest : pandas.Timestamp or pandas.Series, optional
        The latest plausible time (of each row): :func:`latest_plausible` for exports. None
        for events already validated (only the years that can be stored are checked).
    shown : callable, optional
        Maps a column of text to what may be quoted in a reason (masks identifiers).

    Returns
    -------
    Times
        ``values`` as ``datetime64[ns, UTC]``.
    """
    aware, aware_values, naive_values = _split(values)
    out = pd.Series(pd.NaT, index=values.index, dtype=WORK_DTYPE)
    reasons = pd.Series(pd.NA, index=values.index, dtype=pd.StringDtype())
    if len(aware_values):
        out[aware] = aware_values
    count = 0
    if len(naive_values):
        keys = None if groups is None else groups[naive_values.index]
        utc, count, gap = _localise(naive_values, tz, ambiguous, keys)
        out[utc.index] = utc
        missing = gap[gap].index
        reasons[missing] = ("local time '" + values[missing].astype(str) + f"' does not exist in "
                            f"{tz} (clocks went forward)")
    _explain(values, out, reasons, latest, shown)
    out = out.mask(reasons.notna())
    return Times(out.astype("datetime64[ns, UTC]"), reasons, count)


def latest_plausible(now: pd.Timestamp | None = None) -> pd.Timestamp:
    """One day after ``now`` (default: the clock): later event times are implausible."""
    return (pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)) + FUTURE_SLACK


def parse_timestamps(values: pd.Series, tz: str = "UTC") -> pd.Series:
    """Usable times of ``values`` in UTC (``datetime64[ns, UTC]``), NaT for the others.

    Ambiguous local times are read as the first pass (summer time).
    """
    return read_times(values, tz, "earliest").values


def parse_naive(text: pd.Series) -> pd.Series:
    """ISO 8601 text as naive ``datetime64[us]`` (offsets dropped), NaT where unreadable;
    for readers that order a table's own times (all in one zone)."""
    text = text.astype(pd.StringDtype())
    present = text.notna().to_numpy(dtype=bool)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    if present.any():
        out[present] = _to_datetime(text[present], utc=False)
    return out


def _split(values: pd.Series) -> tuple[np.ndarray, pd.Series, pd.Series]:
    """(mask of values with an offset, those as UTC, the naive ones) of text or datetimes."""
    if values.dtype.kind == "M":
        if values.dt.tz is None:
            return np.zeros(len(values), bool), values.iloc[:0], values.astype("datetime64[us]")
        return np.ones(len(values), bool), values.astype(WORK_DTYPE), values.iloc[:0]
    text = values.astype(pd.StringDtype())
    present = text.notna()
    has_offset = present & text.str.contains(_OFFSET, regex=True).fillna(False).astype(bool)
    naive = (present & ~has_offset).to_numpy(dtype=bool)
    aware = has_offset.to_numpy(dtype=bool)
    return aware, _to_datetime(text[aware], utc=True), _to_datetime(text[naive], utc=False)


def _to_datetime(text: pd.Series, utc: bool) -> pd.Series:
    """``pd.to_datetime`` of ISO text at microsecond resolution, coercing failures."""
    dtype = WORK_DTYPE if utc else "datetime64[us]"
    if text.empty:
        return pd.Series(dtype=dtype)
    values = text.astype(object)
    try:
        parsed = pd.to_datetime(values, format="ISO8601", utc=utc, errors="coerce")
        if not utc and getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        return parsed.astype(dtype)
    except (ValueError, OverflowError, TypeError):
        return pd.Series([_one(v, utc) for v in values], index=text.index, dtype=dtype)


def _one(value: object, utc: bool):
    """One value parsed alone (the slow path, when a column mixes shapes pandas rejects)."""
    try:
        stamp = pd.to_datetime(value, format="ISO8601", utc=utc)
    except (ValueError, OverflowError, TypeError):
        return pd.NaT
    if pd.isna(stamp):
        return pd.NaT
    if not utc and stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.as_unit("us")


def _localise(naive: pd.Series, tz: str, ambiguous: str, groups: pd.Series | None):
    """(UTC values, number of ambiguous values, mask of nonexistent ones) of local times."""
    if tz == "UTC":
        return naive.dt.tz_localize("UTC"), 0, pd.Series(False, index=naive.index)
    first = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    unclear = first.isna() & naive.notna()
    if not unclear.any():
        return first.dt.tz_convert("UTC"), 0, unclear
    rows = naive[unclear]
    summer = rows.dt.tz_localize(tz, ambiguous=np.ones(len(rows), bool), nonexistent="NaT")
    gap = pd.Series(False, index=naive.index)
    gap[rows.index] = summer.isna().to_numpy()
    doubled = rows[summer.notna().to_numpy()]
    dst = _first_pass(doubled, ambiguous, None if groups is None else groups[doubled.index])
    first[doubled.index] = doubled.dt.tz_localize(tz, ambiguous=dst, nonexistent="NaT")
    return first.dt.tz_convert("UTC"), len(doubled), gap


def _first_pass(times: pd.Series, ambiguous: str, groups: pd.Series | None) -> np.ndarray:
    """Whether each ambiguous local time is the first pass through the repeated hour."""
    if ambiguous != "order":
        return np.full(len(times), ambiguous == "earliest")
    keys = pd.Series(0, index=times.index) if groups is None else groups.astype(str)
    frame = pd.DataFrame({"key": keys.to_numpy(), "day": times.dt.date.to_numpy(),
                          "t": times.to_numpy()}, index=times.index)
    step_back = frame["t"] < frame.groupby(["key", "day"], sort=False)["t"].shift()
    second = step_back.groupby([frame["key"], frame["day"]], sort=False).cummax()
    return ~second.to_numpy(dtype=bool)


def _explain(values: pd.Series, utc: pd.Series, reasons: pd.Series, latest, shown) -> None:
    """Fill in the reason of every value that is unreadable or implausible."""
    text = values.astype(pd.StringDtype()) if values.dtype.kind != "M" else \
        values.astype(str).astype(pd.StringDtype())
    open_ = reasons.isna()
    early = open_ & (utc < EARLIEST).fillna(False)
    late = open_ & ((utc > latest).fillna(False) if latest is not None else False)
    beyond = open_ & ~late & (utc > LAST_STORABLE).fillna(False)
    bad = open_ & utc.isna() & values.notna()
    flagged = bad | early | beyond | late
    if shown is not None and flagged.any():
        text = text.copy()
        text[flagged] = shown(text[flagged])
    reasons[bad] = "bad timestamp '" + text[bad] + "' (not an ISO 8601 date and time)"
    reasons[early] = "implausible timestamp '" + text[early] + "': before 1900"
    reasons[beyond] = "implausible timestamp '" + text[beyond] + "': after 2262 (cannot be stored)"
    if late.any():
        limits = latest if isinstance(latest, pd.Series) else pd.Series(latest, index=utc.index)
        limit = limits[late]
        reasons[late] = ("implausible timestamp '" + text[late] + "': more than a day in the "
                         "future (after " + limit.dt.strftime("%Y-%m-%d %H:%M") + " UTC)")
