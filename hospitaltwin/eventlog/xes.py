"""Reader of XES process-mining logs (IEEE 1849) into canonical events.

A trace is a patient (its ``concept:name``); its events carry an activity (``concept:name``)
and a time (``time:timestamp``). An activity map says which activities are patient-flow
events: ``{activity: {event: KIND, unit: UNIT}}``, from the ``activities:`` section of the
unit-map file, or for want of one :data:`SEPSIS_ACTIVITIES`, the built-in map of the BPI
Challenge *Sepsis Cases* log (ER Registration / ER Triage / ER Sepsis Triage → arrive at
``ED``; Admission NC → ``NC``, normal care; Admission IC → ``IC``, intensive care; Release
A–E → discharge; Return ER → a new arrival at ``ED``). Other activities (laboratory tests,
infusions) are skipped and counted.

Within a trace, events are taken in time order, and an entry is resolved against where the
patient already is: an entry into the unit the patient is in is a no-op (skipped, counted);
an ``admit`` while in the unit reached by ``arrive`` stays an admission (ED to ward); an
``admit`` while already admitted elsewhere becomes a ``transfer`` from that unit. An arrival
after a discharge starts a new encounter (``<case>#2``, …). ``source_line`` is the line of
the ``<event>`` element. Parsing streams with lxml (no entity expansion, no network).
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pandas as pd
from lxml import etree

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.privacy import looks_identifying
from hospitaltwin.eventlog.records import (
    ReadResult,
    events_from_records,
    quarantine_records,
    read_bytes,
)
from hospitaltwin.eventlog.times import parse_timestamps

SEPSIS_ACTIVITIES: dict[str, dict[str, str]] = {
    "ER Registration": {"event": "arrive", "unit": "ED"},
    "ER Triage": {"event": "arrive", "unit": "ED"},
    "ER Sepsis Triage": {"event": "arrive", "unit": "ED"},
    "Admission NC": {"event": "admit", "unit": "NC"},
    "Admission IC": {"event": "admit", "unit": "IC"},
    **{f"Release {x}": {"event": "discharge"} for x in "ABCDE"},
    "Return ER": {"event": "arrive", "unit": "ED"},
}


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _attributes(element) -> dict[str, str]:
    return {child.get("key"): child.get("value") for child in element
            if _local(child.tag) != "event" and child.get("key") is not None}


class _Case:
    """Where one trace's patient is while its events are replayed."""

    def __init__(self, case: str | None) -> None:
        self.case, self.unit, self.by_arrive, self.visit = case, None, False, 1

    def encounter(self) -> str | None:
        if self.case is None:
            return None
        return self.case if self.visit == 1 else f"{self.case}#{self.visit}"


def _resolve(state: _Case, spec: dict[str, str], activity: str, skipped: Counter):
    """The (event, from_unit) to emit for one mapped activity, or None to skip it."""
    kind, unit = spec["event"], spec.get("unit")
    if kind in ("arrive", "admit"):
        if state.unit is not None and state.unit == unit:
            skipped[f"XES {activity}: already in {unit}"] += 1
            return None
        if state.unit is not None and kind == "admit" and not state.by_arrive:
            return "transfer", state.unit
        return kind, None
    return kind, None


def _apply(state: _Case, kind: str, unit: str | None) -> None:
    if kind in ("arrive", "admit"):
        state.by_arrive = state.unit is None and kind == "arrive"
        state.unit = unit
    elif kind == "transfer":
        state.unit, state.by_arrive = unit, False
    elif kind in ("discharge", "death"):
        state.unit, state.by_arrive = None, False
        state.visit += 1


class _Reader:
    def __init__(self, activities: dict[str, dict[str, str]]) -> None:
        self.activities = activities
        self.events: list[dict] = []
        self.skipped: Counter = Counter()

    def trace(self, trace) -> None:
        case = _attributes(trace).get("concept:name")
        rows = []
        for element in trace:
            if _local(element.tag) == "event":
                attrs = _attributes(element)
                rows.append((element.sourceline or 0, attrs.get("time:timestamp"),
                             attrs.get("concept:name"), attrs.get("lifecycle:transition")))
        times = parse_timestamps(pd.Series([r[1] for r in rows], dtype="string"))
        order = sorted(range(len(rows)), key=lambda i: (pd.isna(times[i]), times[i] if
                                                        pd.notna(times[i]) else 0, i))
        state = _Case(case)
        for i in order:
            self.event(state, *rows[i])

    def event(self, state: _Case, line: int, stamp, activity, transition) -> None:
        spec = self.activities.get(activity)
        if spec is None or (transition or "complete").lower() not in ("complete",):
            what = "not in the activity map" if spec is None else f"lifecycle {_shown(transition)}"
            self.skipped[f"XES activity {_shown(activity)!r} ({what})"] += 1
            return
        resolved = _resolve(state, spec, activity, self.skipped)
        if resolved is None:
            return
        kind, from_unit = resolved
        self.events.append({"source_line": line, "timestamp": stamp, "patient_id": state.case,
                            "event": kind, "unit": spec.get("unit"), "from_unit": from_unit,
                            "equipment": spec.get("equipment"),
                            "encounter_id": state.encounter()})
        _apply(state, kind, spec.get("unit"))


def _shown(name: object) -> str:
    """An activity or lifecycle name for the report, unless it may identify someone."""
    if not isinstance(name, str):
        return "(none)"
    return "(masked)" if looks_identifying(name) or not name.isprintable() else name


def read_xes(path: Path, activities: dict[str, dict[str, str]] | None = None) -> ReadResult:
    """Read an XES log; ``activities`` maps activity names to events (default: Sepsis Cases)."""
    reader = _Reader(activities or SEPSIS_ACTIVITIES)
    bad: list[dict] = []
    parser = etree.iterparse(io.BytesIO(read_bytes(path)), events=("end",),
                             resolve_entities=False, no_network=True, load_dtd=False)
    seen_log = False
    try:
        for _, element in parser:
            name = _local(element.tag)
            seen_log = seen_log or name == "log"
            if name == "trace":
                reader.trace(element)
                element.clear(keep_tail=False)
    except etree.XMLSyntaxError as exc:
        if not reader.events and not reader.skipped:
            raise HospitaltwinError(f"{path}: not valid XML (line {exc.lineno}: "
                                    f"{' '.join(str(exc.msg).split())})") from None
        bad.append({"source_line": exc.lineno or 0, "problem": "unreadable_record",
                    "reason": "XML broken here, the rest of the file is unread ("
                              + " ".join(str(exc.msg).split()) + ")"})
    if not seen_log and not bad:
        raise HospitaltwinError(f"{path}: XML but not an XES log (no <log> element)")
    return ReadResult(str(path), events_from_records(str(path), reader.events),
                      quarantine_records(str(path), bad), skipped=reader.skipped)
