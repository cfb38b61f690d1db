"""Pseudonyms: patient, encounter and event identifiers become keyed HMAC-SHA256 digests.

Ingest pseudonymises every frame a reader returns before validation
(:class:`hospitaltwin.eventlog.privacy.Masker`), so that raw identifiers never reach an
output file, a quarantine file, a log line or an error message. The same key always gives the
same pseudonym (so logs ingested on different days link up, and ingesting a file twice finds
its events already there), a different key gives unrelated pseudonyms. Patients, encounters
and events are hashed in separate domains, so equal raw values do not give equal pseudonyms
across them. A pseudonym is the first 32 hex digits (128 bits) of the digest. Where the key
comes from, and how a file or store proves which key it was made with, is
:mod:`hospitaltwin.eventlog.keys`.
"""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from hospitaltwin.eventlog.schema import map_distinct

DIGITS = 32
#: Columns holding identifiers, and their hashing domains.
PSEUDONYM_COLUMNS = {"patient_id": b"patient", "encounter_id": b"encounter", "event_id": b"event"}
#: Columns whose raw values are looked for in free text (see :mod:`.privacy`), and domains.
ID_COLUMNS = {"patient_id": b"patient", "encounter_id": b"encounter"}


def pseudonym(key: bytes, domain: bytes, value: str) -> str:
    """The pseudonym of one identifier in one domain (``b'patient'``, ``b'encounter'``,
    ``b'event'``)."""
    digest = hmac.new(key, domain + b"\x00" + value.encode("utf-8", errors="surrogatepass"),
                      hashlib.sha256)
    return digest.hexdigest()[:DIGITS]


def hash_column(values: pd.Series, key: bytes, domain: bytes) -> pd.Series:
    """Pseudonymise a column, computing each distinct value once; NA stays NA."""
    keyed = hmac.new(key, domain + b"\x00", hashlib.sha256)

    def one(value: str) -> str:
        digest = keyed.copy()
        digest.update(value.encode("utf-8", errors="surrogatepass"))
        return digest.hexdigest()[:DIGITS]

    return map_distinct(values, one)


def pseudonymise(frame: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """Replace the patient, encounter and event identifiers of a frame by their pseudonyms.

    Parameters
    ----------
    frame : pandas.DataFrame
        A reader's raw frame (text columns) or quarantine frame.
    key : bytes
        The HMAC key (:func:`hospitaltwin.eventlog.keys.load_key`).

    Returns
    -------
    pandas.DataFrame
        A copy with ``patient_id``, ``encounter_id`` and ``event_id`` pseudonymised.
    """
    out = frame.copy()
    for column, domain in PSEUDONYM_COLUMNS.items():
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
