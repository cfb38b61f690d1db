"""Reader of HL7 v2 ADT messages in ER7 (one file of many messages) into canonical events.

Messages may be MLLP-framed (``0x0b … 0x1c 0x0d``) or separated by line breaks or blank
lines; segments end in CR, LF or CRLF; batch envelopes (FHS/BHS/BTS/FTS) are ignored. A
message's line is the line of its MSH segment. Every record-shaped thing is counted and none is
merged into a neighbour (:func:`split_records`): a message starts at its MSH and ends at the
next MSH, envelope segment, MLLP frame boundary, or line that is not an HL7 segment; segments
before any MSH, or a second EVN (or PID/PV1, outside the two-patient A17/A24/A37) in one
message, start a *message without MSH*; text that is not HL7 (also bytes before an MSH on its
line) is a record of its own. Both are quarantined with their line. Fields are read with python-hl7
(``hl7.parse`` and ``Message.extract_field``: separators from MSH-1/MSH-2, repetitions,
components, sub-components, escape sequences). For throughput an equivalent direct read of
the same fields (:func:`fast_fields`, first repetition / component / sub-component, using the
message's own separators) is tried first; it declines any message that contains the escape
character or is not plainly shaped, which python-hl7 then reads, and a property test holds
the two to the same answers.

What each trigger event becomes (``unit`` is PV1-3.1, the point of care; the time is EVN-2,
else MSH-7; the patient PID-3.1 of the first repetition; the encounter PV1-19.1; the event id
MSH-10; ``source`` PV1-14; ``acuity`` PV1-4):

====== ==================================================================================
A01    ``admit``
A04    ``arrive`` (registration, e.g. at the emergency department)
A02    ``transfer`` (``from_unit`` PV1-6.1)
A06/07 ``transfer`` (change of patient class; the location may change with it)
A08    ``transfer`` when PV1-3 differs from the patient's last location in this file,
       otherwise skipped and counted
A03    ``discharge``, or ``death`` when PID-30 is ``Y`` or PV1-36 is an expired code
A11    ``cancel`` of ``admit``; A12 of ``transfer``; A13 of ``discharge`` (named in
       ``source``, see :mod:`hospitaltwin.eventlog.cancel`)
other  skipped and counted (other ADT triggers, non-ADT messages)
====== ==================================================================================
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import hl7

from hospitaltwin.eventlog.records import (
    ReadResult,
    decode,
    events_from_records,
    quarantine_records,
    read_bytes,
)

FLOW = {"A01": "admit", "A04": "arrive", "A02": "transfer", "A06": "transfer",
        "A07": "transfer", "A08": "transfer", "A03": "discharge", "A11": "cancel",
        "A12": "cancel", "A13": "cancel"}
CANCELS = {"A11": "admit", "A12": "transfer", "A13": "discharge"}
DEATH_DISPOSITIONS = {"20", "40", "41", "42", "EXP", "EXPIRED", "DIED", "DEATH"}
ENVELOPE = ("FHS", "BHS", "BTS", "FTS")
#: (name, segment, field, component) of every value the reader uses.
FIELDS = (
    ("msg_type", "MSH", 9, 1), ("trigger", "MSH", 9, 2), ("msh_time", "MSH", 7, 1),
    ("control_id", "MSH", 10, 1), ("evn_time", "EVN", 2, 1), ("patient", "PID", 3, 1),
    ("death_flag", "PID", 30, 1), ("acuity", "PV1", 4, 1), ("unit", "PV1", 3, 1),
    ("prior_unit", "PV1", 6, 1), ("source", "PV1", 14, 1), ("visit", "PV1", 19, 1),
    ("disposition", "PV1", 36, 1),
)
SEGMENTS = {"MSH", "EVN", "PID", "PV1"}
_TS = re.compile(r"^(\d{4})(\d\d)(\d\d)(?:(\d\d)(\d\d)?(\d\d)?(\.\d{1,6})?)?([+-]\d{4})?$")


#: Segments an ADT message has once; a second one starts a new (MSH-less) message.
ONCE = ("EVN", "PID", "PV1")
#: Triggers whose messages carry two patients (two PID/PV1 groups).
TWO_PATIENTS = {"A17", "A24", "A37"}
_TAG = re.compile(r"[A-Z][A-Z0-9]{2}")
_MSH_INSIDE = re.compile(r"MSH[^A-Za-z0-9\s]")
_FRAME = re.compile("[\x0b\x1c]")
NOT_HL7 = "text that is not HL7 between messages"
NO_MSH = "HL7 segment(s) outside any message (no MSH before them)"


class _Splitter:
    """Cuts HL7 text into messages and other records, one physical line at a time."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, list[str]]] = []
        self.others: list[tuple[int, str]] = []
        self.current: list[str] | None = None
        self.tags: set[str] = set()
        self.line = 0
        self.sep = "|"
        self.is_message = False
        self.in_junk = False

    def close(self) -> None:
        if self.current is not None:
            if self.is_message:
                self.messages.append((self.line, self.current))
            else:
                self.others.append((self.line, NO_MSH))
        self.current, self.in_junk, self.sep = None, False, "|"

    def start(self, number: int, text: str, is_message: bool) -> None:
        self.close()
        self.current, self.tags, self.line, self.is_message = [text], {text[:3]}, number, is_message
        if is_message:
            self.sep = text[3]

    def piece(self, number: int, text: str) -> None:
        if not self._segment(text):
            if not text.strip():
                return
            inside = _MSH_INSIDE.search(text)
            self.junk(number)
            if inside is None:
                return
            text = text[inside.start():]
        self.in_junk = False
        tag = text[:3]
        if tag == "MSH":
            self.start(number, text, True)
        elif tag in ENVELOPE:
            self.close()
        elif self.current is None or self._repeats(tag):
            self.start(number, text, False)
        else:
            self.current.append(text)
            self.tags.add(tag)

    def junk(self, number: int) -> None:
        if not self.in_junk:
            self.close()
            self.others.append((number, NOT_HL7))
            self.in_junk = True

    def _segment(self, text: str) -> bool:
        tag = text[:3]
        if tag == "MSH" or tag in ENVELOPE:  # MSH-1, the field separator, must follow
            return len(text) > 3 and not text[3].isalnum() and not text[3].isspace()
        if len(text) < 3 or (len(text) > 3 and text[3] != self.sep):
            return False
        return _TAG.fullmatch(tag) is not None

    def _repeats(self, tag: str) -> bool:
        if tag not in ONCE or tag not in self.tags:
            return False
        return tag == "EVN" or not (self.is_message and _trigger(self.current[0]) in TWO_PATIENTS)


def _trigger(msh: str) -> str:
    fields = msh.split(msh[3]) if len(msh) > 3 else []
    comp = fields[1][:1] if len(fields) > 1 and fields[1] else "^"
    parts = fields[8].split(comp) if len(fields) > 8 else []
    return parts[1] if len(parts) > 1 else ""


def split_records(text: str) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
    """Messages as (line of MSH, segments), and the other records as (line, reason).

    MLLP start (0x0b) and end (0x1c) bytes are boundaries; lines end in CR, LF or CRLF.
    """
    splitter = _Splitter()
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"),
                                  start=1):
        if "\x0b" not in line and "\x1c" not in line:
            splitter.piece(number, line)
            continue
        for index, piece in enumerate(_FRAME.split(line)):
            if index:
                splitter.close()
            splitter.piece(number, piece)
    splitter.close()
    return splitter.messages, splitter.others


def fast_fields(segments: list[str]) -> dict[str, str] | None:
    """The values of :data:`FIELDS`, read directly; None when python-hl7 must read it."""
    msh = segments[0]
    if len(msh) < 8:
        return None
    sep = msh[3]
    enc = msh[4:msh.find(sep, 4)] if msh.find(sep, 4) > 0 else ""
    if len(enc) < 3 or sep in enc or sep.isalnum():
        return None
    comp, rep, esc = enc[0], enc[1], enc[2]
    sub = enc[3] if len(enc) > 3 else "&"
    first: dict[str, list[str]] = {}
    for segment in segments:
        name = segment[:3]
        if name in SEGMENTS and name not in first and segment[3:4] == sep:
            if esc in (segment[len(enc) + 5:] if name == "MSH" else segment):
                return None
            first[name] = segment.split(sep)
    out = {}
    for key, name, field, component in FIELDS:
        parts = first.get(name)
        index = field - 1 if name == "MSH" else field
        value = parts[index] if parts is not None and index < len(parts) else ""
        pieces = value.split(rep, 1)[0].split(comp)
        out[key] = pieces[component - 1].split(sub, 1)[0] if component <= len(pieces) else ""
    return out


def library_fields(segments: list[str]) -> dict[str, str]:
    """The values of :data:`FIELDS` read by python-hl7 (raises on an unparseable message)."""
    message = hl7.parse("\r".join(segments))
    out = {}
    for key, name, field, component in FIELDS:
        try:
            out[key] = str(message.extract_field(name, 1, field, 1, component, 1))
        except (KeyError, IndexError):
            out[key] = ""
    return out


def hl7_time(value: str) -> str | None:
    """HL7 DTM (``YYYYMMDDHHMM[SS[.S]][+ZZZZ]``) as ISO 8601 text; other text as is."""
    if not value:
        return None
    match = _TS.match(value)
    if match is None:
        return value
    y, mo, d, h, mi, s, frac, off = match.groups()
    iso = f"{y}-{mo}-{d}T{h or '00'}:{mi or '00'}:{s or '00'}{frac or ''}"
    return iso + (f"{off[:3]}:{off[3:]}" if off else "")


class AdtReader:
    """Turns ADT messages, one at a time, into event records and quarantine records.

    ``read_hl7`` reads a file with one reader. A live feed reads messages as they come, batch
    by batch, and keeps each patient's last location (PV1-3.1, which decides whether an A08
    update is a move) across batches and restarts: it passes that memory in as
    ``locations`` and finds it updated after each message.

    Parameters
    ----------
    locations : dict, optional
        Patient id (PID-3.1, as sent) -> last location (PV1-3.1, as sent). The reader
        updates it in place: a move sets the patient's location, a discharge (A03) or a
        cancelled admission (A11) removes it.

    Attributes
    ----------
    events : list of dict
        One record per flow event: canonical columns as read, and ``source_line``.
    bad : list of dict
        Records that cannot be read (``source_line``, ``problem``, ``reason``).
    skipped : collections.Counter
        Messages that are no flow event, by kind.
    """

    def __init__(self, locations: dict[str, str] | None = None) -> None:
        self.events: list[dict] = []
        self.bad: list[dict] = []
        self.skipped: Counter = Counter()
        self.locations: dict[str, str] = {} if locations is None else locations

    def read(self, line: int, segments: list[str]) -> None:
        """Read one message (its segments, as :func:`split_records` cuts them) at ``line``."""
        try:
            values = fast_fields(segments) or library_fields(segments)
        except Exception:  # noqa: BLE001  (python-hl7 raises many types on broken input)
            self.unreadable(line, "HL7 message that cannot be parsed")
            return
        if not values["msg_type"]:
            self.unreadable(line, "HL7 message without a message type (MSH-9)")
            return
        if values["msg_type"] != "ADT":
            self.skipped[f"HL7 {_code(values['msg_type'])} message (not ADT)"] += 1
            return
        kind = FLOW.get(values["trigger"])
        if kind is None:
            self.skipped[f"HL7 ADT^{_code(values['trigger'])} (not a flow event)"] += 1
            return
        self._event(line, values, kind)

    def unreadable(self, line: int, reason: str) -> None:
        """Count a record that is not a readable message, quarantined with ``reason``."""
        self.bad.append({"source_line": line, "problem": "unreadable_record", "reason": reason})

    def _event(self, line: int, v: dict[str, str], kind: str) -> None:
        trigger, patient, unit = v["trigger"], v["patient"], v["unit"] or None
        record = {"source_line": line, "timestamp": hl7_time(v["evn_time"] or v["msh_time"]),
                  "patient_id": patient, "event": kind, "unit": unit,
                  "event_id": v["control_id"], "encounter_id": v["visit"],
                  "source": v["source"], "acuity": v["acuity"]}
        if trigger == "A08":
            known = self.locations.get(patient)
            if unit is None or known is None or known == unit:
                self.skipped["HL7 ADT^A08 without a location change"] += 1
                return
            record["from_unit"] = known
        elif trigger == "A02":
            record["from_unit"] = v["prior_unit"]
        elif trigger == "A03" and (v["death_flag"] == "Y"
                                   or v["disposition"].upper() in DEATH_DISPOSITIONS):
            record["event"] = "death"
        elif trigger in CANCELS:
            record["source"] = CANCELS[trigger]
        self._track(patient, trigger, unit)
        self.events.append(record)

    def _track(self, patient: str, trigger: str, unit: str | None) -> None:
        if trigger in ("A03", "A11"):
            self.locations.pop(patient, None)
        elif unit is not None:
            self.locations[patient] = unit


def read_hl7(path: Path) -> ReadResult:
    """Read a file of HL7 v2 ADT messages (see the module doc for the mapping)."""
    notes: list[str] = []
    messages, others = split_records(decode(read_bytes(path), path, notes))
    reader = AdtReader()
    for line, segments in messages:
        reader.read(line, segments)
    for line, reason in others:
        reader.unreadable(line, reason)
    events = events_from_records(str(path), reader.events)
    return ReadResult(str(path), events, quarantine_records(str(path), reader.bad),
                      skipped=reader.skipped, notes=notes)


def _code(value: str) -> str:
    """A message type or trigger code for the report; anything else is not echoed."""
    return value if re.fullmatch(r"[A-Z0-9_]{1,7}", value) else "(unrecognised code)"
