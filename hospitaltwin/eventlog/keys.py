"""The pseudonymisation key: where it comes from, how strong it must be, how outputs prove it.

The key comes from a key file (``--key-file``; ``hospitaltwin keygen`` writes one with 256
random bits, readable by its owner only) or from ``HOSPITALTWIN_PSEUDONYM_KEY``. A key must be
at least 16 bytes and not guessable: :func:`key_bits` estimates its entropy from the spread of
its characters, not counting characters that repeat, continue a run or repeat a short pattern
(``aaaa``, ``1234``, ``abcd``, ``xyzxyz``), and a key under :data:`MIN_KEY_BITS` is refused. A
key file that others may read gives a warning.

Parquet files written by ingest and every state store keep a *check value* of the key so that a
different key is noticed before two pseudonym spaces get mixed. The check value is scrypt
(memory-hard, ~0.1 s per try) of the key with a random salt stored beside it: it confirms the
right key, but testing guesses against it offline costs an attacker that much per guess.

:data:`DEMO_KEY` is public (the main-job script uses it for the bundled synthetic sample). It
is accepted for that sample only and refused for any other input.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import secrets
import stat
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from hospitaltwin.core.errors import HospitaltwinError

ENV_VAR = "HOSPITALTWIN_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16
MIN_KEY_BITS = 48
#: The public key of the bundled synthetic sample (scripts/main_job.sh).
DEMO_KEY = b"demo-key-for-the-bundled-sample-only"
#: SHA-256 of the (uncompressed) inputs the demo key may be used with.
DEMO_INPUTS = frozenset({"1e6e8b7900d141d9a5c3a0fdebd8c1778c080add2f2186b8f46e52777a90bb14"})
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
CHECK_PREFIX = "scrypt"


def load_key(key_file: str | Path | None = None, environ: dict | None = None,
             warn: Callable[[str], None] | None = None) -> bytes:
    """The pseudonymisation key: from ``key_file`` if given, else from the environment.

    Parameters
    ----------
    key_file : path, optional
        A file holding the key (surrounding white space is ignored).
    environ : dict, optional
        The environment to read (default: ``os.environ``).
    warn : callable, optional
        Called with a message when the key file may be read by others.

    Raises
    ------
    HospitaltwinError
        When there is no key, the key file cannot be read, or the key is too short or too
        easy to guess.
    """
    environ = os.environ if environ is None else environ
    if key_file is not None:
        key, where = _read_key_file(Path(key_file), warn), str(key_file)
    else:
        key, where = environ.get(ENV_VAR, "").strip().encode(), ENV_VAR
        if not key:
            raise HospitaltwinError(
                f"no pseudonymisation key: set {ENV_VAR} or pass --key-file FILE (make one with "
                "`hospitaltwin keygen --out FILE`; identifiers are always pseudonymised)")
    check_strength(key, where)
    return key


def _read_key_file(path: Path, warn: Callable[[str], None] | None) -> bytes:
    try:
        key = path.read_bytes().strip()
        mode = path.stat().st_mode
    except OSError as exc:
        raise HospitaltwinError(f"{path}: cannot read the key file ({exc.strerror})") from None
    if warn is not None and mode & (stat.S_IRWXG | stat.S_IRWXO):
        warn(f"{path}: the key file may be read by others (mode {stat.S_IMODE(mode):o}); "
             f"restrict it with: chmod 600 {path}")
    return key


def check_strength(key: bytes, where: str = "the key") -> None:
    """Refuse a key shorter than 16 bytes or with fewer than :data:`MIN_KEY_BITS` estimated bits."""
    advice = "make a strong one with `hospitaltwin keygen --out FILE` and pass --key-file FILE"
    if len(key) < MIN_KEY_BYTES:
        raise HospitaltwinError(f"{where}: the pseudonymisation key must be at least "
                                f"{MIN_KEY_BYTES} bytes long (it has {len(key)}); {advice}")
    bits = key_bits(key)
    if bits < MIN_KEY_BITS:
        raise HospitaltwinError(f"{where}: the pseudonymisation key is too easy to guess (about "
                                f"{bits:.0f} bits of entropy, at least {MIN_KEY_BITS} needed); "
                                + advice)


def key_bits(key: bytes) -> float:
    """Estimated entropy of a key in bits (see the module doc); a rough guard, not a proof."""
    if not key:
        return 0.0
    counts = Counter(key)
    per_symbol = -sum(c / len(key) * math.log2(c / len(key)) for c in counts.values())
    return max(0.0, per_symbol * _unpredictable(key))


def _unpredictable(key: bytes) -> int:
    """Characters that neither repeat the one before, continue a run of step 1, nor continue
    a repetition of the last few characters (``abcabc``)."""
    count = 0
    for i, value in enumerate(key):
        step = value - key[i - 1] if i else None
        runs = i >= 2 and step in (-1, 1) and step == key[i - 1] - key[i - 2]
        if step != 0 and not runs and not _repeats(key, i):
            count += 1
    return count


def _repeats(key: bytes, i: int, longest: int = 8) -> bool:
    """Whether ``key[i-1:i+1]`` repeats the two characters ``p`` back, for some ``p <= longest``."""
    return any(key[i] == key[i - p] and key[i - 1] == key[i - 1 - p]
               for p in range(2, min(longest, i - 1) + 1))


def generate_key() -> bytes:
    """A new random key: 256 bits as 64 hex digits."""
    return secrets.token_hex(32).encode()


def write_key_file(path: str | Path, key: bytes | None = None) -> Path:
    """Write a new key to ``path``, readable by its owner only; never overwrite a file.

    Raises
    ------
    HospitaltwinError
        When ``path`` exists (a key in use must not be lost) or cannot be written.
    """
    path = Path(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise HospitaltwinError(f"{path}: already exists; a key in use must not be replaced "
                                "(pseudonyms and stores depend on it): choose another path"
                                ) from None
    except OSError as exc:
        raise HospitaltwinError(f"{path}: cannot write the key file ({exc.strerror})") from None
    with os.fdopen(handle, "wb") as out:
        out.write((key or generate_key()) + b"\n")
    return path


def check_value(key: bytes, salt: bytes | None = None) -> str:
    """A check value of ``key``: ``scrypt$<salt>$<digest>`` (base64), with a new random salt."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.scrypt(key, salt=salt, dklen=32, **SCRYPT)
    return "$".join((CHECK_PREFIX, _b64(salt), _b64(digest)))


def matches(key: bytes, value: str) -> bool:
    """Whether ``value`` (from :func:`check_value`) was made with ``key``."""
    parts = value.split("$")
    if len(parts) != 3 or parts[0] != CHECK_PREFIX:
        return False
    try:
        salt = base64.b64decode(parts[1], validate=True)
    except ValueError:
        return False
    return hmac.compare_digest(check_value(key, salt), value)


def refuse_demo_key(key: bytes, contents: Iterable[tuple[str, bytes]]) -> None:
    """Refuse the public demo key for anything but the bundled sample.

    ``contents`` gives (name, uncompressed bytes) of each input.
    """
    if not hmac.compare_digest(key, DEMO_KEY):
        return
    for name, data in contents:
        if hashlib.sha256(data).hexdigest() not in DEMO_INPUTS:
            raise HospitaltwinError(
                f"{name}: the public demo key is for the bundled synthetic sample only, never "
                "for other data; make your own key with `hospitaltwin keygen --out FILE`")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
