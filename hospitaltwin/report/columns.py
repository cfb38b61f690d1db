"""What the columns and KPIs of a result mean, in words with their units: ``mean wait (h)``.

Result files name their columns for scripts (``mean_wait_h``, ``time_h``, ``p_full``); a person
reading a workbook wants the quantity and its unit. :func:`label` gives the header of a column
(a known name from :data:`COLUMNS` or :data:`KPIS`, else a rule on its suffix: ``_h`` is hours,
``_per_day`` a daily rate, ``_fraction`` a share), so every table of every kind of result is
headed the same way.
"""

from __future__ import annotations

KPIS = {
    "arrivals_per_day": "arrivals (per day)", "admissions_per_day": "admissions (per day)",
    "diverted_fraction": "diverted (share of requests)", "overflow_fraction": "overflowed (share of requests)",
    "left_fraction": "left unseen (share of requests)", "mean_wait_h": "mean wait for a bed (h)",
    "p_wait": "waited at all (share of admitted)", "mean_census": "mean census (patients)",
    "mean_queue": "mean queue (patients)", "mean_boarding": "mean boarding (patients)",
    "boarding_h_per_day": "boarding (patient-h per day)", "mean_los_h": "mean stay (h)",
    "p_full": "at capacity (share of time)", "mean_staffed_beds": "mean staffed beds (beds)",
    "mean_physical_beds": "mean physical beds (beds)", "occupancy_fraction": "occupancy (share of staffed beds)",
    "over_ratio_h": "over staff ratio (h)", "over_ratio_patient_h": "over staff ratio (patient-h)",
    "mean_in_use": "mean in use (devices)", "mean_demand": "mean demand (devices)",
    "unmet_fraction": "unmet (share of episodes)", "episodes_per_day": "episodes (per day)",
    "unmet_h_per_day": "unmet (device-h per day)", "mean_capacity": "mean capacity (devices)",
    "diverted_per_day": "diverted (patients per day)", "transfers_out_per_day": "transferred out (per day)",
    "network_arrivals_per_day": "arrivals from the network (per day)",
    "discharges_per_day": "discharges (per day)", "deaths_per_day": "deaths (per day)",
}
"""Every KPI of ``summary.json`` with its unit."""

COLUMNS = {
    "time_h": "time (h from start)", "arrive": "arrived (h from start)", "start": "bed from (h from start)",
    "ready": "ready to leave (h from start)", "end": "left (h from start)", "wait": "wait (h)",
    "boarding": "boarding (h)", "occupied": "occupied (beds)", "staffed": "staffed (beds)",
    "physical": "physical (beds)", "waiting": "waiting (patients)", "in_use": "in use (devices)",
    "demand": "demand (devices)", "capacity": "capacity (beds or devices)",
    "mean": "mean (beds or devices)", "p05": "5th percentile", "p25": "25th percentile", "p50": "median",
    "p75": "75th percentile", "p95": "95th percentile", "p_full": "P(at capacity) (0-1)",
    "p_full_any": "P(at capacity at any time that day) (0-1)", "probability": "probability (0-1)",
    "within_h": "within (h)", "lead_h": "lead time (h)", "crps": "CRPS (beds)", "mae": "MAE of the median (beds)",
    "coverage50": "50% interval coverage (0-1)", "coverage80": "80% interval coverage (0-1)",
    "coverage95": "95% interval coverage (0-1)", "brier": "Brier score of P(at capacity)",
    "baseline_mean": "baseline mean", "policy_mean": "policy mean", "diff_mean": "difference (policy - baseline)",
    "diff_lo": "difference 95% CI low", "diff_hi": "difference 95% CI high", "bin_lo": "bin from (0-1)",
    "bin_hi": "bin to (0-1)", "predicted": "predicted (0-1)", "observed": "observed (0-1)",
    "n": "count", "hours": "time in unit (h)", "km": "Kaplan-Meier survival (0-1)", "fitted": "fitted",
    "beds": "beds", "nurses_per_shift": "nurses per shift", "devices": "devices",
    "planned_slots": "planned transfer slots (per day)", "expected_transfers": "expected transfers (per day)",
    "p95_transfers": "95th percentile of transfers (per day)", "load": "offered load (beds)",
    "physical_beds": "physical beds (beds)", "staffed_beds": "staffed beds (beds)",
    "utilisation": "utilisation (load / staffed beds)", "value": "value",
}
"""Columns of the result files (CSV and Parquet) with their units."""

IN_TABLE = {
    "census": {"boarding": "boarding (patients)"},
    "equipment": {"capacity": "capacity (devices)"},
    "devices": {"start": "device from (h from start)", "end": "device until (h from start)",
                "met": "device available (true or false)"},
    "demand_levels": {"observed": "arrivals seen", "expected": "arrivals expected by the scenario",
                      "multiplier": "demand level applied (x the scenario's)"},
}
"""Columns whose meaning depends on their table (a census counts boarders; a stay lasts hours)."""

SUFFIXES = (("_per_day", "(per day)"), ("_fraction", "(share)"), ("_h", "(h)"), ("_days", "(days)"))


def label(name: str, table: str | None = None) -> str:
    """The header of a column or KPI: what it is and its unit (``mean wait for a bed (h)``).

    ``table`` (``census``, ``devices``, …) picks the meaning a column has in that table.
    """
    if name in IN_TABLE.get(table or "", {}):
        return IN_TABLE[table][name]
    if name in KPIS:
        return KPIS[name]
    if name in COLUMNS:
        return COLUMNS[name]
    for suffix, unit in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{name[: -len(suffix)].replace('_', ' ')} {unit}"
    return name.replace("_", " ")
