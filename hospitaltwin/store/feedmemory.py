"""What the MLLP feed remembers between messages, without keeping an identifier in the store.

A file read by ``sync`` gives the HL7 reader two things that single messages do not, and the
feed (:mod:`.feed`) keeps both across batches and restarts:

- **Each patient's last location** (PV1-3.1 as sent), which decides whether an A08 update is
  a move, and is its ``from_unit`` when it is. The reader compares names as sent, and a name
  as sent may identify someone (``Bed of MRN3333333``), so ``feed_locations`` keeps it
  *sealed*: AES-GCM under a key derived from the pseudonymisation key, with the patient's
  pseudonym as associated data (a row cannot be moved to another patient). Opening it again
  gives the name as sent, so the reader judges every A08 as it would in one file.
- **The identifiers seen so far.** Free text that names a patient or encounter id of the
  input is masked (:mod:`hospitaltwin.eventlog.privacy`); ``sync`` looks for the raw ids of
  its files, the feed for those of the batch and, by pseudonym, of every patient and
  encounter stored before (:class:`SeenIds`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hospitaltwin.eventlog.pseudonym import ID_COLUMNS, pseudonym
from hospitaltwin.store.resolve import chunks
from hospitaltwin.store.schema import events, quarantine
from hospitaltwin.store.service_tables import feed_locations

log = logging.getLogger("hospitaltwin.mllp")
SEALED = "aesgcm1:"
NONCE = 12


class Sealer:
    """Seals and opens location names for one key (see the module doc)."""

    def __init__(self, key: bytes):
        derived = hmac.new(key, b"hospitaltwin feed locations\x00", hashlib.sha256).digest()
        self.aead = AESGCM(derived)

    def seal(self, patient: str, name: str) -> str:
        """``name`` sealed for ``patient`` (a pseudonym), as text."""
        nonce = os.urandom(NONCE)
        box = self.aead.encrypt(nonce, name.encode("utf-8", "surrogatepass"), patient.encode())
        return SEALED + base64.b64encode(nonce + box).decode("ascii")

    def open(self, patient: str, text: str) -> str | None:
        """The name sealed in ``text`` for ``patient``; None when it cannot be opened."""
        if not text.startswith(SEALED):
            return None
        try:
            raw = base64.b64decode(text[len(SEALED):], validate=True)
            name = self.aead.decrypt(raw[:NONCE], raw[NONCE:], patient.encode())
        except (ValueError, InvalidTag):
            return None
        return name.decode("utf-8", "surrogatepass")


class SeenIds:
    """Raw ids of a batch, and those stored before it, known by their pseudonyms.

    A container of str for :class:`~hospitaltwin.eventlog.privacy.Masker`: ``text in ids``
    holds when ``text`` is a raw patient or encounter id of the batch, or its pseudonym is
    that of a stored patient or encounter.
    """

    def __init__(self, raw: set[str], key: bytes, known: set[str]):
        self.raw, self.key, self.known = raw, key, known

    def __contains__(self, text: object) -> bool:
        if text in self.raw:
            return True
        return isinstance(text, str) and any(
            pseudonym(self.key, domain, text) in self.known for domain in ID_COLUMNS.values())


class FeedMemory:
    """Locations (pseudonym -> name as sent) and the pseudonyms of ids seen so far."""

    def __init__(self, key: bytes, locations: dict[str, str], known: set[str]):
        self.key, self.sealer = key, Sealer(key)
        self.locations, self.known = locations, known

    @classmethod
    def load(cls, conn: sa.Connection, key: bytes) -> FeedMemory:
        """Read the memory from the store (once, at the feed's first batch)."""
        sealer = Sealer(key)
        locations, unreadable = {}, 0
        for patient, text in conn.execute(sa.select(feed_locations.c.patient_id,
                                                    feed_locations.c.unit)).all():
            name = sealer.open(patient, text)
            if name is None:
                unreadable += 1
            else:
                locations[patient] = name
        if unreadable:
            log.warning("%d remembered location(s) could not be opened with this key and are "
                        "forgotten: an A08 update of those patients is taken as no move",
                        unreadable)
            forget(conn, [p for p, _ in conn.execute(sa.select(
                feed_locations.c.patient_id, feed_locations.c.unit)).all()
                if p not in locations])
        known: set[str] = set()
        for table in (events, quarantine):
            for column in ID_COLUMNS:
                known.update(v for v in conn.execute(sa.select(
                    table.c[column]).distinct()).scalars() if v is not None)
        return cls(key, locations, known)

    def seen(self, raw: set[str]) -> SeenIds:
        """The ids a batch's masker looks for: the batch's raw ids and those stored."""
        return SeenIds(raw, self.key, self.known)

    def save(self, conn: sa.Connection, moved: dict[str, str | None]) -> None:
        """Write the batch's changes (pseudonym -> name, None when the patient left)."""
        forget(conn, list(moved))
        rows = [{"patient_id": p, "unit": self.sealer.seal(p, name)}
                for p, name in moved.items() if name is not None]
        if rows:
            conn.execute(feed_locations.insert(), rows)

    def commit(self, moved: dict[str, str | None], ids: set[str]) -> None:
        """After the batch's commit: its locations and the pseudonyms of its ids."""
        for patient, name in moved.items():
            if name is None:
                self.locations.pop(patient, None)
            else:
                self.locations[patient] = name
        self.known |= ids


def forget(conn: sa.Connection, patients: list[str]) -> None:
    """Remove the remembered locations of ``patients``."""
    for chunk in chunks(sorted(patients)):
        conn.execute(feed_locations.delete().where(feed_locations.c.patient_id.in_(chunk)))
