"""Pages of a policy comparison: what each policy changes, with paired 95% intervals.

``comparison.csv`` holds, per policy, resource and KPI, the baseline and policy means and the
paired difference policy − baseline with its 95% CI over replications on common random
numbers; ``better`` is ``policy`` or ``baseline`` only where that interval excludes zero and
the KPI has a direction. The executive summary states the significant changes in words; the
forest plots show every headline KPI's difference with its interval, one panel per KPI, one
row per policy and resource, coloured by the verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hospitaltwin.report.charts import Page, panel_pages
from hospitaltwin.report.load import Result
from hospitaltwin.report.style import BAD, GOOD, NEUTRAL
from hospitaltwin.report.text import Para, Table, text_pages
from hospitaltwin.report.words import num, pct

LABELS = {
    "diverted_fraction": "diverted fraction", "p_full": "time at capacity", "mean_wait_h": "mean wait (h)",
    "boarding_h_per_day": "boarding (h/day)", "mean_census": "mean census", "occupancy_fraction": "occupancy",
    "unmet_fraction": "unmet equipment episodes", "diverted_per_day": "diverted per day",
    "over_ratio_h": "hours over staff ratio", "mean_in_use": "devices in use", "overflow_fraction": "overflow fraction",
}
FRACTIONS = {"diverted_fraction", "p_full", "occupancy_fraction", "unmet_fraction", "overflow_fraction", "p_wait"}
COLOURS = {"policy": GOOD, "baseline": BAD, "none": NEUTRAL}


def _value(kpi: str, x: float) -> str:
    return pct(x) if kpi in FRACTIONS else num(x)


def _diff(kpi: str, x: float) -> str:
    if kpi in FRACTIONS:
        return f"{100 * x:+.1f} pts" if np.isfinite(x) else "–"
    return f"{x:+.3g}" if np.isfinite(x) else "–"


def intro(result: Result) -> str:
    """How the differences were measured."""
    s = result.summary
    policies = ", ".join(s.get("policies") or sorted(result.tables["comparison"]["policy"].unique()))
    return (f"Policies {policies} against the baseline {result.name}: paired differences policy − baseline over "
            f"{s.get('replications', '?')} replications on common random numbers (seed {s.get('seed', '?')}). "
            "A policy is called better or worse only where the 95% CI of the difference excludes zero.")


def sentences(result: Result, limit: int = 8, actor: str | None = None) -> list[str]:
    """The significant changes, largest relative change first; ``actor`` names the policy (``The plan``)."""
    rows = result.tables["comparison"]
    sig = rows[rows["better"] != "none"].copy()
    if sig.empty:
        return ["No policy changes any KPI beyond its 95% confidence interval."]
    sig["size"] = (sig["diff_mean"] / sig["baseline_mean"].abs().where(sig["baseline_mean"] != 0, 1)).abs()
    out = []
    for r in sig.sort_values("size", ascending=False, kind="stable").head(limit).itertuples():
        verb = "lowers" if r.diff_mean < 0 else "raises"
        verdict = "better" if r.better == "policy" else "worse"
        out.append(f"{actor or 'Policy ' + r.policy} {verb} {LABELS.get(r.kpi, r.kpi)} of {r.name} from "
                   f"{_value(r.kpi, r.baseline_mean)} to {_value(r.kpi, r.policy_mean)} (difference "
                   f"{_diff(r.kpi, r.diff_mean)}, 95% CI {_diff(r.kpi, r.diff_lo)} to {_diff(r.kpi, r.diff_hi)}): "
                   f"{verdict}.")
    return out


def headline_rows(result: Result) -> pd.DataFrame:
    """Rows of headline KPIs whose difference is not identically zero."""
    rows = result.tables["comparison"]
    keep = rows["kpi"].isin(list(LABELS)) & ~((rows["diff_lo"] == 0) & (rows["diff_hi"] == 0) & (rows["diff_mean"] == 0))
    return rows[keep]


def table_pages(result: Result, title: str = "Policy comparison", subtitle: str | None = None,
                lead: str | None = None) -> list[Page]:
    """Every headline KPI's paired difference, with its verdict.

    ``title``, ``subtitle`` and ``lead`` (the muted paragraph above the table) default to a
    comparison's own; an optimiser's out-of-sample test gives its own words.
    """
    rows = headline_rows(result)
    cells = tuple((r.policy, r.name, LABELS.get(r.kpi, r.kpi), _value(r.kpi, r.baseline_mean),
                   _value(r.kpi, r.policy_mean), f"{_diff(r.kpi, r.diff_mean)} [{_diff(r.kpi, r.diff_lo)}, "
                   f"{_diff(r.kpi, r.diff_hi)}]", {"none": "–"}.get(r.better, r.better)) for r in rows.itertuples())
    table = Table(("policy", "resource", "KPI", "baseline", "policy", "difference [95% CI]", "better"), cells,
                  "lllrrrl", "pts: percentage points. KPIs with no change in any replication are left out.")
    figures = text_pages(f"{title}: paired differences", subtitle or result.label,
                         [Para(lead or intro(result), muted=True), table])
    return [Page(f, "comparison", chart=False) for f in figures]


def forest_pages(result: Result, title: str = "Policy comparison", subtitle: str | None = None) -> list[Page]:
    """One forest panel per headline KPI, rows policy · resource."""
    rows = headline_rows(result)
    kpis = [k for k in LABELS if k in set(rows["kpi"])]
    several = rows["policy"].nunique() > 1

    def draw(ax, kpi, first):
        part = rows[rows["kpi"] == kpi].iloc[::-1]
        scale = 100.0 if kpi in FRACTIONS else 1.0
        y = np.arange(len(part))
        for verdict, colour in COLOURS.items():
            m = (part["better"] == verdict).to_numpy()
            if m.any():
                ax.errorbar(part["diff_mean"].to_numpy()[m] * scale, y[m],
                            xerr=[(part["diff_mean"] - part["diff_lo"]).to_numpy()[m] * scale,
                                  (part["diff_hi"] - part["diff_mean"]).to_numpy()[m] * scale],
                            fmt="o", color=colour, capsize=3, markersize=5, linewidth=1.4,
                            label={"policy": "policy better", "baseline": "baseline better",
                                   "none": "no verdict"}[verdict])
        ax.axvline(0, color="black", linewidth=0.8)
        labels = [f"{p} · {n}" if several else n for p, n in zip(part["policy"], part["name"])]
        ax.set_yticks(y, labels=labels, fontsize=9 if len(part) <= 14 else 7 if len(part) <= 30 else 5.5)
        ax.set_ylim(-0.6, len(part) - 0.4)
        ax.set_title(LABELS[kpi] + (" (percentage points)" if kpi in FRACTIONS else ""), loc="left")
        ax.set_xlabel("policy − baseline")

    if not kpis:
        return []
    return panel_pages(kpis, draw, f"{title}: forest plots", subtitle or result.label, "forest",
                       "Points: mean paired difference policy − baseline; bars: 95% CI over replications. Blue: "
                       "the policy is better; vermillion: the baseline is better; grey: no verdict (the CI includes 0, or the "
                       "KPI has no better direction, as census and occupancy).",
                       per_page=2 if rows["kpi"].value_counts().max() <= 12 else 1, left_in=2.3)


def pages(result: Result) -> list[Page]:
    """Every page of a comparison after the executive summary."""
    return table_pages(result) + forest_pages(result)
