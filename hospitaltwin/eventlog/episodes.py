"""From events to episodes: unit stays and equipment episodes, the shape calibration reads.

:func:`unit_stays` turns the flow events (arrive, admit, transfer, discharge, death) of a
canonical log into one row per stay of a patient in a unit; :func:`equipment_episodes` pairs
``equipment_start``/``equipment_end``. Both are vectorised (sort, shift, group) and take
seconds on millions of events. They expect a validated log (:mod:`hospitaltwin.eventlog.validate`);
on unvalidated input they still return something defined: a second ``transfer`` into the unit
the patient is already in is a bed move within the stay, not a new stay; an exit while not in
any unit is ignored; an entry into a new encounter while a stay is open closes that stay as an
implied ``discharge``. A stay with no later exit is right-censored: ``end`` is NaT and ``next``
NA, and ``attrs["log_end"]`` says when observation stopped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hospitaltwin.eventlog.schema import (
    EQUIPMENT_KINDS, EXIT_KINDS, FLOW_KINDS, STRING_DTYPE, TIMESTAMP_DTYPE, UNIT_KINDS, as_bool,
    same_as_previous,
)

STAY_COLUMNS = ("patient_id", "encounter_id", "unit", "start", "end", "next", "source",
                "entry", "from_unit")
EQUIPMENT_COLUMNS = ("patient_id", "unit", "equipment", "start", "end")


def _sorted_rows(events: pd.DataFrame, kinds: frozenset[str], extra: list[str]) -> pd.DataFrame:
    """Rows of ``kinds``, sorted by patient then time; ties keep input order."""
    kind = events["event"].astype(str)
    rows = events.loc[kind.isin(kinds).to_numpy(), ["patient_id", "timestamp", *extra]].copy()
    rows["kind"] = kind[kind.isin(kinds)].to_numpy()
    rows["_order"] = np.arange(len(rows))
    rows = rows.sort_values(["patient_id", "timestamp", "_order"], kind="stable")
    return rows.reset_index(drop=True)


def _log_end(events: pd.DataFrame) -> pd.Timestamp:
    return events["timestamp"].max() if len(events) else pd.NaT


def _flow_flags(flow: pd.DataFrame) -> pd.DataFrame:
    """Mark stay starts, entries (new encounters) and closing exits on sorted flow rows."""
    same = same_as_previous(flow["patient_id"])
    is_in = flow["kind"].isin(UNIT_KINDS).to_numpy()
    is_exit = flow["kind"].isin(EXIT_KINDS).to_numpy()
    prev_open = same & np.roll(is_in, 1)
    prev_open[:1] = False
    enc = flow["encounter_id"]
    enc_change = as_bool(enc.notna() & enc.shift().notna() & enc.ne(enc.shift()))
    enc_change &= prev_open & is_in & flow["kind"].isin(("arrive", "admit")).to_numpy()
    unit_change = ~same_as_previous(flow["unit"])
    flow["entry"] = is_in & (~prev_open | enc_change)
    flow["new_stay"] = is_in & (~prev_open | unit_change | enc_change)
    flow["closes"] = is_exit & prev_open
    flow["block"] = np.cumsum(flow["entry"].to_numpy() | ~same)
    return flow


def _encounter_fields(flow: pd.DataFrame) -> pd.DataFrame:
    """Give every row its encounter's id and source (first non-missing in the encounter)."""
    grouped = flow.groupby("block", sort=False)
    flow["encounter_id"] = grouped["encounter_id"].transform("first").astype(STRING_DTYPE)
    flow["source"] = grouped["source"].transform("first").astype(STRING_DTYPE)
    return flow


def unit_stays(events: pd.DataFrame) -> pd.DataFrame:
    """One row per stay of a patient in a unit.

    Parameters
    ----------
    events : pandas.DataFrame
        A canonical event log (validated).

    Returns
    -------
    pandas.DataFrame
        Columns ``patient_id, encounter_id, unit, start, end, next, source, entry,
        from_unit``. ``end`` is NaT and ``next`` NA for a stay still open at the end of the
        log (right-censored); otherwise ``next`` is the next unit, ``'discharge'`` or
        ``'death'``. ``entry`` is True on the first stay of an encounter (arrival from
        outside), where ``source`` is the encounter's source (NA on other rows) and
        ``from_unit`` NA; on other rows ``from_unit`` is the previous stay's unit.
        ``attrs["log_end"]`` is the last timestamp of the log.
    """
    flow = _sorted_rows(events, FLOW_KINDS, ["unit", "encounter_id", "source"])
    flow = _encounter_fields(_flow_flags(flow))
    bounds = flow[flow["new_stay"] | flow["closes"]].reset_index(drop=True)
    same_next = pd.Series(as_bool(bounds["patient_id"].eq(bounds["patient_id"].shift(-1))))
    nxt_ts = bounds["timestamp"].shift(-1).where(same_next)
    nxt_new = bounds["new_stay"].shift(-1, fill_value=False).astype(bool) & same_next
    nxt_entry = bounds["entry"].shift(-1, fill_value=False).astype(bool) & same_next
    nxt_kind = bounds["kind"].shift(-1)
    nxt = pd.Series(pd.NA, index=bounds.index, dtype=STRING_DTYPE)
    nxt = nxt.mask(nxt_new & ~nxt_entry, bounds["unit"].shift(-1))
    nxt = nxt.mask(same_next & ~nxt_new, nxt_kind)
    nxt = nxt.mask(nxt_entry, "discharge")
    bounds["end"] = nxt_ts
    bounds["next"] = nxt
    return _stay_frame(bounds[bounds["new_stay"]], _log_end(events))


def _stay_frame(stays: pd.DataFrame, log_end: pd.Timestamp) -> pd.DataFrame:
    """Assemble the public stays frame from the stay-start boundary rows."""
    same_prev = same_as_previous(stays["patient_id"]) & ~stays["entry"].to_numpy(dtype=bool)
    from_unit = stays["unit"].shift().where(same_prev)
    out = pd.DataFrame({
        "patient_id": stays["patient_id"].astype(STRING_DTYPE),
        "encounter_id": stays["encounter_id"].astype(STRING_DTYPE),
        "unit": stays["unit"].astype(STRING_DTYPE),
        "start": stays["timestamp"].astype(TIMESTAMP_DTYPE),
        "end": stays["end"].astype(TIMESTAMP_DTYPE),
        "next": stays["next"].astype(STRING_DTYPE),
        "source": stays["source"].where(stays["entry"]).astype(STRING_DTYPE),
        "entry": stays["entry"].astype(bool),
        "from_unit": from_unit.astype(STRING_DTYPE),
    }).reset_index(drop=True)
    out.attrs["log_end"] = log_end
    return out


def equipment_episodes(events: pd.DataFrame) -> pd.DataFrame:
    """One row per equipment episode (``equipment_start`` to ``equipment_end``).

    Parameters
    ----------
    events : pandas.DataFrame
        A canonical event log (validated).

    Returns
    -------
    pandas.DataFrame
        Columns ``patient_id, unit, equipment, start, end``; ``end`` is NaT for an episode
        still running at the end of the log; ``unit`` is the unit the patient was in when the
        episode started (NA if in none). ``attrs["log_end"]`` as for :func:`unit_stays`.
    """
    rows = _sorted_rows(events, EQUIPMENT_KINDS, ["equipment"])
    rows = rows.sort_values(["patient_id", "equipment", "timestamp", "_order"], kind="stable")
    rows = rows.reset_index(drop=True)
    key_same = same_as_previous(rows["patient_id"]) & same_as_previous(rows["equipment"])
    is_start = (rows["kind"] == "equipment_start").to_numpy()
    prev_start = np.roll(is_start, 1) & key_same
    key = np.cumsum(~key_same)
    end_ts = rows["timestamp"].where(~is_start)
    next_end = end_ts.groupby(key).bfill()
    starts = rows.loc[is_start & ~prev_start].copy()
    starts["end"] = next_end[is_start & ~prev_start]
    starts["unit"] = _unit_at(events, starts)
    out = pd.DataFrame({
        "patient_id": starts["patient_id"].astype(STRING_DTYPE),
        "unit": starts["unit"].astype(STRING_DTYPE),
        "equipment": starts["equipment"].astype(STRING_DTYPE),
        "start": starts["timestamp"].astype(TIMESTAMP_DTYPE),
        "end": starts["end"].astype(TIMESTAMP_DTYPE),
    }).reset_index(drop=True)
    out.attrs["log_end"] = _log_end(events)
    return out


def _unit_at(events: pd.DataFrame, starts: pd.DataFrame) -> pd.Series:
    """The unit each patient was in at each start time (NA when in none)."""
    flow = _sorted_rows(events, FLOW_KINDS, ["unit"])
    if flow.empty or starts.empty:
        return pd.Series(pd.NA, index=starts.index, dtype=STRING_DTYPE)
    flow["at_unit"] = flow["unit"].where(flow["kind"].isin(UNIT_KINDS))
    left = starts[["patient_id", "timestamp"]].reset_index().sort_values("timestamp")
    right = flow[["patient_id", "timestamp", "at_unit"]].sort_values("timestamp", kind="stable")
    merged = pd.merge_asof(left, right, on="timestamp", by="patient_id", direction="backward")
    return merged.set_index("index")["at_unit"].reindex(starts.index)
