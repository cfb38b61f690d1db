"""Re-judging the patients a sync touched: sequence rules, cancels, stays and equipment episodes.

A patient's events may come in any order and over many syncs: a discharge before its
admission, a cancel (HL7 A11/A12/A13) a day after the event it withdraws, an hour of messages
twice. So the store never judges a new event on its own. After the new events are inserted,
every patient with a new event is resolved again from *all* their stored events, in time order
(ties in the order they reached the store), with the same rules as ``hospitaltwin ingest``
(:func:`hospitaltwin.eventlog.validate.check_sequences`): cancels first, then the sequence
rules (stored events passed the row checks when they arrived).
The result replaces that patient's rows in the derived tables — ``rejects`` (events set aside
now, with the reason; a later event may bring them back), ``stays`` and ``episodes``. Because
the outcome depends only on the set of stored events, syncing a log in one piece, in shuffled
pieces or twice gives the same store. An equipment episode with no end stops when the unit
stay it started in ends (as in the engine); one ending after the patient left the hospital
stops when they left.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa

from hospitaltwin.eventlog.episodes import equipment_episodes, unit_stays
from hospitaltwin.eventlog.schema import COLUMNS, EVENT_DTYPE, PROVENANCE, STRING_DTYPE
from hospitaltwin.eventlog.validate import check_sequences
from hospitaltwin.store.schema import DERIVED, events, rejects
from hospitaltwin.store.times import column_from_db, column_to_db

CHUNK = 900
STORED = [c for c in COLUMNS + PROVENANCE]
TEXT = [c for c in STORED if c not in ("timestamp", "source_line")]


def chunks(values: Sequence, size: int = CHUNK) -> Iterator[list]:
    """``values`` in lists of at most ``size`` (bound parameters per statement stay small)."""
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i:i + size]


def rows_of(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    """Insert rows from a frame: missing values as None, datetimes as naive UTC."""
    data = {}
    for column in columns:
        values = frame[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            data[column] = column_to_db(values)
        elif column in ("source_line",):
            data[column] = [None if pd.isna(v) else int(v) for v in values]
        elif values.dtype == bool:
            data[column] = [bool(v) for v in values]
        else:
            data[column] = [None if v is pd.NA or v is None or v != v else str(v)
                            for v in values.astype(object)]
    return [dict(zip(columns, values)) for values in zip(*data.values())] if columns else []


def load_events(conn: sa.Connection, patients: Sequence[str]) -> pd.DataFrame:
    """All stored events of ``patients`` in canonical form, in arrival (``seq``) order."""
    parts = []
    for chunk in chunks(sorted(patients)):
        query = sa.select(*(events.c[c] for c in STORED), events.c.seq).where(
            events.c.patient_id.in_(chunk))
        parts.append(pd.DataFrame(conn.execute(query).all(), columns=STORED + ["seq"]))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=STORED + ["seq"])
    frame = frame.sort_values("seq", kind="stable").drop(columns="seq").reset_index(drop=True)
    return canonical_frame(frame)


def canonical_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Stored columns with the dtypes validation expects."""
    out = pd.DataFrame({c: frame[c].astype(object).astype(STRING_DTYPE) for c in TEXT})
    out["timestamp"] = column_from_db(frame["timestamp"].tolist()) if len(frame) else \
        pd.Series(dtype="datetime64[ns, UTC]")
    out["source_line"] = pd.array(frame["source_line"].tolist(), dtype="Int64")
    return out[STORED]


def judge(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accepted events and rejects (``event_id, patient_id, problem, reason``) of a frame."""
    frame = frame.assign(event=frame["event"].astype(object).astype(EVENT_DTYPE))
    accepted, held, _ = check_sequences(frame)
    rejected = held[["event_id", "patient_id", "problem", "reason"]]
    return accepted, rejected.reset_index(drop=True)


def clip_episodes(episodes_: pd.DataFrame, stays_: pd.DataFrame) -> pd.DataFrame:
    """Give every equipment episode an end the patient's stays allow.

    An episode with no end stops when the unit stay it started in ends (as in the engine); one
    whose end comes after the patient left the hospital stops when they left.
    """
    if episodes_.empty or stays_.empty:
        return episodes_
    chain = stays_.sort_values(["patient_id", "start"], kind="stable").copy()
    new_patient = ~chain["patient_id"].eq(chain["patient_id"].shift()).to_numpy()
    chain["chain"] = np.cumsum(new_patient | chain["entry"].to_numpy(dtype=bool))
    chain["leaves"] = chain.groupby("chain")["end"].transform("last")
    still_in = chain["end"].isna().groupby(chain["chain"]).transform("any").to_numpy(dtype=bool)
    chain.loc[still_in, "leaves"] = pd.NaT
    right = chain[["patient_id", "start", "end", "leaves"]].rename(
        columns={"start": "stay_start", "end": "stay_end"}).sort_values("stay_start")
    eps = episodes_.reset_index(drop=True).assign(_row=lambda f: np.arange(len(f)))
    found = pd.merge_asof(eps.sort_values("start"), right, left_on="start", right_on="stay_start",
                          by="patient_id", direction="backward").sort_values("_row")
    start, end = _naive(found["start"]), _naive(found["end"])
    stay_end, leaves = _naive(found["stay_end"]), _naive(found["leaves"])
    inside = found["stay_start"].notna().to_numpy() & (np.isnat(stay_end) | (stay_end > start))
    missing = np.isnat(end)
    late = ~missing & ~np.isnat(leaves) & (end > leaves) & inside
    end[missing & inside] = stay_end[missing & inside]
    end[late] = leaves[late]
    out = eps.drop(columns="_row")
    out["end"] = pd.Series(end, index=out.index).dt.tz_localize("UTC")
    return out


def _naive(values: pd.Series) -> np.ndarray:
    """UTC instants as a writable naive ``datetime64[ns]`` array (NaT kept)."""
    return pd.to_datetime(values, utc=True).dt.tz_convert(None).to_numpy(dtype="datetime64[ns]").copy()


def derive(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The derived rows (rejects, stays, episodes) of the events in ``frame``."""
    return derive_accepted(*judge(frame))


def derive_accepted(accepted: pd.DataFrame, rejected: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The derived rows from events already judged: accepted ones and the rejects."""
    stay_rows = unit_stays(accepted)
    episode_rows = clip_episodes(equipment_episodes(accepted), stay_rows)
    return {"rejects": rejected.reset_index(drop=True), "stays": stay_rows,
            "episodes": episode_rows}


def replace_derived(conn: sa.Connection, patients: Sequence[str], derived: dict[str, pd.DataFrame],
                    empty_before: bool = False) -> None:
    """Delete the derived rows of ``patients`` and insert the new ones."""
    if not empty_before:
        for table in DERIVED:
            for chunk in chunks(sorted(patients)):
                conn.execute(table.delete().where(table.c.patient_id.in_(chunk)))
    for table in DERIVED:
        columns = [c.name for c in table.columns if c.name != "id"]
        rows = rows_of(derived[table.name], columns)
        if rows:
            conn.execute(table.insert(), rows)


def cancelled_ids(conn: sa.Connection, patients: Sequence[str]) -> set[str]:
    """Event ids of ``patients`` currently withdrawn by a cancel."""
    out: set[str] = set()
    for chunk in chunks(sorted(patients)):
        query = sa.select(rejects.c.event_id).where(
            rejects.c.patient_id.in_(chunk), rejects.c.problem == "cancelled")
        out.update(conn.execute(query).scalars())
    return out

