"""The canonical event log: its columns, event kinds and in-memory dtypes.

Every reader produces this shape and every later stage (validation, unit stays, calibration,
the state store) consumes it. One row is one event of one patient. In memory ``timestamp`` is
tz-aware UTC (``datetime64[ns, UTC]``), ``event`` a categorical of :data:`EVENT_KINDS` and the
other columns nullable strings (``pd.NA`` when absent). Two provenance columns,
``source_file`` and ``source_line``, travel with every row so that any problem can be traced
back to the input it came from. Naive timestamps are read in a given zone (the layout's, or
``--timezone``; UTC by default); timestamps with an offset keep their instant.

A ``cancel`` row (HL7 A11/A12/A13) names the kind of event it cancels in its ``source``
column (``admit``, ``transfer`` or ``discharge``); see :mod:`hospitaltwin.eventlog.cancel`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The canonical columns, in order (docs/reference/event-log.md).
COLUMNS: tuple[str, ...] = (
    "timestamp", "patient_id", "event", "unit", "from_unit", "equipment",
    "event_id", "encounter_id", "source", "acuity",
)
#: Columns a canonical file must have.
REQUIRED: tuple[str, ...] = ("timestamp", "patient_id", "event")
#: Provenance columns carried by every row, read or quarantined.
PROVENANCE: tuple[str, ...] = ("source_file", "source_line")
#: Extra columns of a quarantined row: the short problem kind and the readable reason.
QUARANTINE_EXTRA: tuple[str, ...] = ("problem", "reason")

#: Event kinds. Events of one patient at the same instant keep their input order.
EVENT_KINDS: tuple[str, ...] = (
    "arrive", "admit", "transfer", "discharge", "death",
    "equipment_start", "equipment_end", "cancel",
)
#: Events after which the patient is in ``unit``.
ENTRY_KINDS = frozenset({"arrive", "admit"})
UNIT_KINDS = frozenset({"arrive", "admit", "transfer"})
EXIT_KINDS = frozenset({"discharge", "death"})
FLOW_KINDS = UNIT_KINDS | EXIT_KINDS
EQUIPMENT_KINDS = frozenset({"equipment_start", "equipment_end"})
#: What a ``cancel`` row may name in its ``source`` column.
CANCELLABLE = ("admit", "transfer", "discharge")

EVENT_DTYPE = pd.CategoricalDtype(list(EVENT_KINDS))
TIMESTAMP_DTYPE = pd.DatetimeTZDtype("ns", "UTC")
STRING_DTYPE = pd.StringDtype()
TEXT_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in ("timestamp", "event"))


def raw_frame(data: dict[str, object], source_file: str, lines: object) -> pd.DataFrame:
    """A frame of raw text columns (every canonical column, missing ones NA) plus provenance.

    Readers build their output with this: all canonical columns as nullable strings, the
    timestamp still text (ISO 8601), parsed later by :func:`parse_timestamps`.
    """
    lines = np.asarray(lines, dtype="int64")
    n = len(lines)
    frame = pd.DataFrame(index=pd.RangeIndex(n))
    for column in COLUMNS:
        values = data.get(column)
        if isinstance(values, pd.Series):
            values = values.array  # by position: never align on the caller's index
        if values is None:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype=STRING_DTYPE)
        else:
            frame[column] = blank_to_na(pd.Series(values, index=frame.index, dtype=STRING_DTYPE))
    frame["source_file"] = pd.Series(source_file, index=frame.index, dtype=STRING_DTYPE)
    frame["source_line"] = pd.Series(lines, index=frame.index, dtype="Int64")
    return frame


def blank_to_na(values: pd.Series) -> pd.Series:
    """Strip text and turn empty strings into NA."""
    values = values.astype(STRING_DTYPE).str.strip()
    return values.mask(values == "")


def to_canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast a frame with parsed timestamps and valid kinds to the canonical dtypes."""
    out = frame.copy()
    out["event"] = out["event"].astype(EVENT_DTYPE)
    for column in TEXT_COLUMNS + ("source_file",):
        out[column] = out[column].astype(STRING_DTYPE)
    out["source_line"] = out["source_line"].astype("Int64")
    return out[list(COLUMNS + PROVENANCE)].reset_index(drop=True)


def same_as_previous(values: pd.Series) -> np.ndarray:
    """Boolean array: row equals the row before it (missing compares unequal)."""
    return values.eq(values.shift()).fillna(False).to_numpy(dtype=bool)


def as_bool(mask: pd.Series) -> np.ndarray:
    """A nullable boolean mask as a numpy array, NA read as False."""
    return mask.fillna(False).to_numpy(dtype=bool)


def map_distinct(values: pd.Series, func) -> pd.Series:
    """Apply ``func`` to each distinct non-missing value once; NA stays NA (vectorised take)."""
    codes, uniques = pd.factorize(values.astype(STRING_DTYPE), use_na_sentinel=True)
    mapped = np.array([func(v) for v in np.asarray(uniques, dtype=object)] + [None], dtype=object)
    out = pd.Series(mapped[codes], index=values.index, dtype=object)
    return out.astype(STRING_DTYPE)
