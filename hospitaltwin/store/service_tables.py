"""Tables of the live service: accounts, audit, forecast runs, alerts and the MLLP feed's memory.

They live in the same database as the twin's events (the store is the service's only state)
and are created with the others when a store is opened. *Accounts*: ``users`` (name, role,
argon2 hash of the password, failed-login count and lock time) and ``tokens`` (SHA-256 of
each API token or browser session, never the token itself; sessions expire). ``audit``
records who did what and when. ``forecast_runs`` holds one row per scheduled forecast or
backtest: its id, times, state, the checksums of its inputs and the folder its files are in
(relative to the service's runs folder). ``alerts`` holds one row per alert episode: when a
rule fired and, once the risk fell below the line again, when it cleared. The MLLP feed keeps
``mllp_messages`` (a keyed hash of each message control id with the acknowledgement it got, so
a resent message is acknowledged again and stored once) and ``feed_locations`` (each
pseudonymous patient's last location, which decides whether an A08 update is a move).
"""

from __future__ import annotations

import sqlalchemy as sa

from hospitaltwin.store.schema import ID, metadata

users = sa.Table(
    "users", metadata,
    sa.Column("id", ID, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),  # viewer | analyst | admin
    sa.Column("password_hash", sa.Text(), nullable=False),
    sa.Column("created", sa.DateTime(), nullable=False),
    sa.Column("failed_logins", sa.Integer(), nullable=False, default=0),
    sa.Column("locked_until", sa.DateTime()),
    sa.Column("last_login", sa.DateTime()),
)

tokens = sa.Table(
    "tokens", metadata,
    sa.Column("id", ID, primary_key=True, autoincrement=True),
    sa.Column("user_id", ID, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
              index=True),
    sa.Column("digest", sa.String(64), nullable=False, unique=True),  # SHA-256 hex
    sa.Column("kind", sa.String(16), nullable=False),  # api | session
    sa.Column("created", sa.DateTime(), nullable=False),
    sa.Column("expires", sa.DateTime()),  # NULL: until revoked
    sa.Column("last_used", sa.DateTime()),
)

audit = sa.Table(
    "audit", metadata,
    sa.Column("id", ID, primary_key=True, autoincrement=True),
    sa.Column("time", sa.DateTime(), nullable=False, index=True),
    sa.Column("actor", sa.String(64)),  # user name; NULL for the service itself
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.Text()),
    sa.Column("outcome", sa.String(16), nullable=False),  # ok | denied | failed
    sa.Column("detail", sa.Text()),
    sa.Column("client", sa.String(64)),
)

forecast_runs = sa.Table(
    "forecast_runs", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # forecast | backtest
    sa.Column("state", sa.String(16), nullable=False),  # running | done | failed
    sa.Column("started", sa.DateTime(), nullable=False, index=True),
    sa.Column("finished", sa.DateTime()),
    sa.Column("as_of", sa.DateTime()),
    sa.Column("events", sa.Integer()),
    sa.Column("checksums", sa.Text(), nullable=False),  # JSON: input -> sha256
    sa.Column("folder", sa.Text()),  # relative to the runs folder
    sa.Column("reason", sa.Text()),
)

alerts = sa.Table(
    "alerts", metadata,
    sa.Column("id", ID, primary_key=True, autoincrement=True),
    sa.Column("rule", sa.String(200), nullable=False, index=True),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("threshold", sa.Float(), nullable=False),
    sa.Column("fired_at", sa.DateTime(), nullable=False),
    sa.Column("fired_run", sa.String(32), nullable=False),
    sa.Column("fired_value", sa.Float(), nullable=False),
    sa.Column("cleared_at", sa.DateTime()),
    sa.Column("cleared_run", sa.String(32)),
    sa.Column("cleared_value", sa.Float()),
)

mllp_messages = sa.Table(
    "mllp_messages", metadata,
    sa.Column("number", ID, primary_key=True, autoincrement=False),  # arrival order
    sa.Column("control_key", sa.String(32), unique=True),  # keyed hash of MSH-10
    sa.Column("received", sa.DateTime(), nullable=False),
    sa.Column("ack", sa.String(2), nullable=False),  # AA | AE | AR
    sa.Column("reason", sa.Text()),
    sa.Column("sync_id", ID, sa.ForeignKey("sync_log.id")),
)

feed_locations = sa.Table(
    "feed_locations", metadata,
    sa.Column("patient_id", sa.String(64), primary_key=True),
    sa.Column("unit", sa.Text(), nullable=False),
)
