"""Validation: from raw reader rows to accepted canonical events plus a quarantine.

Validation has two public halves, run on (pseudonymised) rows of every input together so
that a patient's events spread over several files are judged together:

:func:`check_rows` judges each row on its own.

1. **Duplicates.** A row without ``event_id`` gets a deterministic hash of its content.
   A repeated ``event_id`` is a duplicate (the first occurrence, in input order, is kept);
   duplicates are counted, not quarantined, which makes ingesting the same file twice
   idempotent.
2. **Row checks** (vectorised): missing patient, missing, unreadable or implausible timestamp
   (:mod:`hospitaltwin.eventlog.times`), unknown event kind, missing unit / equipment where
   the kind needs one, a cancel that names nothing cancellable, a unit or from-unit that the
   unit map does not cover. A row failing one is never usable, whatever else arrives.

:func:`check_sequences` judges each patient's rows together.

3. **Order.** Rows are sorted by patient, then time, ties keeping input order. A row that
   comes later in its input file than a later-timestamped row of the same patient counts as
   *out of order*; it is kept (sorting fixes it) and counted in the quality report. (Readers
   of tables that are not event streams, such as MIMIC-IV, emit their events in time order.)
4. **Cancels** (:mod:`hospitaltwin.eventlog.cancel`), then the **sequence rules**
   (:mod:`hospitaltwin.eventlog.sequence`) for flow and equipment events. Their verdict
   depends on the patient's other events, so the state store keeps such rows and judges
   them again when more events arrive.

:func:`validate` runs both. Stays still open when the log ends are kept (right-censored) and
counted in the report; they are not errors. Every row read is accepted, quarantined (with
file, line, problem, reason) or a duplicate, and the counts add up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hospitaltwin.eventlog.cancel import resolve_cancels
from hospitaltwin.eventlog.mapping import UnitMap, unmapped_counts
from hospitaltwin.eventlog.records import empty_quarantine, quarantine_frame
from hospitaltwin.eventlog.schema import (
    CANCELLABLE,
    EQUIPMENT_KINDS,
    EVENT_KINDS,
    FLOW_KINDS,
    STRING_DTYPE,
    UNIT_KINDS,
    as_bool,
    to_canonical,
)
from hospitaltwin.eventlog.sequence import (
    equipment_candidates,
    flow_candidates,
    replay_equipment,
    replay_flow,
)
from hospitaltwin.eventlog.times import read_times

HASHED = ["patient_id", "timestamp", "event", "unit", "from_unit", "equipment", "encounter_id"]


@dataclass
class RowChecked:
    """Rows that pass the row checks (canonical, units mapped, in input order), the rows that
    fail them, duplicates, and what was found on the way."""

    events: pd.DataFrame
    quarantine: pd.DataFrame
    duplicates: pd.DataFrame
    unmapped: dict[str, int] = field(default_factory=dict)
    ambiguous: int = 0


@dataclass
class Validated:
    """Accepted events, quarantined rows, duplicates, and what was found on the way."""

    events: pd.DataFrame
    quarantine: pd.DataFrame
    duplicates: pd.DataFrame
    out_of_order: int = 0
    unmapped: dict[str, int] = field(default_factory=dict)
    ambiguous: int = 0


def fill_event_ids(frame: pd.DataFrame) -> pd.Series:
    """``event_id`` where given, else ``h`` + 16 hex digits of a hash of the row's content."""
    ids = frame["event_id"]
    missing = as_bool(ids.isna())
    if not missing.any():
        return ids
    content = frame.loc[missing, HASHED].astype(STRING_DTYPE).fillna("\x00")
    hashes = pd.util.hash_pandas_object(content, index=False).to_numpy()
    hexed = pd.Series(hashes, index=content.index).map("h{:016x}".format)
    return ids.mask(missing, hexed.reindex(ids.index)).astype(STRING_DTYPE)


def _row_problems(frame: pd.DataFrame, time_reasons: pd.Series, kind: pd.Series,
                  units: UnitMap) -> tuple[pd.Series, pd.Series]:
    """First problem and reason of each row (NA when the row passes); ``time_reasons`` says
    why each unusable timestamp cannot be used."""
    problem = pd.Series(pd.NA, index=frame.index, dtype=STRING_DTYPE)
    reason = pd.Series(pd.NA, index=frame.index, dtype=STRING_DTYPE)

    def flag(mask, name, why):
        mask = as_bool(pd.Series(mask, index=frame.index)) & as_bool(problem.isna())
        if mask.any():
            problem[mask] = name
            reason[mask] = why[mask] if isinstance(why, pd.Series) else why

    flag(frame["patient_id"].isna(), "missing_patient", "missing patient_id")
    flag(frame["timestamp"].isna(), "missing_timestamp", "missing timestamp")
    flag(time_reasons.notna(), "bad_timestamp", time_reasons)
    flag(frame["event"].isna(), "missing_event", "missing event")
    flag(~kind.isin(EVENT_KINDS), "unknown_event", "unknown event '" + frame["event"] + "'")
    flag(kind.isin(UNIT_KINDS) & frame["unit"].isna(), "missing_unit",
         "missing unit for " + kind)
    flag(kind.isin(EQUIPMENT_KINDS) & frame["equipment"].isna(), "missing_equipment",
         "missing equipment for " + kind)
    flag((kind == "cancel") & ~frame["source"].isin(CANCELLABLE), "bad_cancel",
         "cancel must name what it cancels in 'source' (admit, transfer or discharge)")
    for column, kinds in (("unit", UNIT_KINDS), ("from_unit", {"transfer"})):
        mapped = units.apply(frame[column])
        flag(kind.isin(kinds) & frame[column].notna() & mapped.isna(), "unmapped_unit",
             f"unmapped {column.replace('_', ' ')} '" + frame[column] + "'")
    return problem, reason


def check_rows(raw: pd.DataFrame, units: UnitMap, tz: str = "UTC", ambiguous: str = "order",
               latest: pd.Timestamp | pd.Series | None = None, shown=None) -> RowChecked:
    """Judge each row on its own: duplicates, then the row checks (see the module doc).

    Parameters
    ----------
    raw : pandas.DataFrame
        Readers' rows (pseudonymised), concatenated in input order.
    units : UnitMap
        The unit mapping (identity when no file was given).
    tz : str
        Zone of naive timestamps.
    ambiguous : str
        How naive times in the repeated autumn hour are read (``order``, ``earliest``,
        ``latest``; see :mod:`hospitaltwin.eventlog.times`).
    latest : pandas.Timestamp or pandas.Series, optional
        Latest plausible time (of each row; see
        :func:`hospitaltwin.eventlog.times.latest_plausible`). None: no rule about the future
        (for logs already validated).
    shown : callable, optional
        Masks text that may identify someone (a column of unreadable timestamps) before it
        is quoted in a reason; identity when not given.

    Returns
    -------
    RowChecked
        ``events`` in canonical dtypes, in input order.
    """
    frame = raw.reset_index(drop=True).copy()
    frame["event_id"] = fill_event_ids(frame)
    dup = frame["event_id"].duplicated(keep="first").to_numpy()
    duplicates, frame = frame[dup], frame[~dup]
    groups = frame["source_file"].astype(str) + "\x1f" + frame["patient_id"].astype(str)
    if isinstance(latest, pd.Series):
        latest = latest.reset_index(drop=True)[~dup]
    times = read_times(frame["timestamp"], tz, ambiguous, groups, latest, shown)
    unusable = as_bool(times.reasons.notna())
    if shown is not None and unusable.any():
        text = frame.loc[unusable, "timestamp"].astype(STRING_DTYPE)
        frame.loc[unusable, "timestamp"] = shown(text)
    kind = frame["event"].str.strip().str.lower()
    problem, reason = _row_problems(frame, times.reasons, kind, units)
    bad = as_bool(problem.notna())
    quarantine = quarantine_frame(frame[bad], "", "").assign(
        problem=problem[bad].to_numpy(), reason=reason[bad].to_numpy())
    unmapped = _unmapped(frame, units)
    good = frame[~bad].copy()
    good["timestamp"], good["event"] = times.values[~bad], kind[~bad]
    good["unit"], good["from_unit"] = units.apply(good["unit"]), units.apply(good["from_unit"])
    return RowChecked(to_canonical(good), quarantine, duplicates, unmapped, times.ambiguous)


def check_sequences(events: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Judge each patient's rows together: order, cancels, sequence rules.

    Parameters
    ----------
    events : pandas.DataFrame
        Canonical rows that passed :func:`check_rows`, in input (arrival) order.

    Returns
    -------
    tuple
        The accepted events sorted by patient and time, the rows set aside (a quarantine
        frame: ``problem`` and ``reason`` with every canonical column), and the number of rows
        out of order within their input.
    """
    good, out_of_order = _sort(events.reset_index(drop=True))
    rejects = _sequence_rejects(good)
    if not rejects:
        return to_canonical(good), empty_quarantine(), out_of_order
    index = np.fromiter(rejects, dtype=np.int64)
    held = quarantine_frame(good.loc[index], "", "").assign(
        problem=[rejects[i][0] for i in index], reason=[rejects[i][1] for i in index])
    return to_canonical(good.drop(index=index)), held, out_of_order


def validate(raw: pd.DataFrame, units: UnitMap, tz: str = "UTC", ambiguous: str = "order",
             latest: pd.Timestamp | pd.Series | None = None, shown=None) -> Validated:
    """Validate raw (pseudonymised) rows of one or more inputs: :func:`check_rows`, then
    :func:`check_sequences` on the rows that pass.

    Returns
    -------
    Validated
    """
    rows = check_rows(raw, units, tz, ambiguous, latest, shown)
    events, held, out_of_order = check_sequences(rows.events)
    parts = [q for q in (rows.quarantine, held) if len(q)] or [empty_quarantine()]
    quarantine = pd.concat(parts, ignore_index=True)
    return Validated(events, quarantine, rows.duplicates, out_of_order, rows.unmapped,
                     rows.ambiguous)


def _unmapped(frame: pd.DataFrame, units: UnitMap) -> dict[str, int]:
    both = pd.concat([frame["unit"], frame["from_unit"]], ignore_index=True)
    return unmapped_counts(both, units.apply(both))


def _sort(good: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Sort by patient, time, input order; count rows out of order within their input file."""
    good["_order"] = np.arange(len(good))
    keys = ["source_file", "patient_id"]
    by_input = good.sort_values([*keys, "_order"], kind="stable")
    group = by_input.groupby(keys, sort=False)["timestamp"]
    prior = group.cummax().groupby([by_input[k] for k in keys], sort=False).shift()
    out_of_order = int((by_input["timestamp"] < prior).sum())
    good = good.sort_values(["patient_id", "timestamp", "_order"], kind="stable")
    return good.drop(columns="_order"), out_of_order


def _sequence_rejects(good: pd.DataFrame) -> dict[int, tuple[str, str]]:
    """Cancels first, then flow and equipment rules on what remains."""
    view = good.assign(kind=good["event"].astype(str))
    rejects = resolve_cancels(view)
    live = view.drop(index=list(rejects)) if rejects else view
    flow = live[live["kind"].isin(FLOW_KINDS)]
    rejects.update(_dirty(flow, flow_candidates(flow), replay_flow, ["patient_id"]))
    equip = live[live["kind"].isin(EQUIPMENT_KINDS)]
    equip = equip.sort_values(["patient_id", "equipment", "timestamp"], kind="stable")
    keys = ["patient_id", "equipment"]
    rejects.update(_dirty(equip, equipment_candidates(equip), replay_equipment, keys))
    return rejects


def _dirty(rows: pd.DataFrame, candidates: np.ndarray, replay, keys: list[str]) -> dict:
    """Replay only the groups with a candidate problem (the vectorised pass found none else)."""
    if not candidates.any():
        return {}
    dirty = rows.loc[candidates, keys].drop_duplicates().set_index(keys).index
    return replay(rows[rows.set_index(keys).index.isin(dirty)])
