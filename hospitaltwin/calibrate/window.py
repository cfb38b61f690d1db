"""The calibration window: which stays and episodes count, and which are right-censored.

Calibration looks at ``[since, until]``. A stay counts when it starts inside the window;
stays that started earlier are left out rather than left-truncated, so every duration is
measured from its true start. A stay still open at ``until`` (no end, or an end after it) is
right-censored there: its duration runs to ``until``, it is marked not ``observed`` and its
``next`` is unknown. Equipment episodes are treated the same way. ``since`` defaults to the
earliest start in the data and ``until`` to the log's last timestamp (``attrs["log_end"]``),
or the latest timestamp present when that is missing.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from hospitaltwin.core.errors import HospitaltwinError

STAY_COLUMNS = ("patient_id", "unit", "start", "end", "next", "entry")
EPISODE_COLUMNS = ("patient_id", "unit", "equipment", "start", "end")
_HOUR = pd.Timedelta(hours=1)


def as_utc(
    value: str | date | datetime | pd.Timestamp | None, timezone: str
) -> pd.Timestamp | None:
    """A point in time as a UTC timestamp; naive values are read in ``timezone``."""
    if value is None:
        return None
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(timezone)
    return stamp.tz_convert("UTC")


def utc_column(values: pd.Series) -> pd.Series:
    """A timestamp column as tz-aware UTC (naive values are taken to be UTC already)."""
    values = pd.to_datetime(values)
    if values.dt.tz is None:
        return values.dt.tz_localize("UTC")
    return values.dt.tz_convert("UTC")


def require(frame: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    """Raise a clear error naming the columns ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise HospitaltwinError(f"{what} lack the column(s) {', '.join(missing)}")


def resolve_window(
    stays: pd.DataFrame,
    episodes: pd.DataFrame | None,
    since,
    until,
    timezone: str,
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The window ``(since, until)`` in UTC, defaults filled from the data.

    Raises
    ------
    HospitaltwinError
        When there is nothing to calibrate from or the window is empty.
    """
    frames = [stays] + ([episodes] if episodes is not None and len(episodes) else [])
    starts = pd.concat([utc_column(f["start"]) for f in frames]).dropna()
    if starts.empty:
        raise HospitaltwinError("no stays to calibrate from")
    lo = as_utc(since, timezone) or starts.min()
    hi = as_utc(until, timezone) or _log_end(frames)
    if hi <= lo:
        raise HospitaltwinError(
            f"the calibration window is empty: since {lo} is not before until {hi}"
        )
    return lo, hi


def _log_end(frames: list[pd.DataFrame]) -> pd.Timestamp:
    end = frames[0].attrs.get("log_end")
    if end is not None and not pd.isna(end):
        return as_utc(end, "UTC")
    stamps = pd.concat([utc_column(f[c]) for f in frames for c in ("start", "end")]).dropna()
    return stamps.max()


def window_stays(stays: pd.DataFrame, since: pd.Timestamp, until: pd.Timestamp) -> pd.DataFrame:
    """Stays starting in the window, censored at ``until``.

    Returns
    -------
    DataFrame
        The rows kept, with ``start``/``end`` in UTC, ``next`` blanked where censored, and
        two new columns: ``observed`` (the end was seen by ``until``) and ``duration_h``.
        Rows whose end precedes their start are dropped; ``attrs["dropped_negative"]`` counts them.
    """
    require(stays, STAY_COLUMNS, "unit stays")
    out = _censored(stays, since, until)
    out["next"] = out["next"].astype("string").where(out["observed"])
    out["entry"] = out["entry"].astype("boolean").fillna(False).astype(bool)
    return out


def window_episodes(
    episodes: pd.DataFrame, since: pd.Timestamp, until: pd.Timestamp
) -> pd.DataFrame:
    """Equipment episodes starting in the window, censored at ``until`` (as for stays)."""
    require(episodes, EPISODE_COLUMNS, "equipment episodes")
    return _censored(episodes, since, until)


def _censored(frame: pd.DataFrame, since, until) -> pd.DataFrame:
    out = frame.copy()
    out["start"], out["end"] = utc_column(out["start"]), utc_column(out["end"])
    out = out[(out["start"] >= since) & (out["start"] <= until)]
    negative = out["end"].notna() & (out["end"] < out["start"])
    out = out[~negative].copy()
    out["observed"] = (out["end"].notna() & (out["end"] <= until)).astype(bool)
    stop = out["end"].where(out["observed"], until)
    out["duration_h"] = ((stop - out["start"]) / _HOUR).astype(float)
    out.attrs["dropped_negative"] = int(negative.sum())
    return out.reset_index(drop=True)
