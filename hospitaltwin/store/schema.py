"""The tables of the state store (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Three kinds of table. *Append-only inputs*: ``events`` (every row of a synced log that passed
the row checks — timestamp, kind, unit, … — keyed by its unique ``event_id``, never updated
or deleted), ``quarantine`` (rows that can never be used, as ``hospitaltwin ingest`` writes
them, keyed by a hash of the row so a re-sync stores them once) and ``counts`` (daily counts
per hospital and unit; a row for the same day, hospital and unit replaces the earlier one).
*Derived tables*, recomputed for the patients a sync touches: ``rejects`` (stored events the
sequence rules or a cancellation currently set aside, with the reason), ``stays`` (one row per
stay of a patient in a unit) and ``episodes`` (equipment in use). *Bookkeeping*: ``sync_log``
(one row per completed sync: sources, checksums, counts, start and finish) and ``meta``
(schema version, a check value of the pseudonymisation key: scrypt with a random salt, so
that it confirms the key without making guesses cheap). Times are stored as naive UTC.
Version 2 stores pseudonymised event ids and masked free text; a version-1 store is refused
(sync the logs into a new store).
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_VERSION = "2"

metadata = sa.MetaData()
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER keys only

sync_log = sa.Table(
    "sync_log", metadata,
    sa.Column("id", ID, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # events | counts
    sa.Column("started", sa.DateTime(), nullable=False),
    sa.Column("finished", sa.DateTime(), nullable=False),
    sa.Column("sources", sa.Text(), nullable=False),  # JSON: [{"file": ..., "sha256": ...}]
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("format", sa.String(16)),
    sa.Column("read", sa.Integer(), nullable=False),
    sa.Column("new", sa.Integer(), nullable=False),
    sa.Column("duplicates", sa.Integer(), nullable=False),
    sa.Column("quarantined", sa.Integer(), nullable=False),
    sa.Column("cancelled", sa.Integer(), nullable=False),
    sa.Column("held", sa.Integer(), nullable=False),
)

events = sa.Table(
    "events", metadata,
    sa.Column("seq", ID, primary_key=True, autoincrement=True),  # arrival order in the store
    sa.Column("event_id", sa.Text(), nullable=False, unique=True),
    sa.Column("timestamp", sa.DateTime(), nullable=False),
    sa.Column("patient_id", sa.String(64), nullable=False),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("unit", sa.Text()),
    sa.Column("from_unit", sa.Text()),
    sa.Column("equipment", sa.Text()),
    sa.Column("encounter_id", sa.String(64)),
    sa.Column("source", sa.Text()),
    sa.Column("acuity", sa.Text()),
    sa.Column("source_file", sa.Text()),
    sa.Column("source_line", sa.Integer()),
    sa.Column("sync_id", ID, sa.ForeignKey("sync_log.id"), nullable=False),
    sa.Index("ix_events_patient", "patient_id", "seq"),
    sa.Index("ix_events_timestamp", "timestamp"),
)

QUARANTINE_TEXT = ("timestamp", "patient_id", "event", "unit", "from_unit", "equipment",
                   "event_id", "encounter_id", "source", "acuity")

quarantine = sa.Table(
    "quarantine", metadata,
    sa.Column("id", ID, primary_key=True, autoincrement=True),
    sa.Column("row_key", sa.String(32), nullable=False, unique=True),
    sa.Column("sync_id", ID, sa.ForeignKey("sync_log.id"), nullable=False),
    sa.Column("source_file", sa.Text()),
    sa.Column("source_line", sa.Integer()),
    sa.Column("problem", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text()),
    *(sa.Column(name, sa.Text()) for name in QUARANTINE_TEXT),
)

rejects = sa.Table(
    "rejects", metadata,
    sa.Column("event_id", sa.Text(), primary_key=True),
    sa.Column("patient_id", sa.String(64), nullable=False, index=True),
    sa.Column("problem", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text()),
)

stays = sa.Table(
    "stays", metadata,
    sa.Column("id", ID, primary_key=True, autoincrement=True),
    sa.Column("patient_id", sa.String(64), nullable=False, index=True),
    sa.Column("encounter_id", sa.String(64)),
    sa.Column("unit", sa.Text(), nullable=False),
    sa.Column("start", sa.DateTime(), nullable=False, index=True),
    sa.Column("end", sa.DateTime(), index=True),  # NULL: still open at the last event
    sa.Column("next", sa.Text()),
    sa.Column("source", sa.Text()),
    sa.Column("entry", sa.Boolean(), nullable=False),
    sa.Column("from_unit", sa.Text()),
)

episodes = sa.Table(
    "episodes", metadata,
    sa.Column("id", ID, primary_key=True, autoincrement=True),
    sa.Column("patient_id", sa.String(64), nullable=False, index=True),
    sa.Column("unit", sa.Text()),
    sa.Column("equipment", sa.Text(), nullable=False),
    sa.Column("start", sa.DateTime(), nullable=False, index=True),
    sa.Column("end", sa.DateTime(), index=True),
)

counts = sa.Table(
    "counts", metadata,
    sa.Column("date", sa.Date(), primary_key=True),
    sa.Column("hospital", sa.String(200), primary_key=True),
    sa.Column("unit", sa.String(200), primary_key=True),
    sa.Column("census", sa.Integer(), nullable=False),
    sa.Column("admissions", sa.Integer(), nullable=False),
    sa.Column("discharges", sa.Integer(), nullable=False),
    sa.Column("ventilators_in_use", sa.Integer()),
    sa.Column("sync_id", ID, sa.ForeignKey("sync_log.id"), nullable=False),
)

meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text(), nullable=False),
)

#: Derived per patient; replaced for the patients a sync touches.
DERIVED = (rejects, stays, episodes)
