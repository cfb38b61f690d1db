"""The data connection: event-log readers, unit mapping, validation, pseudonymisation, episodes.

``ingest`` reads event logs of several formats into the canonical event log of DESIGN.md,
maps unit names onto layout units, pseudonymises identifiers, quarantines what cannot be used
and reports data quality; ``episodes`` turns canonical events into unit stays and equipment
episodes for calibration and the state store.
"""

from hospitaltwin.eventlog.episodes import equipment_episodes, unit_stays
from hospitaltwin.eventlog.schema import COLUMNS, EVENT_KINDS

__all__ = ["COLUMNS", "EVENT_KINDS", "equipment_episodes", "unit_stays"]
