"""What one sync did: the counts it prints and records in the sync log, and the input checksums.

Counts add up as in ``hospitaltwin ingest``: ``read = new + duplicates + quarantined``. *New*
events are stored; *duplicates* were already in the store or repeated in the input (same
``event_id``); *quarantined* rows can never be used (bad timestamp, unknown kind, unmapped
unit, …) and are kept in the ``quarantine`` table. Stored events that break a sequence rule
(a discharge whose admission has not arrived yet, …) are *held*: kept, left out of stays and
states, and judged again when more events of the patient arrive. *Cancelled* counts the events
this sync withdrew (HL7 A11/A12/A13 or ``cancel`` rows), wherever the cancelled event came from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SyncReport:
    """The outcome of one sync (events or daily counts)."""

    sync_id: int
    kind: str
    sources: tuple[dict, ...]
    read: int
    new: int
    duplicates: int
    quarantined: int = 0
    cancelled: int = 0
    held: int = 0
    patients: int = 0
    replaced: int = 0
    skipped: int = 0
    problems: dict = field(default_factory=dict)
    unmapped: dict = field(default_factory=dict)
    ambiguous: int = 0
    notes: tuple[str, ...] = ()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, or of a folder's files (relative names and contents)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for item in files:
        if path.is_dir():
            digest.update(str(item.relative_to(path)).encode() + b"\x00")
        with open(item, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def checksums(paths: list[Path]) -> tuple[tuple[dict, ...], str]:
    """Per input ``{"file", "sha256"}`` and one checksum over all of them."""
    sources = tuple({"file": str(p), "sha256": file_sha256(p)} for p in paths)
    combined = hashlib.sha256("".join(s["sha256"] for s in sources).encode()).hexdigest()
    return sources, combined
