"""Read overflow placements in a log as the unit the patient needed, not the bed they got.

An ADT log records where a patient lay: an ICU patient put in a PACU bay because the ICU was
full appears as a move into PACU. Fitted naively, such stays invent routes the hospital never
uses (ED -> PACU) and shorten the ICU's demand. Where the layout says so, they are read back:
a stay reached by a move the layout's transfer graph does not allow, in a unit that is a
declared overflow of a unit the move *is* allowed to, is counted as a stay of that unit
(the engine gives overflow patients their intended unit's stay law and routing, so this is
the same semantics read in reverse). Without a transfer graph nothing can be told apart and
nothing is changed.
"""

from __future__ import annotations

import pandas as pd

from hospitaltwin.config.layout import Layout


def overflow_targets(layout: Layout) -> dict[str, list[str]]:
    """For each overflow unit, the units that overflow into it."""
    out: dict[str, list[str]] = {}
    for unit, spec in layout.units.items():
        for target in spec.overflow:
            out.setdefault(target, []).append(unit)
    return out


def intended_unit(layout: Layout, came_from: str, placed: str) -> str | None:
    """The unit a move from ``came_from`` into ``placed`` stood for, if it was an overflow."""
    allowed = set((layout.transfers or {}).get(came_from, ()))
    if placed in allowed:
        return None
    for unit in overflow_targets(layout).get(placed, []):
        if unit in allowed:
            return unit
    return None


def attribute_overflow(stays: pd.DataFrame, layout: Layout) -> tuple[pd.DataFrame, int]:
    """Stays with overflow placements read as their intended unit, and how many were changed."""
    if layout.transfers is None or not overflow_targets(layout):
        return stays, 0
    out = stays.copy()
    moved = out["from_unit"].notna() & ~out["entry"].astype(bool)
    changed = 0
    for index in out.index[moved]:
        intended = intended_unit(layout, out.at[index, "from_unit"], out.at[index, "unit"])
        if intended is None:
            continue
        _relabel(out, index, intended)
        changed += 1
    out.attrs.update(stays.attrs)
    return out, changed


def _relabel(stays: pd.DataFrame, index, intended: str) -> None:
    placed = stays.at[index, "unit"]
    stays.at[index, "unit"] = intended
    same = (stays["encounter_id"] == stays.at[index, "encounter_id"]) & (stays["patient_id"] == stays.at[index, "patient_id"])
    before = stays.index[same & (stays["end"] == stays.at[index, "start"]) & (stays["next"] == placed)]
    stays.loc[before, "next"] = intended
    after = stays.index[same & (stays["start"] == stays.at[index, "end"]) & (stays["from_unit"] == placed)]
    stays.loc[after, "from_unit"] = intended
