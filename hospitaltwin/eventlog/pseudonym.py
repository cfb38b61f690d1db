"""Pseudonymisation: patient and encounter identifiers become keyed HMAC-SHA256 digests.

Ingest calls :func:`pseudonymise` on every frame a reader returns, before validation, so that
raw identifiers never reach an output file, a quarantine file, a log line or an error message.
The key comes from the environment variable ``HOSPITALTWIN_PSEUDONYM_KEY`` or a key file; the
same key always gives the same pseudonym (so logs ingested on different days link up), a
different key gives unrelated pseudonyms. Patients and encounters are hashed in separate
domains, so equal raw values do not give equal pseudonyms across the two. A pseudonym is the
first 32 hex digits (128 bits) of the digest. In quarantined rows, where a mangled or shifted
row may carry an identifier in any column, every text cell equal to a raw identifier (and any
quoted one in the reason) is replaced by ``[redacted]`` (:func:`redact`); so are unmapped
unit names that equal one. Accepted rows are left alone: their units are layout units when a
unit map is given (without one, names are kept as they are). Parquet written by ingest
records the key's :func:`fingerprint`; reading it back with the same key keeps its pseudonyms.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.schema import STRING_DTYPE, map_distinct

ENV_VAR = "HOSPITALTWIN_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16
DIGITS = 32
REDACTED = "[redacted]"
ID_COLUMNS = {"patient_id": b"patient", "encounter_id": b"encounter"}


def load_key(key_file: str | Path | None = None, environ: dict | None = None) -> bytes:
    """The pseudonymisation key: from ``key_file`` if given, else from ``HOSPITALTWIN_PSEUDONYM_KEY``.

    Raises
    ------
    HospitaltwinError
        When there is no key, the key file cannot be read, or the key is shorter than
        16 bytes.
    """
    environ = os.environ if environ is None else environ
    if key_file is not None:
        try:
            key = Path(key_file).read_bytes().strip()
        except OSError as exc:
            raise HospitaltwinError(f"{key_file}: cannot read the key file ({exc.strerror})") from None
        where = str(key_file)
    else:
        key = environ.get(ENV_VAR, "").strip().encode()
        where = ENV_VAR
        if not key:
            raise HospitaltwinError(
                f"no pseudonymisation key: set {ENV_VAR} or pass --key-file FILE "
                "(identifiers are always pseudonymised before anything is written)")
    if len(key) < MIN_KEY_BYTES:
        raise HospitaltwinError(f"{where}: the pseudonymisation key must be at least "
                                f"{MIN_KEY_BYTES} bytes long (it has {len(key)})")
    return key


def fingerprint(key: bytes) -> str:
    """A public mark of the key (reveals nothing about it): stored in Parquet output so
    that re-ingesting hospitaltwin's own output with the same key does not hash twice."""
    return pseudonym(key, b"fingerprint", "hospitaltwin")[:16]


def pseudonym(key: bytes, domain: bytes, value: str) -> str:
    """The pseudonym of one identifier in one domain (``b'patient'`` or ``b'encounter'``)."""
    digest = hmac.new(key, domain + b"\x00" + value.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:DIGITS]


def hash_column(values: pd.Series, key: bytes, domain: bytes) -> pd.Series:
    """Pseudonymise a column, computing each distinct value once; NA stays NA."""
    keyed = hmac.new(key, domain + b"\x00", hashlib.sha256)

    def one(value: str) -> str:
        digest = keyed.copy()
        digest.update(value.encode("utf-8"))
        return digest.hexdigest()[:DIGITS]

    return map_distinct(values, one)


def pseudonymise(frame: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """Replace the patient and encounter identifiers of a frame by their pseudonyms.

    Parameters
    ----------
    frame : pandas.DataFrame
        A reader's raw frame (text columns) or quarantine frame.
    key : bytes
        The HMAC key (:func:`load_key`).

    Returns
    -------
    pandas.DataFrame
        A copy with ``patient_id`` and ``encounter_id`` pseudonymised.
    """
    out = frame.copy()
    for column, domain in ID_COLUMNS.items():
        if column in out:
            out[column] = hash_column(out[column], key, domain)
    return out


def raw_identifiers(frame: pd.DataFrame) -> set[str]:
    """The raw patient and encounter identifiers in a frame (kept in memory only)."""
    ids: set[str] = set()
    for column in ID_COLUMNS:
        if column in frame:
            ids.update(frame[column].dropna().astype(str).unique())
    return ids


_QUOTED = re.compile(r"'([^']*)'")


def redact(frame: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    """Replace every text cell equal to a raw identifier, and quoted ids inside reasons.

    Used on quarantined rows, where a mangled or shifted row may carry an identifier in
    any column.
    """
    out = frame.copy()
    if not ids or out.empty:
        return out
    for column in out.columns:
        if column in ID_COLUMNS or column in ("source_line", "source_file", "problem"):
            continue
        values = out[column].astype(STRING_DTYPE)
        if column == "reason":
            out[column] = values.map(lambda text: redact_text(text, ids)).astype(STRING_DTYPE)
            continue
        hit = np.fromiter((isinstance(v, str) and v in ids for v in values.astype(object)),
                          dtype=bool, count=len(values))
        if hit.any():
            out[column] = values.mask(hit, REDACTED)
    return out


def redact_text(text: object, ids: set[str]) -> object:
    """A message with any quoted raw identifier (``'…'``) replaced by ``[redacted]``."""
    if not isinstance(text, str):
        return text
    return _QUOTED.sub(lambda m: f"'{REDACTED}'" if m.group(1) in ids else m.group(0), text)
