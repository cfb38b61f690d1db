"""Synthetic HL7 v2 ADT streams for the service tests and the MLLP benchmark.

Patients of the 150-bed community hospital (``layouts/community-150.yaml`` unit ids) register
in the ED (A04), are admitted to a ward or the ICU (A01), some move on (A02, or an A08 whose
location changed), and most leave (A03). Each patient's messages stay on one stream (one MLLP
connection), in time order, so the arrival order at the service never reorders a patient.
:func:`malformed` gives blocks that are not HL7 (ACKed AR) and messages that parse but cannot
be used (ACKed AE).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

START = datetime(2025, 3, 3, 6, 0)
WARDS = ("ICU", "PCU", "MS_2E", "MS_3E", "MS_3W", "SURG")


def hl7_time(when: datetime) -> str:
    return when.strftime("%Y%m%d%H%M%S") + "-0600"


def message(trigger: str, control: str, when: datetime, patient: str, unit: str,
            prior: str = "", visit: str = "") -> str:
    """One ADT message, segments separated by CR."""
    kind = {"A02": "ADT_A02", "A03": "ADT_A03"}.get(trigger, "ADT_A01")
    return "\r".join([
        f"MSH|^~\\&|EPIC|GEN|TWIN|GEN|{hl7_time(when)}||ADT^{trigger}^{kind}|{control}|P|2.5",
        f"EVN|{trigger}|{hl7_time(when)}",
        f"PID|1||{patient}^^^GEN^MR||DOE^JANE",
        f"PV1|1|I|{unit}^1^A|E||{prior}^^^||||||||7|||||{visit}",
    ])


def patient_messages(rng: np.random.Generator, number: int, stream: int, start: datetime) -> list:
    """(time, text) of one patient's messages."""
    patient, visit = f"MRN{number:07d}", f"V{number:07d}"
    when = start + timedelta(minutes=int(rng.integers(0, 60 * 24 * 3)))
    out, seq = [], iter(range(100))

    def add(trigger, unit, prior=""):
        out.append((when, message(trigger, f"S{stream}P{number}M{next(seq)}", when, patient,
                                  unit, prior, visit)))

    add("A04", "ED")
    when += timedelta(minutes=int(rng.integers(60, 360)))
    unit = str(rng.choice(WARDS))
    add("A01", unit)
    if rng.random() < 0.4:
        when += timedelta(minutes=int(rng.integers(120, 2000)))
        other = str(rng.choice([w for w in WARDS if w != unit]))
        if rng.random() < 0.5:
            add("A02", other, unit)
        else:
            add("A08", unit)  # no change: skipped
            when += timedelta(minutes=7)
            add("A08", other)  # a move announced by an update
        unit = other
    if rng.random() < 0.8:
        when += timedelta(minutes=int(rng.integers(240, 5000)))
        add("A03", unit)
    return out


def streams(patients: int, count: int = 4, seed: int = 1, start: datetime = START) -> list[list[str]]:
    """Messages per stream (connection), each stream in time order."""
    rng = np.random.default_rng(seed)
    per: list[list] = [[] for _ in range(count)]
    for number in range(patients):
        per[number % count].extend(patient_messages(rng, number, number % count, start))
    return [[text for _, text in sorted(s, key=lambda pair: pair[0])] for s in per]


def malformed(count: int, seed: int = 2) -> list[tuple[str, str]]:
    """``count`` bad messages as (expected ACK code, text): half not HL7, half unusable."""
    out = []
    for i in range(count):
        if i % 2 == 0:
            out.append(("AR", f"this is not an HL7 message {i}"))
        else:
            text = message("A01", f"BAD{seed}-{i}", START, f"MRNBAD{i}", "ICU")
            out.append(("AE", text.replace(hl7_time(START), "2025139945")))  # bad timestamp
    return out
