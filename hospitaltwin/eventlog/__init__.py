"""The data connection: event-log readers, unit mapping, validation, pseudonymisation, episodes.

``ingest`` reads event logs of several formats into the canonical event log of docs/reference/event-log.md,
maps unit names onto layout units, pseudonymises identifiers, quarantines what cannot be used
and reports data quality; ``episodes`` turns canonical events into unit stays and equipment
episodes for calibration and the state store.
"""

__all__ = ["COLUMNS", "EVENT_KINDS", "equipment_episodes", "unit_stays"]
_HOMES = {"COLUMNS": "schema", "EVENT_KINDS": "schema", "equipment_episodes": "episodes", "unit_stays": "episodes"}


def __getattr__(name: str):
    """Import on first use: the package pulls in pandas, which a simulation run does not need."""
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(f"hospitaltwin.eventlog.{_HOMES[name]}"), name)
    raise AttributeError(name)
