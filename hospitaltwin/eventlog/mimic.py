"""Reader of MIMIC-IV: ``hosp/transfers`` as flow events, ``icu/procedureevents`` as ventilation.

One ``transfers`` row is one event at its ``intime``: the first row of an encounter is
``arrive`` (eventtype ``ED``) or ``admit``; later ``ED`` and ``transfer`` rows are
``transfer``; ``admit`` stays ``admit`` (the ED-to-ward admission); ``discharge`` is
``discharge``, or ``death`` when ``hosp/admissions`` (read from beside the transfers file when
present) marks the admission ``hospital_expire_flag = 1``. ``careunit`` is the unit,
``transfer_id`` the event id, ``hadm_id`` the encounter; admissions also give ``source``
(``admission_location``) and ``acuity`` (``admission_type``). An ED visit without an admission
(no ``hadm_id``) is its own encounter (``ed-<transfer_id>``) and, having no discharge row, ends
at its ``outtime`` with an added ``discharge`` (same line). A row whose ``outtime`` precedes
its ``intime`` is quarantined (*stay ends before it starts*).

MIMIC-IV shifts every patient's dates into the years 2100-2200, so the rule that event times
lie at most a day in the future does not apply to it. ``procedureevents`` rows of item 225792
(invasive ventilation) become ``equipment_start`` / ``equipment_end`` of ``ventilator``; other
items are skipped and counted. Given a MIMIC-IV folder, both files are read.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.eventlog.csvtext import as_utf8, header, read_csv_text
from hospitaltwin.eventlog.detect import MIMIC_PROCEDURES, MIMIC_TRANSFERS, head
from hospitaltwin.eventlog.records import ReadResult, empty_quarantine, quarantine_frame, read_bytes
from hospitaltwin.eventlog.schema import STRING_DTYPE, blank_to_na, raw_frame
from hospitaltwin.eventlog.times import parse_naive

VENTILATION_ITEM = "225792"
ORDER = {"ED": 0, "admit": 1, "transfer": 2, "discharge": 3}


def _find(folder: Path, name: str) -> Path | None:
    for candidate in (folder / f"{name}.csv.gz", folder / f"{name}.csv"):
        if candidate.exists():
            return candidate
    return None


def read_mimic(path: Path) -> list[ReadResult]:
    """Read a MIMIC-IV folder, a ``transfers`` file or a ``procedureevents`` file."""
    if path.is_dir():
        transfers = _find(path / "hosp", "transfers")
        if transfers is None:
            raise HospitaltwinError(f"{path}: no hosp/transfers.csv.gz in this MIMIC-IV folder")
        out = [read_transfers(transfers)]
        procedures = _find(path / "icu", "procedureevents")
        return out + ([read_procedures(procedures)] if procedures else [])
    first = head(path, 4096).split(b"\n", 1)[0].decode("utf-8", errors="replace")
    names = {n.strip() for n in first.split(",")}
    if MIMIC_TRANSFERS <= names:
        return [read_transfers(path)]
    if MIMIC_PROCEDURES <= names:
        return [read_procedures(path)]
    raise HospitaltwinError(f"{path}: not a MIMIC-IV transfers or procedureevents table "
                            f"(needs columns {', '.join(sorted(MIMIC_TRANSFERS))})")


def _table(path: Path, needed: set[str], notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table's columns as text with each row's line, and its malformed rows quarantined."""
    data = read_bytes(path)
    names = header(path, data, notes)
    missing = needed - set(names)
    if missing:
        raise HospitaltwinError(f"{path}: missing MIMIC-IV column(s) {', '.join(sorted(missing))}")
    parsed = read_csv_text(path, as_utf8(path, data, notes), names, lambda found: found)
    table = pd.DataFrame({c: blank_to_na(parsed.table.column(c).to_pandas().astype(STRING_DTYPE))
                          for c in parsed.table.column_names})
    table["_line"] = parsed.lines
    bad = raw_frame({}, str(path), [line for line, _ in parsed.bad])
    reasons = pd.Series([reason for _, reason in parsed.bad], dtype=STRING_DTYPE)
    return table, quarantine_frame(bad, "malformed_row", reasons.values)


def _admissions(transfers: Path, notes: list[str]) -> pd.DataFrame | None:
    found = _find(transfers.parent, "admissions")
    if found is None:
        return None
    table, bad = _table(found, {"hadm_id", "hospital_expire_flag"}, notes)
    if len(bad):
        notes.append(f"{found}: {len(bad)} malformed row(s) ignored (admissions add deaths, "
                     "sources and acuity to the transfers; they are not events)")
    return table.drop_duplicates("hadm_id").set_index("hadm_id")


def read_transfers(path: Path) -> ReadResult:
    """Read ``hosp/transfers`` (and ``hosp/admissions`` beside it, if present)."""
    notes: list[str] = []
    t, malformed = _table(path, MIMIC_TRANSFERS | {"transfer_id"}, notes)
    t["timestamp"] = parse_naive(t["intime"])
    t["_text"] = t["intime"]
    ends = parse_naive(t["outtime"])
    backwards = (ends < t["timestamp"]).fillna(False).to_numpy(dtype=bool)
    quarantine = pd.concat([malformed, _backwards(path, t[backwards])], ignore_index=True)
    t, ends = t[~backwards], ends[~backwards]
    t["encounter_id"] = t["hadm_id"].fillna("ed-" + t["transfer_id"].fillna("?"))
    t["_rank"] = t["eventtype"].map(ORDER).fillna(4)
    t = t.sort_values(["subject_id", "encounter_id", "timestamp", "_rank"], kind="stable")
    first = ~t["encounter_id"].duplicated()
    t["event"] = _kinds(t, first)
    t = _with_admissions(t, _admissions(path, notes))
    extra = _implied_exits(t, ends)
    if len(extra):
        notes.append(f"{path}: {len(extra)} encounter(s) without a discharge row (ED visits "
                     "without admission) end at their outtime")
    events = pd.concat([t.assign(_extra=0), extra.assign(_extra=-1)], ignore_index=True)
    events = events.sort_values(["subject_id", "timestamp", "_extra"], kind="stable")
    return ReadResult(str(path), _frame(events, path), quarantine, notes=notes,
                      dates_shifted=True)


def _backwards(path: Path, rows: pd.DataFrame) -> pd.DataFrame:
    if rows.empty:
        return empty_quarantine()
    frame = raw_frame({"timestamp": rows["intime"], "patient_id": rows["subject_id"],
                       "unit": rows["careunit"], "event_id": rows["transfer_id"],
                       "encounter_id": rows["hadm_id"], "event": rows["eventtype"]},
                      str(path), rows["_line"])
    return quarantine_frame(frame, "end_before_start",
                            ("outtime '" + rows["outtime"] + "' before intime '" + rows["intime"]
                             + "'").to_numpy())


def _kinds(t: pd.DataFrame, first: pd.Series) -> pd.Series:
    kind = t["eventtype"].map({"ED": "transfer", "admit": "admit", "transfer": "transfer",
                               "discharge": "discharge"})
    kind = kind.fillna(t["eventtype"])
    entry = first & t["eventtype"].isin(("ED", "admit", "transfer"))
    kind = kind.mask(entry & (t["eventtype"] == "ED"), "arrive")
    return kind.mask(entry & (t["eventtype"] != "ED"), "admit")


def _with_admissions(t: pd.DataFrame, adm: pd.DataFrame | None) -> pd.DataFrame:
    if adm is None:
        t["source"], t["acuity"] = pd.NA, pd.NA
        return t
    died = t["hadm_id"].map(adm["hospital_expire_flag"]) == "1"
    t["event"] = t["event"].mask(died.fillna(False) & (t["event"] == "discharge"), "death")
    t["source"] = t["hadm_id"].map(adm.get("admission_location", pd.Series(dtype=str)))
    t["acuity"] = t["hadm_id"].map(adm.get("admission_type", pd.Series(dtype=str)))
    return t


def _implied_exits(t: pd.DataFrame, ends: pd.Series) -> pd.DataFrame:
    """A discharge at ``outtime`` for encounters whose last row is not an exit."""
    last = ~t["encounter_id"].duplicated(keep="last")
    open_end = last & ~t["event"].isin(("discharge", "death")) & ends.reindex(t.index).notna()
    extra = t[open_end].copy()
    extra["timestamp"] = ends.reindex(extra.index)
    extra["_text"] = extra["outtime"]
    extra["event"], extra["careunit"] = "discharge", pd.NA
    extra["transfer_id"] = extra["transfer_id"] + ":out"
    return extra


def _frame(events: pd.DataFrame, path: Path) -> pd.DataFrame:
    return raw_frame({"timestamp": events["_text"], "patient_id": events["subject_id"],
                      "event": events["event"], "unit": events["careunit"],
                      "event_id": events["transfer_id"], "encounter_id": events["encounter_id"],
                      "source": events["source"], "acuity": events["acuity"]},
                     str(path), events["_line"])


def read_procedures(path: Path) -> ReadResult:
    """Read ``icu/procedureevents``: invasive ventilation as ventilator start/end events."""
    notes: list[str] = []
    p, malformed = _table(path, MIMIC_PROCEDURES | {"hadm_id"}, notes)
    vent = p["itemid"] == VENTILATION_ITEM
    skipped = Counter({"procedureevents: other items": int((~vent).sum())})
    p = p[vent]
    start, end = parse_naive(p["starttime"]), parse_naive(p["endtime"])
    backwards = (end < start).fillna(False).to_numpy(dtype=bool)
    backward_rows = quarantine_frame(
        raw_frame({"timestamp": p["starttime"][backwards], "patient_id": p["subject_id"][backwards],
                   "event": pd.Series("equipment_start", index=p.index)[backwards],
                   "equipment": pd.Series("ventilator", index=p.index)[backwards]},
                  str(path), p["_line"][backwards]),
        "end_before_start", "ventilation endtime before starttime")
    quarantine = pd.concat([malformed, backward_rows], ignore_index=True)
    p = p[~backwards]
    both = pd.concat([_equipment(p, "starttime", "equipment_start"),
                      _equipment(p, "endtime", "equipment_end")], ignore_index=True)
    both = both.sort_values(["subject_id", "_time", "_line"], kind="stable")
    frame = raw_frame({"timestamp": both["_text"], "patient_id": both["subject_id"],
                       "event": both["event"], "equipment": "ventilator",
                       "encounter_id": both.get("hadm_id")}, str(path), both["_line"])
    return ReadResult(str(path), frame, quarantine, skipped=skipped, notes=notes,
                      dates_shifted=True)


def _equipment(p: pd.DataFrame, column: str, kind: str) -> pd.DataFrame:
    out = p[["subject_id", "hadm_id", "_line"]].copy()
    out["_text"] = p[column].str.replace(" ", "T", n=1).astype(STRING_DTYPE)
    out["_time"] = parse_naive(p[column])
    out["event"] = kind
    return out
