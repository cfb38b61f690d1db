"""The service's forecast runs and alert episodes, in the store.

A run row is written when a forecast or backtest starts (``running``) and completed when its
files are in place (``done``, with the state's time, the input checksums and the folder) or
when it failed or was stopped (``failed``, with the reason). A service that starts again
marks the runs it left ``running`` as stopped (:func:`close_interrupted`). An alert row is an
episode of one rule: fired by one run, cleared by a later one (:func:`apply_alerts`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from hospitaltwin.store.service_tables import alerts, forecast_runs
from hospitaltwin.store.sync import now


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def run_dict(row) -> dict:
    """A run row as JSON-ready values."""
    return {"id": row.id, "kind": row.kind, "state": row.state, "started": _iso(row.started),
            "finished": _iso(row.finished), "as_of": _iso(row.as_of), "events": row.events,
            "checksums": json.loads(row.checksums), "reason": row.reason}


def start_run(conn: sa.Connection, run_id: str, kind: str) -> None:
    """Record a run that is starting."""
    conn.execute(forecast_runs.insert().values(id=run_id, kind=kind, state="running",
                                               started=now(), checksums="{}"))


def finish_run(conn: sa.Connection, run_id: str, outcome: dict) -> None:
    """Record a completed run (``outcome`` from the worker: folder, as_of, events, checksums)."""
    as_of = datetime.fromisoformat(outcome["as_of"]) if outcome.get("as_of") else None
    if as_of is not None and as_of.tzinfo is not None:
        as_of = as_of.astimezone(UTC).replace(tzinfo=None)
    conn.execute(forecast_runs.update().where(forecast_runs.c.id == run_id).values(
        state="done", finished=now(), as_of=as_of, events=outcome.get("events"),
        checksums=json.dumps(outcome.get("checksums", {})), folder=outcome["folder"]))


def fail_run(conn: sa.Connection, run_id: str, reason: str) -> None:
    """Record a run that failed or was stopped."""
    conn.execute(forecast_runs.update().where(forecast_runs.c.id == run_id).values(
        state="failed", finished=now(), reason=reason[:2000]))


def close_interrupted(conn: sa.Connection) -> list[str]:
    """Mark runs left ``running`` by a stopped service as failed; their ids."""
    ids = list(conn.execute(sa.select(forecast_runs.c.id).where(
        forecast_runs.c.state == "running")).scalars())
    for run_id in ids:
        fail_run(conn, run_id, "stopped before it finished (service stopped)")
    return ids


def get_run(conn: sa.Connection, run_id: str):
    """One run row, or None."""
    return conn.execute(sa.select(forecast_runs).where(forecast_runs.c.id == run_id)).first()


def latest_run(conn: sa.Connection, kind: str = "forecast"):
    """The latest completed run of ``kind``, or None."""
    return conn.execute(sa.select(forecast_runs).where(
        forecast_runs.c.kind == kind, forecast_runs.c.state == "done").order_by(
        forecast_runs.c.finished.desc(), forecast_runs.c.id.desc()).limit(1)).first()


def list_runs(conn: sa.Connection, limit: int = 50) -> list[dict]:
    """The latest runs, newest first."""
    rows = conn.execute(sa.select(forecast_runs).order_by(
        forecast_runs.c.started.desc(), forecast_runs.c.id.desc()).limit(limit)).all()
    return [run_dict(r) for r in rows]


def alert_dict(row) -> dict:
    """An alert row as JSON-ready values."""
    return {"id": row.id, "rule": row.rule, "text": row.text, "threshold": row.threshold,
            "active": row.cleared_at is None, "fired_at": _iso(row.fired_at),
            "fired_run": row.fired_run, "fired_value": row.fired_value,
            "cleared_at": _iso(row.cleared_at), "cleared_run": row.cleared_run,
            "cleared_value": row.cleared_value}


def active_alerts(conn: sa.Connection) -> dict[str, object]:
    """The open episode of each rule that is firing now, by rule name."""
    rows = conn.execute(sa.select(alerts).where(alerts.c.cleared_at.is_(None))).all()
    return {r.rule: r for r in rows}


def apply_alerts(conn: sa.Connection, run_id: str, values: dict[str, float],
                 rules: dict[str, tuple[str, float]]) -> list[dict]:
    """Fire and clear alerts for a run's rule values; the changes (as alert dicts, with
    ``event`` ``fired`` or ``cleared``).

    ``rules`` maps each rule name to its text and threshold.
    """
    active, changes, when = active_alerts(conn), [], now()
    for name, value in values.items():
        text, threshold = rules[name]
        if value >= threshold and name not in active:
            new_id = conn.execute(alerts.insert().values(
                rule=name, text=text, threshold=threshold, fired_at=when, fired_run=run_id,
                fired_value=value)).inserted_primary_key[0]
            changes.append(("fired", new_id))
        elif value < threshold and name in active:
            conn.execute(alerts.update().where(alerts.c.id == active[name].id).values(
                cleared_at=when, cleared_run=run_id, cleared_value=value))
            changes.append(("cleared", active[name].id))
    out = []
    for event, alert_id in changes:
        row = conn.execute(sa.select(alerts).where(alerts.c.id == alert_id)).first()
        out.append({"event": event, **alert_dict(row)})
    return out


def list_alerts(conn: sa.Connection, active_only: bool = False, limit: int = 100) -> list[dict]:
    """Alert episodes, newest first."""
    query = sa.select(alerts).order_by(alerts.c.fired_at.desc(), alerts.c.id.desc()).limit(limit)
    if active_only:
        query = query.where(alerts.c.cleared_at.is_(None))
    return [alert_dict(r) for r in conn.execute(query).all()]
