"""Who may do what: argon2 passwords, random tokens, logins that slow down and lock.

Passwords are hashed with argon2id (argon2-cffi's defaults, re-hashed when those change).
API tokens and browser sessions are 256-bit random values (:func:`new_token`) shown once;
the store keeps their SHA-256 digest only. A login is refused with the same message whether
the name or the password is wrong, and costs one argon2 verification either way, so neither
the answer nor its time tells which names exist. Failed logins are limited twice: per user
(five in a row lock the account for a minute, doubling up to an hour, in the store) and per
client address (:class:`LoginLimiter`, a token bucket in memory: a burst of 10, then one
attempt every 6 seconds). Roles are ordered: a viewer reads state, forecasts and alerts; an
analyst also runs what-ifs and sees pseudonymous patients; an admin also manages users.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.store import accounts
from hospitaltwin.store.connect import writing

RANK = {"viewer": 0, "analyst": 1, "admin": 2}
MIN_PASSWORD = 12
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("no such user: spend the same time")


def allows(role: str, needed: str) -> bool:
    """Whether ``role`` includes what ``needed`` may do."""
    return RANK.get(role, -1) >= RANK[needed]


def new_token() -> str:
    """A fresh random token (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def check_password(password: str) -> str:
    """``password`` if it is long enough, else a clear error."""
    if len(password) < MIN_PASSWORD:
        raise HospitaltwinError(f"a password needs at least {MIN_PASSWORD} characters")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash of a (checked) password."""
    return _hasher.hash(check_password(password))


def create_user(engine: sa.Engine, name: str, role: str, password: str,
                actor: str | None = None) -> accounts.User:
    """Add a user (audited); the name must be new, the password long enough."""
    if not name or len(name) > 64 or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise HospitaltwinError("a user name is 1-64 letters, digits, '.', '-' or '_'")
    hashed = hash_password(password)
    with writing(engine) as conn:
        user = accounts.add_user(conn, name, accounts.check_role(role), hashed)
        accounts.audit(conn, actor, "user.add", name, detail={"role": role})
    return user


def issue_token(engine: sa.Engine, name: str, actor: str | None = None) -> str:
    """A new API token for user ``name`` (audited); only its digest is kept."""
    token = new_token()
    with writing(engine) as conn:
        user = accounts.find_user(conn, name)
        if user is None:
            raise HospitaltwinError(f"no user {name!r}")
        accounts.add_token(conn, user, token, "api")
        accounts.audit(conn, actor, "token.issue", name)
    return token


def delete_user(engine: sa.Engine, name: str, actor: str | None = None) -> None:
    """Remove a user with their tokens and sessions (audited)."""
    with writing(engine) as conn:
        accounts.remove_user(conn, name)
        accounts.audit(conn, actor, "user.remove", name)


@dataclass(frozen=True)
class LoginResult:
    """A login's outcome: the user, or why not (``locked`` names the lock's end)."""

    user: accounts.User | None
    reason: str = ""
    locked: bool = False


def login(engine: sa.Engine, name: str, password: str, client: str | None = None) -> LoginResult:
    """Check a name and password, counting failures and locking (see the module doc)."""
    with engine.connect() as conn:
        stored = accounts.password_hash(conn, name)
        until = accounts.locked_until(conn, name) if stored else None
    if until is not None:
        _audit(engine, name, "login", "denied", {"why": "locked"}, client)
        return LoginResult(None, f"too many failed logins: locked until {until:%H:%M:%S} UTC",
                           locked=True)
    ok = _verify(stored or _DUMMY, password) and stored is not None
    with writing(engine) as conn:
        locks = accounts.record_login(conn, name, ok)
        if ok and _hasher.check_needs_rehash(stored):
            accounts.set_password_hash(conn, name, _hasher.hash(password))
        accounts.audit(conn, name, "login", outcome="ok" if ok else "denied", client=client)
        user = accounts.find_user(conn, name) if ok else None
    if ok:
        return LoginResult(user)
    if locks is not None:
        return LoginResult(None, f"too many failed logins: locked until {locks:%H:%M:%S} UTC",
                           locked=True)
    return LoginResult(None, "wrong user name or password")


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _audit(engine, actor, action, outcome, detail, client) -> None:
    with writing(engine) as conn:
        accounts.audit(conn, actor, action, outcome=outcome, detail=detail, client=client)


class LoginLimiter:
    """Login attempts per client address: a token bucket (``burst``, one per ``every_s``)."""

    def __init__(self, burst: int = 10, every_s: float = 6.0):
        self.burst, self.every_s = burst, every_s
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait_s(self, client: str) -> float:
        """0 when an attempt is allowed now (and counted), else seconds until one is."""
        with self._lock:
            now = time.monotonic()
            tokens, then = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) / self.every_s)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                return (1.0 - tokens) * self.every_s
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > 10_000:  # forget the oldest clients
                self._buckets.pop(next(iter(self._buckets)))
            return 0.0
