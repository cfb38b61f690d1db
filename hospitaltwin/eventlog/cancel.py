"""Cancellations: a ``cancel`` row withdraws an earlier event of the same patient.

HL7 v2 sends A11 (cancel admit/visit), A12 (cancel transfer) and A13 (cancel discharge) when
an earlier message was wrong. In the canonical log such a row has ``event = cancel`` and
names the kind it cancels in its ``source`` column: ``admit`` (matches the latest ``admit``
or ``arrive``), ``transfer``, or ``discharge`` (matches ``discharge`` or ``death``). It cancels
the latest earlier event of that kind of the same patient (of the same encounter, when both
name one) that is not already cancelled. Both rows then leave the accepted log for the
quarantine file, the cancelled one with problem ``cancelled`` and the cancel with
``cancel_applied``, each naming the other's line; a cancel that matches nothing is
``cancel_unmatched``. Cancels are resolved before the sequence rules are checked, so the
corrected history is what is judged.
"""

from __future__ import annotations

import pandas as pd

TARGETS = {"admit": ("admit", "arrive"), "transfer": ("transfer",),
           "discharge": ("discharge", "death")}


def _where(row) -> str:
    return f"line {row.source_line} of {row.source_file}"


def resolve_cancels(frame: pd.DataFrame) -> dict[int, tuple[str, str]]:
    """Match cancels to what they cancel in a frame sorted by patient and time.

    Parameters
    ----------
    frame : pandas.DataFrame
        Sorted events with columns ``patient_id, kind, source, encounter_id, timestamp,
        source_file, source_line``.

    Returns
    -------
    dict
        ``{index: (problem, reason)}`` for every cancel row and every cancelled row.
    """
    cancels = frame["kind"].to_numpy() == "cancel"
    if not cancels.any():
        return {}
    patients = frame.loc[cancels, "patient_id"].unique()
    rows = frame[frame["patient_id"].isin(patients)]
    out: dict[int, tuple[str, str]] = {}
    for _, group in rows.groupby("patient_id", sort=False):
        _resolve_patient(group, out)
    return out


def _resolve_patient(group: pd.DataFrame, out: dict) -> None:
    earlier: list = []
    for row in group.itertuples():
        if row.kind != "cancel":
            earlier.append(row)
            continue
        target = _match(earlier, row, out)
        if target is None:
            out[row.Index] = ("cancel_unmatched", f"cancel of {row.source} but no earlier "
                              f"{row.source} of this patient to cancel")
        else:
            out[target.Index] = ("cancelled", f"{target.kind} cancelled by the cancel at "
                                 f"{_where(row)}")
            out[row.Index] = ("cancel_applied", f"cancels the {target.kind} at {_where(target)}")


def _match(earlier: list, cancel, done: dict):
    kinds = TARGETS.get(cancel.source, ())
    for row in reversed(earlier):
        if row.Index in done or row.kind not in kinds:
            continue
        if pd.notna(cancel.encounter_id) and pd.notna(row.encounter_id) \
                and cancel.encounter_id != row.encounter_id:
            continue
        return row
    return None
