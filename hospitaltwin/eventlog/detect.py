"""Format detection from content: what kind of event log is this file?

``--format auto`` looks at the first bytes (after un-gzipping), never at the name alone:
Parquet magic, an HL7 v2 MSH segment (optionally MLLP-framed), an XML document whose root is
an XES ``<log>``, JSON holding FHIR ``resourceType``, a CSV header naming the canonical or
MIMIC-IV columns, or else an MSH segment starting a later line (text before the first HL7
message). A MIMIC-IV directory (with ``hosp/transfers.csv.gz``) is read as MIMIC. The
error for an unrecognised file names the file and what was looked for, never its content.
"""

from __future__ import annotations

import csv
import gzip
import re
import zlib
from pathlib import Path

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.records import GZIP_MAGIC
from hospitaltwin.eventlog.schema import REQUIRED

FORMATS = ("auto", "canonical", "mimic", "hl7", "fhir", "xes")
HEAD_BYTES = 1 << 16
MIMIC_TRANSFERS = {"subject_id", "hadm_id", "eventtype", "careunit", "intime", "outtime"}
MIMIC_PROCEDURES = {"subject_id", "itemid", "starttime", "endtime"}


def head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of a file's content (gunzipped when it is gzip)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(size)
            if data[:2] == GZIP_MAGIC:
                handle.seek(0)
                with gzip.open(handle) as unzipped:
                    data = unzipped.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise HospitaltwinError(f"{path}: file not found") from None
        raise HospitaltwinError(f"{path}: cannot be read ({exc})") from None
    return data


def mimic_root(path: Path) -> bool:
    """Whether ``path`` is a MIMIC-IV directory."""
    return path.is_dir() and any((path / "hosp").glob("transfers.csv*"))


def detect_format(path: Path) -> str:
    """One of ``canonical, mimic, hl7, fhir, xes`` for the file at ``path``.

    Raises
    ------
    HospitaltwinError
        When the content matches none of them.
    """
    if path.is_dir():
        if mimic_root(path):
            return "mimic"
        raise HospitaltwinError(f"{path}: a directory, but not a MIMIC-IV one "
                                "(no hosp/transfers.csv.gz)")
    data = head(path).lstrip(b"\xef\xbb\xbf").lstrip()
    if not data:
        raise HospitaltwinError(f"{path}: empty file, not an event log")
    found = _by_magic(data) or _by_header(data) or _hl7_inside(data)
    if found is None:
        raise HospitaltwinError(
            f"{path}: not a recognised event log (looked for Parquet, HL7 v2 'MSH', XES "
            f"'<log>', FHIR JSON 'resourceType', or a CSV header with {', '.join(REQUIRED)} or "
            "the MIMIC-IV transfers/procedureevents columns)")
    return found


#: A segment-shaped first line and an MSH segment further on (e.g. a stray segment first).
_HL7_LATER = re.compile(rb"[A-Z][A-Z0-9]{2}\|.*?[\r\n]MSH\|", re.DOTALL)


def _by_magic(data: bytes) -> str | None:
    if data.startswith(b"PAR1"):
        return "canonical"
    if data[:1] == b"\x0b" or data[:3] in (b"MSH", b"FHS", b"BHS") or _HL7_LATER.match(data):
        return "hl7"
    if data[:1] == b"<":
        return "xes" if b"<log" in data else None
    if data[:1] in (b"{", b"["):
        return "fhir" if b'"resourceType"' in data else None
    return None


#: An MSH segment starting a later line or MLLP frame (junk before the first message).
_MSH_LATER = re.compile(rb"[\r\n\x0b]MSH\|")


def _hl7_inside(data: bytes) -> str | None:
    return "hl7" if _MSH_LATER.search(data) else None


def _by_header(data: bytes) -> str | None:
    first = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip("\r\n")
    try:
        names = {n.strip() for n in next(csv.reader([first]), [])}
    except csv.Error:
        return None
    if MIMIC_TRANSFERS <= names or MIMIC_PROCEDURES <= names:
        return "mimic"
    if set(REQUIRED) <= names:
        return "canonical"
    return None
