"""Users, their tokens and the audit trail, in the store (SQL only; hashing is the caller's).

The service keeps no state outside the store, accounts included. A user has a name, a role
(``viewer``, ``analyst`` or ``admin``) and the argon2 hash of their password; an API token or
a browser session is kept only as the SHA-256 digest of the random value handed out once
(:func:`digest`), so a copy of the database lets no one in. Failed logins are counted per user
and lock the account for a while (:func:`record_login`). Every call that changes something
and every refused attempt is written to ``audit`` (:func:`audit`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.store.service_tables import audit as audit_table
from hospitaltwin.store.service_tables import tokens, users
from hospitaltwin.store.sync import now

ROLES = ("viewer", "analyst", "admin")
#: Failed logins in a row before the account is locked, and the first lock's length.
LOCK_AFTER, FIRST_LOCK = 5, timedelta(minutes=1)
MAX_LOCK = timedelta(hours=1)


@dataclass(frozen=True)
class User:
    """A user as the service sees them (never the password hash)."""

    id: int
    name: str
    role: str
    created: datetime
    last_login: datetime | None = None
    locked_until: datetime | None = None

    def as_dict(self) -> dict:
        """JSON-ready fields."""
        return {"name": self.name, "role": self.role, "created": _iso(self.created),
                "last_login": _iso(self.last_login), "locked_until": _iso(self.locked_until)}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def digest(token: str) -> str:
    """SHA-256 hex digest of a token (what the store keeps)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row) -> User:
    return User(row.id, row.name, row.role, row.created, row.last_login, row.locked_until)


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`, else a clear error."""
    if role not in ROLES:
        raise HospitaltwinError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    return role


def add_user(conn: sa.Connection, name: str, role: str, password_hash: str) -> User:
    """Create a user; an existing name is an error."""
    check_role(role)
    if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first():
        raise HospitaltwinError(f"user {name!r} already exists")
    conn.execute(users.insert().values(name=name, role=role, password_hash=password_hash,
                                       created=now(), failed_logins=0))
    return find_user(conn, name)


def find_user(conn: sa.Connection, name: str) -> User | None:
    """The user called ``name``, or None."""
    row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    return _user(row) if row else None


def password_hash(conn: sa.Connection, name: str) -> str | None:
    """The stored argon2 hash of ``name``'s password (None: no such user)."""
    return conn.execute(sa.select(users.c.password_hash).where(users.c.name == name)).scalar()


def set_password_hash(conn: sa.Connection, name: str, new_hash: str) -> None:
    """Replace a password hash (argon2 rehashing with newer parameters)."""
    conn.execute(users.update().where(users.c.name == name).values(password_hash=new_hash))


def list_users(conn: sa.Connection) -> list[User]:
    """Every user, by name."""
    return [_user(r) for r in conn.execute(sa.select(users).order_by(users.c.name)).all()]


def remove_user(conn: sa.Connection, name: str) -> None:
    """Delete a user and all their tokens and sessions."""
    user = find_user(conn, name)
    if user is None:
        raise HospitaltwinError(f"no user {name!r}")
    conn.execute(tokens.delete().where(tokens.c.user_id == user.id))
    conn.execute(users.delete().where(users.c.id == user.id))


def add_token(conn: sa.Connection, user: User, token: str, kind: str = "api",
              lifetime: timedelta | None = None) -> None:
    """Keep the digest of a new API token (``kind='api'``) or browser session."""
    created = now()
    conn.execute(tokens.insert().values(
        user_id=user.id, digest=digest(token), kind=kind, created=created,
        expires=created + lifetime if lifetime else None))


def user_of_token(conn: sa.Connection, token: str, kind: str) -> User | None:
    """The user holding a live token of ``kind``, or None."""
    query = sa.select(users).join(tokens, tokens.c.user_id == users.c.id).where(
        tokens.c.digest == digest(token), tokens.c.kind == kind,
        sa.or_(tokens.c.expires.is_(None), tokens.c.expires > now()))
    row = conn.execute(query).first()
    return _user(row) if row else None


def drop_token(conn: sa.Connection, token: str) -> None:
    """Forget a token or session (logout)."""
    conn.execute(tokens.delete().where(tokens.c.digest == digest(token)))


def locked_until(conn: sa.Connection, name: str) -> datetime | None:
    """When ``name``'s lock ends, if it is locked now."""
    until = conn.execute(sa.select(users.c.locked_until).where(users.c.name == name)).scalar()
    return until if until is not None and until > now() else None


def record_login(conn: sa.Connection, name: str, ok: bool) -> datetime | None:
    """Count a login attempt; the lock's end when this failure locks the account.

    After :data:`LOCK_AFTER` failures in a row the account is locked for :data:`FIRST_LOCK`,
    doubling with each further failure up to :data:`MAX_LOCK`; a success resets the count.
    """
    if ok:
        conn.execute(users.update().where(users.c.name == name).values(
            failed_logins=0, locked_until=None, last_login=now()))
        return None
    failed = conn.execute(sa.select(users.c.failed_logins).where(users.c.name == name)).scalar()
    if failed is None:
        return None
    failed += 1
    until = None
    if failed >= LOCK_AFTER:
        until = now() + min(FIRST_LOCK * 2 ** (failed - LOCK_AFTER), MAX_LOCK)
    conn.execute(users.update().where(users.c.name == name).values(
        failed_logins=failed, locked_until=until))
    return until


def audit(conn: sa.Connection, actor: str | None, action: str, target: str | None = None,
          outcome: str = "ok", detail: dict | None = None, client: str | None = None) -> None:
    """Append one line to the audit trail."""
    conn.execute(audit_table.insert().values(
        time=now(), actor=actor, action=action, target=target, outcome=outcome,
        detail=json.dumps(detail) if detail else None, client=client))


def audit_lines(conn: sa.Connection, limit: int = 100) -> list[dict]:
    """The latest ``limit`` audit lines, newest first."""
    rows = conn.execute(sa.select(audit_table).order_by(audit_table.c.id.desc()).limit(limit))
    return [{"time": r.time.isoformat() + "Z", "actor": r.actor, "action": r.action,
             "target": r.target, "outcome": r.outcome,
             "detail": json.loads(r.detail) if r.detail else None, "client": r.client}
            for r in rows]
