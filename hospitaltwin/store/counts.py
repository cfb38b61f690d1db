"""Counts mode: daily census counts per hospital and unit, for command centers without event feeds.

The CSV (UTF-8, header first, one row per day, hospital and unit)::

    date,hospital,unit,census,admissions,discharges,ventilators_in_use
    2024-03-01,main,ICU,18,4,3,9

``date`` is ``YYYY-MM-DD`` (the day the count describes, taken in UTC); ``hospital`` and
``unit`` are the layout's ids (a unit id belongs to one hospital); ``census`` (occupied beds),
``admissions`` and ``discharges`` are whole numbers ≥ 0; ``ventilators_in_use`` is optional
(empty or a whole number no larger than the census). Any problem rejects the whole file with
its line numbers and nothing is stored. Syncing is idempotent: a row identical to the stored
one changes nothing; a row for a stored day, hospital and unit with other numbers replaces it
(a correction) and is counted as *replaced*.

:func:`state_from_counts` turns the latest day at or before a time into a
:class:`~hospitaltwin.core.state.SystemState` whose patients have unknown elapsed stays
(``elapsed_h=None``): the engine then draws their remaining stays from the equilibrium law.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timezone
from pathlib import Path

import sqlalchemy as sa

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.state import DeviceInUse, PatientState, SystemState
from hospitaltwin.store.connect import writing
from hospitaltwin.store.schema import counts, sync_log
from hospitaltwin.store.sync_report import SyncReport, checksums
from hospitaltwin.store.times import column_from_db, utc

REQUIRED = ("date", "hospital", "unit", "census", "admissions", "discharges")
OPTIONAL = ("ventilators_in_use",)
NUMBERS = ("census", "admissions", "discharges")
SHOWN = 5


def read_counts(path: str | Path) -> list[dict]:
    """The rows of a counts CSV, checked; raise with every problem (file and line) if any."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise HospitaltwinError(f"{path}: file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise HospitaltwinError(f"{path}: not a counts CSV ({str(exc).splitlines()[0]})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_columns(path, list(frame.columns))
    problems: list[str] = []
    rows = [_row(record, index + 2, problems) for index, record in enumerate(frame.to_dict("records"))]
    _check_keys(rows, problems)
    if problems:
        more = f" (and {len(problems) - SHOWN} more)" if len(problems) > SHOWN else ""
        raise HospitaltwinError(f"{path}: nothing stored, {len(problems)} problem(s): "
                                + "; ".join(problems[:SHOWN]) + more)
    return [r for r in rows if r is not None]


def _check_columns(path: Path, columns: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in columns]
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        what = []
        if missing:
            what.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            what.append(f"unknown column(s) {', '.join(unknown)}")
        raise HospitaltwinError(f"{path}: not a counts CSV: {'; '.join(what)} (expected "
                                f"{', '.join(REQUIRED)}[, {', '.join(OPTIONAL)}])")


def _row(record: dict, line: int, problems: list[str]) -> dict | None:
    before = len(problems)
    row: dict = {"line": line}
    text = str(record.get("date", "")).strip()
    try:
        row["date"] = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        row["date"] = None
    if row["date"] is None:
        problems.append(f"line {line}: date {text!r} is not YYYY-MM-DD")
    for key in ("hospital", "unit"):
        row[key] = str(record.get(key, "")).strip()
        if not row[key]:
            problems.append(f"line {line}: missing {key}")
    for key in NUMBERS + OPTIONAL:
        row[key] = _count(record.get(key, ""), key, line, problems, optional=key in OPTIONAL)
    vents, census = row["ventilators_in_use"], row["census"]
    if vents is not None and census is not None and vents > census:
        problems.append(f"line {line}: ventilators_in_use {vents} exceeds the census {census}")
    return row if len(problems) == before else None


def _count(text: object, key: str, line: int, problems: list[str], optional: bool) -> int | None:
    text = str(text).strip()
    if optional and not text:
        return None
    if not text.isdigit():
        problems.append(f"line {line}: {key} {text!r} is not a whole number >= 0")
        return None
    return int(text)


def _check_keys(rows: list[dict | None], problems: list[str]) -> None:
    seen: dict[tuple, dict] = {}
    for row in rows:
        if row is None:
            continue
        key = (row["date"], row["hospital"], row["unit"])
        if key in seen and _values(seen[key]) != _values(row):
            problems.append(f"line {row['line']}: {row['unit']} of {row['hospital']} on "
                            f"{row['date']} is already given on line {seen[key]['line']} with "
                            "other numbers")
        seen.setdefault(key, row)


def _values(row: dict) -> tuple:
    return tuple(row[k] for k in NUMBERS + OPTIONAL)


def _check_hospitals(conn: sa.Connection, rows: list[dict], path: Path) -> None:
    """A unit id belongs to one hospital, in the file and in the store."""
    owner = dict(conn.execute(sa.select(counts.c.unit, counts.c.hospital).distinct()).all())
    for row in rows:
        known = owner.setdefault(row["unit"], row["hospital"])
        if known != row["hospital"]:
            raise HospitaltwinError(
                f"{path}: line {row['line']}: unit {row['unit']!r} is reported for hospitals "
                f"{known!r} and {row['hospital']!r}; use the layout's unit ids, which are "
                "unique across a network")


def sync_counts(engine: sa.Engine, path: str | Path) -> SyncReport:
    """Store the rows of a counts CSV (see the module doc); one transaction, idempotent."""
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = list({(r["date"], r["hospital"], r["unit"]): r for r in read_counts(path)}.values())
    sources, checksum = checksums([Path(path)])
    with writing(engine) as conn:
        _check_hospitals(conn, rows, Path(path))
        sync_id = conn.execute(sync_log.insert().values(
            kind="counts", started=started, finished=started, sources=json.dumps(sources),
            checksum=checksum, format="counts", read=0, new=0, duplicates=0, quarantined=0,
            cancelled=0, held=0)).inserted_primary_key[0]
        new, same, replaced = _upsert(conn, rows, sync_id)
        conn.execute(sync_log.update().where(sync_log.c.id == sync_id).values(
            finished=datetime.now(timezone.utc).replace(tzinfo=None), read=len(rows), new=new,
            duplicates=same))
    return SyncReport(sync_id=int(sync_id), kind="counts", sources=sources, read=len(rows),
                      new=new, duplicates=same, replaced=replaced)


def _upsert(conn: sa.Connection, rows: list[dict], sync_id: int) -> tuple[int, int, int]:
    stored = {(r.date, r.hospital, r.unit): (r.census, r.admissions, r.discharges,
                                              r.ventilators_in_use)
              for r in conn.execute(sa.select(counts)).all()}
    inserts, new, same, replaced = [], 0, 0, 0
    for row in rows:
        key = (row["date"], row["hospital"], row["unit"])
        if key in stored and stored[key] == _values(row):
            same += 1
            continue
        if key in stored:
            replaced += 1
            conn.execute(counts.delete().where(counts.c.date == key[0], counts.c.hospital == key[1],
                                               counts.c.unit == key[2]))
        else:
            new += 1
        inserts.append({"date": key[0], "hospital": key[1], "unit": key[2], "sync_id": sync_id,
                        **{k: row[k] for k in NUMBERS + OPTIONAL}})
    if inserts:
        conn.execute(counts.insert(), inserts)
    return new, same, replaced


def state_from_counts(conn: sa.Connection, at: object | None = None) -> SystemState:
    """The census of the latest day at or before ``at`` (default: the latest day) as a state.

    Each unit contributes ``census`` patients with unknown elapsed stay; the first
    ``ventilators_in_use`` of them use a ventilator for an unknown time. A unit that did not
    report that day keeps its latest earlier count (listed in ``notes["stale_units"]``).
    """
    latest = conn.execute(sa.select(sa.func.max(counts.c.date))).scalar()
    if latest is None:
        raise HospitaltwinError("the store has no daily counts; sync a counts CSV with "
                                "`hospitaltwin sync FILE --counts --store URL` first")
    at = None if at is None else utc(at, "--at")
    day = latest if at is None else conn.execute(
        sa.select(sa.func.max(counts.c.date)).where(counts.c.date <= at.date())).scalar()
    if day is None:
        first = conn.execute(sa.select(sa.func.min(counts.c.date))).scalar()
        raise HospitaltwinError(f"--at {at.isoformat()} is before the first day of counts in "
                                f"the store ({first}); give a time from then on")
    rows = _latest_rows(conn, day)
    patients = tuple(p for row in rows for p in _patients(row))
    stale = {r.unit: r.date.isoformat() for r in rows if r.date < day}
    as_of = at or datetime.combine(day, time(0), tzinfo=timezone.utc)
    notes = {"source": "counts", "day": day.isoformat(), "stale_units": stale,
             "hospitals": {r.unit: r.hospital for r in rows}}
    return SystemState(as_of=as_of, patients=patients, notes=notes)


def _latest_rows(conn: sa.Connection, day: date) -> list:
    last = (sa.select(counts.c.hospital, counts.c.unit, sa.func.max(counts.c.date).label("date"))
            .where(counts.c.date <= day).group_by(counts.c.hospital, counts.c.unit).subquery())
    query = sa.select(counts).join(last, sa.and_(
        counts.c.hospital == last.c.hospital, counts.c.unit == last.c.unit,
        counts.c.date == last.c.date)).order_by(counts.c.hospital, counts.c.unit)
    return conn.execute(query).all()


def _patients(row) -> list[PatientState]:
    vents = row.ventilators_in_use or 0
    return [PatientState(f"count:{row.hospital}:{row.unit}:{i + 1}", row.unit, None,
                         (DeviceInUse("ventilator", None),) if i < vents else ())
            for i in range(row.census)]


def counts_history(conn: sa.Connection, start: object, end: object):
    """Stored daily counts with ``start`` ≤ date ≤ ``end`` (dates of the UTC instants given).

    Returns
    -------
    pandas.DataFrame
        Columns ``date`` (tz-aware UTC midnight), ``hospital``, ``unit``, ``census``,
        ``admissions``, ``discharges``, ``ventilators_in_use`` (nullable integer), sorted by
        date, hospital and unit.
    """
    import pandas as pd

    lo, hi = utc(start, "start").date(), utc(end, "end").date()
    columns = ["date", "hospital", "unit", *NUMBERS, *OPTIONAL]
    query = (sa.select(*(counts.c[c] for c in columns))
             .where(counts.c.date >= lo, counts.c.date <= hi)
             .order_by(counts.c.date, counts.c.hospital, counts.c.unit))
    frame = pd.DataFrame(conn.execute(query).all(), columns=columns)
    frame["date"] = column_from_db(frame["date"].tolist())
    for column in NUMBERS:
        frame[column] = frame[column].astype("int64")
    frame["ventilators_in_use"] = pd.array(frame["ventilators_in_use"].tolist(), dtype="Int64")
    return frame
