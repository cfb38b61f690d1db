"""Load a canonical event log for the stages after ingest (calibrate, sync).

The file is read with the canonical reader and checked again with the same validation rules
as ``ingest`` (an ingested file passes unchanged; a hand-made canonical file gets the same
scrutiny), so later stages always see a clean, sorted log. Rows set aside here are counted in
the error or returned, never dropped silently.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.canonical import read_canonical
from hospitaltwin.eventlog.mapping import load_unit_map
from hospitaltwin.eventlog.times import check_timezone
from hospitaltwin.eventlog.validate import validate


def load_events(path: str | Path, timezone: str = "UTC", allow_quarantine: bool = False) -> pd.DataFrame:
    """Canonical events of ``path``, validated; raise if rows had to be set aside.

    Parameters
    ----------
    path : path
        A canonical CSV or Parquet file (the output of ``hospitaltwin ingest``).
    timezone : str
        Zone of timestamps without an offset.
    allow_quarantine : bool
        Keep going when some rows are quarantined (their count is in ``attrs["quarantined"]``).
    """
    path = Path(path)
    if not path.exists():
        raise HospitaltwinError(f"{path}: file not found")
    read = read_canonical(path)
    checked = validate(read.events, load_unit_map(None), check_timezone(timezone))
    bad = len(read.quarantine) + len(checked.quarantine)
    if bad and not allow_quarantine:
        raise HospitaltwinError(f"{path}: {bad} row(s) cannot be used; run `hospitaltwin ingest` on it "
                                "first to see them in a quarantine file")
    if checked.events.empty:
        raise HospitaltwinError(f"{path}: no usable events")
    events = checked.events
    events.attrs["quarantined"] = bad
    return events
