"""Reader of FHIR R4 ``Encounter`` resources (a Bundle in JSON, or NDJSON) into canonical events.

Each Encounter's ``location[]`` history, ordered by ``period.start``, becomes its events: the
first location an ``arrive`` (encounter ``class`` ``EMER``) or ``admit``, each later one a
``transfer`` from the one before. When the encounter has ended (``period.end``, else the
last location's ``period.end``) a ``discharge`` follows, or a ``death`` when
``hospitalization.dischargeDisposition`` is ``exp`` (expired). The unit is the location's
``display`` (else the id in its reference); the patient the id in ``subject.reference`` (or
``subject.identifier.value``); the encounter ``id``; ``source`` the admit source and
``acuity`` the priority code. Resources other than Encounter are skipped and counted.

Event ids are left to validation's content hash (an id built from the encounter id would
carry a raw identifier into the output). ``source_line`` is the line of the resource in NDJSON,
and the entry's position (1-based) in a Bundle. A location whose period ends before it starts
is quarantined (*stay ends before it starts*); an Encounter without any location is
quarantined (*missing unit*). A ``Bundle.entry`` that is not a list is one quarantined record,
never an empty Bundle; JSON nested too deeply to read refuses the file (one clear error), or
quarantines its line in NDJSON.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.records import (
    ReadResult,
    decode,
    events_from_records,
    quarantine_records,
    read_bytes,
)
from hospitaltwin.eventlog.times import parse_timestamps

DEATH_CODES = {"exp", "expired", "died", "death"}


def _get(obj: object, *keys: object) -> object:
    """Nested lookup that yields None instead of failing on a missing key or wrong type."""
    for key in keys:
        if isinstance(key, int):
            obj = obj[key] if isinstance(obj, list) and -len(obj) <= key < len(obj) else None
        else:
            obj = obj.get(key) if isinstance(obj, dict) else None
        if obj is None:
            return None
    return obj


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _code(concept: object) -> str | None:
    """A CodeableConcept's (or Coding's) first code, else its text."""
    return (_text(_get(concept, "coding", 0, "code")) or _text(_get(concept, "code"))
            or _text(_get(concept, "text")))


def _parse(text: str) -> tuple[object, str | None, int]:
    """(value, None, 0), or (None, why it is not JSON, line of the problem)."""
    try:
        return json.loads(text), None, 0
    except RecursionError:
        return None, (f"JSON nested too deeply to read (more than about "
                      f"{sys.getrecursionlimit()} levels)"), 1
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg})", exc.lineno
    except ValueError:  # e.g. an integer of more digits than Python converts
        return None, "not valid JSON (a number too long to read)", 1


def _resources(text: str, path: Path, bad: list[dict]) -> list[tuple[int, object]]:
    whole, why, line = _parse(text)
    if why is not None:
        if why != "not valid JSON (Extra data)" and text.count("\n") < 1:
            raise HospitaltwinError(f"{path}: line {line}: {why}")
        return _ndjson(text, path, bad)
    if isinstance(whole, dict) and whole.get("resourceType") == "Bundle":
        return _entries(whole, bad)
    if isinstance(whole, list):
        return list(enumerate(whole, start=1))
    return [(1, whole)]


def _entries(bundle: dict, bad: list[dict]) -> list[tuple[int, object]]:
    """The resources of a Bundle's ``entry`` list (a non-list entry is quarantined)."""
    entries = bundle.get("entry")
    if entries is None:
        return []
    if not isinstance(entries, list):
        shape = "an object" if isinstance(entries, dict) else f"a {type(entries).__name__}"
        bad.append({"source_line": 1, "problem": "unreadable_record",
                    "reason": f"Bundle.entry is {shape}, not a list of entries"})
        return []
    return [(i, _get(e, "resource")) for i, e in enumerate(entries, start=1)]


def _ndjson(text: str, path: Path, bad: list[dict]) -> list[tuple[int, object]]:
    out, lines = [], text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        value, why, _ = _parse(line)
        if why is None:
            out.append((number, value))
        else:
            bad.append({"source_line": number, "problem": "unreadable_record", "reason": why})
    if not out:
        raise HospitaltwinError(f"{path}: not valid JSON or NDJSON")
    return out


def _ref_id(reference: object) -> str | None:
    text = _text(reference)
    return text.rsplit("/", 1)[-1] if text else None


def _locations(encounter: dict) -> list[tuple[str | None, object, object]]:
    """(unit, start text, end text) of each location, ordered by start."""
    items = encounter.get("location") if isinstance(encounter.get("location"), list) else []
    out = []
    for item in items:
        unit = _text(_get(item, "location", "display")) or _ref_id(_get(item, "location", "reference"))
        out.append((unit, _get(item, "period", "start"), _get(item, "period", "end")))
    starts = parse_timestamps(pd.Series([loc[1] if isinstance(loc[1], str) else None
                                         for loc in out], dtype="string"))
    order = sorted(range(len(out)), key=lambda i: (pd.isna(starts[i]), starts[i] if
                                                   pd.notna(starts[i]) else 0, i))
    return [out[i] for i in order]


def _before(end: object, start: object) -> bool:
    if not (isinstance(end, str) and isinstance(start, str)):
        return False
    times = parse_timestamps(pd.Series([start, end]))
    return bool(times.notna().all() and times[1] < times[0])


class _Reader:
    def __init__(self) -> None:
        self.events: list[dict] = []
        self.bad: list[dict] = []
        self.skipped: Counter = Counter()

    def resource(self, line: int, res: object) -> None:
        kind = _get(res, "resourceType")
        if kind != "Encounter":
            shown = kind if isinstance(kind, str) and re.fullmatch(r"[A-Za-z]{1,40}", kind) else "non-resource"
            self.skipped[f"FHIR {shown} (not an Encounter)"] += 1
            return
        self.encounter(line, res)

    def encounter(self, line: int, enc: dict) -> None:
        base = {"source_line": line, "encounter_id": _text(enc.get("id")),
                "patient_id": _ref_id(_get(enc, "subject", "reference"))
                or _text(_get(enc, "subject", "identifier", "value")),
                "source": _code(_get(enc, "hospitalization", "admitSource")),
                "acuity": _code(enc.get("priority"))}
        locations = _locations(enc)
        if not locations:
            self.bad.append({**base, "problem": "missing_unit",
                             "reason": "Encounter without a location history"})
            return
        first = "arrive" if _code(enc.get("class")) == "EMER" else "admit"
        previous = None
        for index, (unit, start, end) in enumerate(locations):
            event = {**base, "timestamp": start, "unit": unit}
            if _before(end, start):
                self.bad.append({**event, "event": "transfer", "problem": "end_before_start",
                                 "reason": f"location period ends '{end}' before it starts "
                                           f"'{start}'"})
                continue
            event["event"] = first if previous is None else "transfer"
            event["from_unit"] = previous
            self.events.append(event)
            previous = unit
        self._exit(enc, base, locations, previous)

    def _exit(self, enc: dict, base: dict, locations: list, previous: str | None) -> None:
        end = _get(enc, "period", "end") or locations[-1][2]
        if previous is None or not end:
            return
        disposition = (_code(_get(enc, "hospitalization", "dischargeDisposition")) or "").lower()
        kind = "death" if disposition in DEATH_CODES else "discharge"
        self.events.append({**base, "timestamp": end, "event": kind, "unit": None})


def read_fhir(path: Path) -> ReadResult:
    """Read FHIR R4 Encounters from a Bundle (JSON) or NDJSON file."""
    notes: list[str] = []
    reader = _Reader()
    for line, resource in _resources(decode(read_bytes(path), path, notes), path, reader.bad):
        reader.resource(line, resource)
    for record in reader.events + reader.bad:
        for key in ("timestamp", "encounter_id", "patient_id", "unit"):
            if record.get(key) is not None and not isinstance(record[key], str):
                record[key] = None
    return ReadResult(str(path), events_from_records(str(path), reader.events),
                      quarantine_records(str(path), reader.bad), skipped=reader.skipped,
                      notes=notes)
