"""The data-quality report of an ingest: counts per input and per kind of finding.

:func:`summarise` gathers, as a plain dict (written next to the output as JSON by the CLI),
how many events each input gave and what became of them (accepted, quarantined, duplicate;
records skipped as not patient-flow events are listed beside them), how many rows were found
per kind of problem, and what was kept but is worth knowing: rows out of order, naive times in
the repeated autumn hour and how they were read, stays still open when the log ends (no
discharge yet: right-censored), equipment still running, unit names the map does not cover.
:func:`files_table` and :func:`quality_table` render it with rich for a person;
:func:`no_events_message` is the error when nothing in the inputs can be used.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd
from rich.table import Table

from hospitaltwin.eventlog.episodes import equipment_episodes, unit_stays
from hospitaltwin.eventlog.records import ReadResult
from hospitaltwin.eventlog.validate import Validated

#: Readable names of the problem kinds and what happens to such rows.
FINDINGS = {
    "malformed_row": "malformed row (wrong number of fields)",
    "unreadable_record": "record that cannot be parsed",
    "missing_patient": "missing patient id",
    "missing_timestamp": "missing timestamp",
    "bad_timestamp": "bad timestamp (unreadable, implausible or not on the local clock)",
    "missing_event": "missing event kind",
    "unknown_event": "unknown event kind",
    "missing_unit": "missing unit",
    "missing_equipment": "missing equipment",
    "unmapped_unit": "unmapped unit",
    "end_before_start": "stay ends before it starts",
    "overlapping_stay": "overlapping stays",
    "wrong_from_unit": "transfer from a unit the patient is not in",
    "transfer_while_out": "transfer while in no unit",
    "exit_while_out": "discharge/death while in no unit",
    "encounter_mismatch": "encounter differs from the open stay's",
    "overlapping_equipment": "equipment started twice",
    "end_without_start": "equipment ended without a start",
    "bad_cancel": "cancel naming nothing cancellable",
    "cancel_unmatched": "cancel with nothing to cancel",
    "cancelled": "event withdrawn by a cancel",
    "cancel_applied": "cancel applied",
}


def _per_file(results: list[ReadResult], validated: Validated) -> dict[str, dict[str, int]]:
    accepted = validated.events["source_file"].value_counts()
    quarantined = validated.quarantine["source_file"].value_counts()
    duplicates = validated.duplicates["source_file"].value_counts()
    out = {}
    for result in results:
        name = result.file
        out[name] = {"read": result.read, "accepted": int(accepted.get(name, 0)),
                     "quarantined": int(quarantined.get(name, 0)),
                     "duplicates": int(duplicates.get(name, 0)),
                     "skipped": int(sum(result.skipped.values()))}
    return out


AMBIGUOUS_HOW = {"order": "read by row order", "earliest": "read as the first pass (summer time)",
                 "latest": "read as the second pass (standard time)"}


def summarise(results: list[ReadResult], validated: Validated, ambiguous: str = "order") -> dict:
    """The data-quality summary of one ingest (a JSON-ready dict)."""
    events = validated.events
    stays = unit_stays(events)
    equipment = equipment_episodes(events)
    skipped: Counter = Counter()
    for result in results:
        skipped.update(result.skipped)
    totals = {"read": sum(r.read for r in results), "accepted": len(events),
              "quarantined": len(validated.quarantine), "duplicates": len(validated.duplicates),
              "skipped": int(sum(skipped.values()))}
    problems = validated.quarantine["problem"].value_counts()
    return {
        "totals": totals,
        "files": _per_file(results, validated),
        "quarantined": {str(k): int(v) for k, v in problems.items()},
        "kept": {"out_of_order": validated.out_of_order,
                 "ambiguous_local_times": validated.ambiguous, "ambiguous_rule": ambiguous,
                 "open_stays_at_log_end": int(stays["end"].isna().sum()),
                 "open_equipment_at_log_end": int(equipment["end"].isna().sum())},
        "unmapped_units": dict(validated.unmapped),
        "skipped": {str(k): int(v) for k, v in skipped.most_common()},
        "patients": int(events["patient_id"].nunique()),
        "encounters": int(stays["entry"].sum()),
        "stays": len(stays),
        "equipment_episodes": len(equipment),
        "log_start": _iso(events["timestamp"].min() if len(events) else pd.NaT),
        "log_end": _iso(stays.attrs.get("log_end", pd.NaT)),
        "notes": [note for r in results for note in r.notes],
    }


def _iso(ts) -> str | None:
    return None if pd.isna(ts) else pd.Timestamp(ts).isoformat()


def files_table(summary: dict) -> Table:
    """Per input: read, accepted, quarantined, duplicates, skipped."""
    table = Table(title="Events per input", title_justify="left")
    for column in ("input", "read", "accepted", "quarantined", "duplicates", "skipped"):
        table.add_column(column, justify="left" if column == "input" else "right",
                         overflow="fold")
    rows = list(summary["files"].items()) + [("total", summary["totals"])]
    for name, counts in rows:
        table.add_row(name, *(f"{counts[k]:,}" for k in
                              ("read", "accepted", "quarantined", "duplicates", "skipped")))
    return table


def quality_table(summary: dict) -> Table:
    """Per kind of finding: count and what was done with the rows."""
    table = Table(title="Data quality", title_justify="left")
    table.add_column("finding")
    table.add_column("count", justify="right")
    table.add_column("action")
    for problem, count in summary["quarantined"].items():
        table.add_row(FINDINGS.get(problem, problem), f"{count:,}", "quarantined")
    table.add_row("duplicate event_id", f"{summary['totals']['duplicates']:,}", "dropped, counted")
    kept = summary["kept"]
    table.add_row("rows out of order", f"{kept['out_of_order']:,}", "sorted, kept")
    table.add_row("local times in the repeated autumn hour", f"{kept['ambiguous_local_times']:,}",
                  AMBIGUOUS_HOW[kept["ambiguous_rule"]] + ", kept")
    table.add_row("stays open at log end (no discharge yet)",
                  f"{kept['open_stays_at_log_end']:,}", "kept (censored)")
    table.add_row("equipment still in use at log end",
                  f"{kept['open_equipment_at_log_end']:,}", "kept (censored)")
    for what, count in summary["skipped"].items():
        table.add_row(f"not a flow event: {what}", f"{count:,}", "skipped")
    return table


def unmapped_table(summary: dict) -> Table | None:
    """Unit names the map does not cover, with event counts (None if there are none)."""
    if not summary["unmapped_units"]:
        return None
    table = Table(title="Unmapped unit names (add them to the unit map)", title_justify="left")
    table.add_column("name")
    table.add_column("events", justify="right")
    for name, count in summary["unmapped_units"].items():
        table.add_row(name, f"{count:,}")
    return table


def no_events_message(totals: dict, names: list[str]) -> str | None:
    """The error for inputs with no usable event (None when there is one).

    ``totals`` holds ``read``, ``accepted``, ``quarantined`` and ``skipped`` counts.
    """
    if totals["accepted"] > 0:
        return None
    inputs = ", ".join(names) if len(names) <= 3 else f"{names[0]} and {len(names) - 1} more"
    found = []
    if totals["quarantined"]:
        found.append(f"{totals['quarantined']:,} quarantined")
    if totals.get("duplicates"):
        found.append(f"{totals['duplicates']:,} duplicates")
    if totals.get("skipped"):
        found.append(f"{totals['skipped']:,} records skipped as not patient-flow events")
    what = f" ({'; '.join(found)})" if found else ""
    return (f"{inputs}: no usable events: {totals['read']:,} read, none accepted{what}"
            + ("; the quarantine file says why" if totals["quarantined"] else ""))
