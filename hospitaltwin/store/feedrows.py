"""The row checks of ingest for a batch of clean HL7 events, without building data frames.

The MLLP feed stores a few dozen messages per transaction, many times a second; building
pandas frames for each batch (:func:`hospitaltwin.eventlog.validate.check_rows`) costs tens
of milliseconds whatever the batch's size, which is most of an ACK's latency. Nearly every
message of a live feed is clean, so :func:`clean_rows` checks and canonicalises the reader's
records directly. Each record is first protected by the masker ``sync`` uses
(:meth:`~hospitaltwin.eventlog.privacy.Masker.protect_record`, the same rule as
:meth:`~hospitaltwin.eventlog.privacy.Masker.protect` on a frame: ids pseudonymised,
identifying free text masked), then checked — timestamps to UTC, kinds in lower case, units
through the unit map — and :func:`clean_rows` declines (returns None) as soon as a record is
anything but plainly valid: a missing field or event id, a time
that is not plain IS 8601 with an offset (or naive in UTC), an unknown kind or unit, a cancel
naming nothing. The feed then uses ``check_rows`` for that batch, which judges and words the
problems. A property test holds the two to the same rows.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from hospitaltwin.eventlog.mapping import UnitMap
from hospitaltwin.eventlog.times import EARLIEST, FUTURE_SLACK
from hospitaltwin.eventlog.privacy import Masker
from hospitaltwin.eventlog.schema import (
    CANCELLABLE,
    COLUMNS,
    EQUIPMENT_KINDS,
    EVENT_KINDS,
    UNIT_KINDS,
)

_ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?"
                  r"([+-]\d\d:\d\d)?$")  # as the HL7 reader writes times
_KINDS = frozenset(EVENT_KINDS)


def utc_time(text: str, tz: str) -> datetime | None:
    """A plain ISO 8601 time as naive UTC; None when only the full parser may read it."""
    match = _ISO.match(text)
    if match is None:
        return None
    y, mo, d, h, mi, s, frac, offset = match.groups()
    if offset is None and tz != "UTC":
        return None  # a naive local time may fall in a daylight-saving gap: the parser judges
    try:
        moment = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s),
                          int((frac or "0").ljust(6, "0")))
    except ValueError:
        return None
    if offset:
        sign = 1 if offset[0] == "+" else -1
        moment -= sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6]))
    if not _plausible(moment):
        return None  # before 1900 or in the future: the full checks quarantine it with its reason
    return moment


_EARLIEST = EARLIEST.tz_convert(None).to_pydatetime()
_SLACK = FUTURE_SLACK.to_pytimedelta()


def _plausible(moment: datetime) -> bool:
    """Whether a naive UTC time lies between 1900 and a day after now, as sync requires
    (:func:`hospitaltwin.eventlog.times.latest_plausible`)."""
    return _EARLIEST <= moment <= datetime.now(timezone.utc).replace(tzinfo=None) + _SLACK


def _text(value) -> str | None:
    """Stripped text, None when blank (as ``blank_to_na``)."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _mapped(units: UnitMap, name: str | None) -> str | None:
    if name is None or units.identity:
        return name
    return units.lookup(name)


def clean_row(record: dict, masker: Masker, units: UnitMap, tz: str) -> dict | None:
    """One reader record as a stored event row, or None (see the module doc)."""
    row = masker.protect_record({c: _text(record.get(c)) for c in COLUMNS}, units)
    kind = (row["event"] or "").lower()
    when = utc_time(row["timestamp"], tz) if row["timestamp"] else None
    if None in (row["patient_id"], row["event_id"], when) or kind not in _KINDS \
            or kind in EQUIPMENT_KINDS:
        return None
    if kind in UNIT_KINDS and row["unit"] is None:
        return None
    if kind == "cancel" and row["source"] not in CANCELLABLE:
        return None
    unit, from_unit = _mapped(units, row["unit"]), _mapped(units, row["from_unit"])
    if (row["unit"] is not None and unit is None and kind in UNIT_KINDS) or (
            kind == "transfer" and row["from_unit"] is not None and from_unit is None):
        return None
    row.update(timestamp=when, event=kind, unit=unit, from_unit=from_unit)
    return row


def clean_rows(records: list[dict], masker: Masker, units: UnitMap, tz: str,
               source_file: str) -> tuple[list[dict], int] | None:
    """Every record as a stored event row (first of each event id) and the number of
    duplicates, or None when any record needs the full checks."""
    rows, seen = [], set()
    for record in records:
        row = clean_row(record, masker, units, tz)
        if row is None:
            return None
        if row["event_id"] in seen:
            continue
        seen.add(row["event_id"])
        row["source_file"], row["source_line"] = source_file, int(record["source_line"])
        rows.append(row)
    return rows, len(records) - len(rows)
