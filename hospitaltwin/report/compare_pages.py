"""Pages of a policy comparison: what each policy changes, with paired 95% intervals.

``comparison.csv`` holds, per policy, resource and KPI, the baseline and policy means and the
paired difference policy − baseline with its 95% CI over replications on common random
numbers; ``better`` is ``policy`` or ``baseline`` only where that interval excludes zero and
the KPI has a direction. Page 1 states each policy's largest headline effects in words (KPIs
by their names for people, never their file names); the key figure shows every effect with a
verdict; the detail gives the findings, the table and the forest plots of every headline KPI,
one panel per KPI (its height by its rows), one row per policy and resource, coloured by the
verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hospitaltwin.report.board import Finding
from hospitaltwin.report.charts import Page, figure_legend
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import change, change_words, num, pct
from hospitaltwin.report.style import BAD, GOOD, NEUTRAL, PAGE_IN, chart_area, new_page, note
from hospitaltwin.report.text import Bullets, Para, Table, text_pages
from hospitaltwin.report.words import unit_name

LABELS = {
    "diverted_fraction": "diverted fraction", "p_full": "time at capacity", "mean_wait_h": "mean wait (h)",
    "boarding_h_per_day": "boarding (h/day)", "mean_census": "mean census", "occupancy_fraction": "occupancy",
    "unmet_fraction": "unmet equipment episodes", "diverted_per_day": "diverted per day",
    "over_ratio_h": "hours over staff ratio", "mean_in_use": "devices in use", "overflow_fraction": "overflow fraction",
}
"""The headline KPIs, in the order a comparison shows them."""
OTHER_LABELS = {
    "p_wait": "share who wait", "mean_queue": "mean patients waiting", "mean_boarding": "mean patients boarding",
    "arrivals_per_day": "bed requests per day", "admissions_per_day": "admissions per day",
    "discharges_per_day": "discharges per day", "deaths_per_day": "deaths per day", "left_fraction": "share who left",
    "mean_los_h": "mean stay (h)", "mean_staffed_beds": "staffed beds", "mean_physical_beds": "physical beds",
    "over_ratio_patient_h": "patient-hours over staff ratio", "transfers_out_per_day": "transfers out per day",
    "network_arrivals_per_day": "arrivals by link per day", "episodes_per_day": "device episodes per day",
    "mean_demand": "devices needed", "mean_capacity": "devices available", "unmet_h_per_day": "device-hours short per day",
}
FRACTIONS = {"diverted_fraction", "p_full", "occupancy_fraction", "unmet_fraction", "overflow_fraction", "p_wait",
             "left_fraction"}
PHRASES = {
    "mean_wait_h": ("the mean wait for a bed in {name}", " h", ""),
    "p_wait": ("the share of {name}'s patients who wait", "", ""),
    "p_full": ("the time {name} is at capacity", "", ""),
    "boarding_h_per_day": ("boarding in {name}", " h", " a day"),
    "diverted_fraction": ("the share of {name}'s bed requests diverted", "", ""),
    "diverted_per_day": ("the number of patients diverted from {name}", "", " a day"),
    "overflow_fraction": ("the share of {name}'s patients placed in overflow beds", "", ""),
    "over_ratio_h": ("the hours {name} is over its staff ratio", " h", ""),
    "unmet_fraction": ("the share of {name} episodes without a device", "", ""),
    "mean_queue": ("the number waiting for {name}", "", ""),
    "mean_census": ("{name}'s mean census", "", ""),
    "occupancy_fraction": ("{name}'s occupancy", "", ""),
    "mean_in_use": ("{name} devices in use", "", ""),
    "unmet_h_per_day": ("the device-hours short at {name}", " h", " a day"),
}
"""How a KPI reads in a sentence: its phrase, the unit of its values and a rate's period."""


def label(kpi: str) -> str:
    """A KPI's name for people (``mean_queue`` reads ``mean patients waiting``)."""
    return LABELS.get(kpi) or OTHER_LABELS.get(kpi) or kpi.replace("_h", " (h)").replace("_", " ")


COLOURS = {"policy": GOOD, "baseline": BAD, "none": NEUTRAL}
VERDICTS = {"policy": "policy better", "baseline": "baseline better", "none": "no verdict"}


def _value(kpi: str, x: float) -> str:
    return pct(x) if kpi in FRACTIONS else num(x)


def effect_sentence(row, layout: dict) -> str:
    """``the mean wait for a bed in Med-surg 3 West falls from 0.79 h to 0.39 h (change −0.40 h,
    95% CI −0.63 to −0.17 h)``: one paired difference in words."""
    phrase, unit, per = PHRASES.get(row.kpi, ("{name}: " + label(row.kpi), "", ""))
    fraction = row.kpi in FRACTIONS
    before, after = (_value(row.kpi, x) + unit for x in (row.baseline_mean, row.policy_mean))
    verb = "falls" if row.diff_mean < 0 else "rises"
    size = change_words(row.diff_mean, row.diff_lo, row.diff_hi, fraction, unit)
    name = unit_name(layout, str(row.name))
    if getattr(row, "scope", "") == "hospital" and name == "main":
        name = "the hospital"
    return f"{phrase.format(name=name)} {verb} from {before} to {after}{per} (change {size})"


def intro(result: Result) -> str:
    """How the differences were measured."""
    s = result.summary
    policies = ", ".join(s.get("policies") or sorted(result.tables["comparison"]["policy"].unique()))
    return (f"Policies {policies} against the baseline {result.name}: paired differences policy − baseline over "
            f"{s.get('replications', '?')} replications on common random numbers (seed {s.get('seed', '?')}). "
            "A policy is called better or worse only where the 95% CI of the difference excludes zero.")


def significant_rows(result: Result) -> pd.DataFrame:
    """Rows with a verdict: headline KPIs first (in their order), then by relative size."""
    rows = result.tables["comparison"]
    sig = rows[rows["better"] != "none"].copy()
    order = {k: i for i, k in enumerate(LABELS)}
    sig["headline"] = sig["kpi"].map(lambda k: order.get(k, len(order)))
    sig["size"] = (sig["diff_mean"] / sig["baseline_mean"].abs().where(sig["baseline_mean"] != 0, 1)).abs()
    return sig.sort_values(["headline", "size"], ascending=[True, False], kind="stable")


def varied(sig: pd.DataFrame, count: int) -> pd.DataFrame:
    """``count`` rows of ``significant_rows``, one KPI after another before any KPI twice (so a
    page-1 sentence speaks of waits, capacity and boarding, not three units' capacity)."""
    first = sig.drop_duplicates("kpi")
    rest = sig.drop(first.index)
    return pd.concat([first, rest]).head(count)


def sentences(result: Result, limit: int = 8, actor: str | None = None) -> list[str]:
    """The significant changes in words, headline KPIs first; ``actor`` names the policy (``The plan``)."""
    sig = significant_rows(result)
    if sig.empty:
        return ["No policy changes any KPI beyond its 95% confidence interval."]
    out = []
    for r in sig.head(limit).itertuples():
        verdict = "better" if r.better == "policy" else "worse"
        who = actor or f"Policy {r.policy}"
        out.append(f"{who}: {effect_sentence(r, result.layout)}: {verdict}.")
    return out


def answer(result: Result) -> list[Finding]:
    """Page 1: per policy, its largest headline effects in words, and how many it worsens."""
    sig = significant_rows(result)
    out = []
    for policy in dict.fromkeys(result.tables["comparison"]["policy"]):
        mine = sig[sig["policy"] == policy]
        if mine.empty:
            out.append(Finding("policies", f"{policy}: no KPI changes beyond its 95% confidence interval."))
            continue
        effects = "; ".join(effect_sentence(r, result.layout) for r in varied(mine, 3).itertuples())
        worse = int((mine["better"] == "baseline").sum())
        tail = f" It is worse on {worse} KPI{'s' if worse != 1 else ''} (see its table)." if worse else ""
        out.append(Finding("policies", f"{policy} against {result.name}: {effects}.{tail}"))
    reps = result.summary.get("replications")
    if reps:
        out.append(Finding("trust", f"Policies are compared on {reps} paired replications with common random "
                                    "numbers; an effect is named only where its 95% CI excludes zero."))
    return out


def headline_rows(result: Result) -> pd.DataFrame:
    """Rows of headline KPIs whose difference is not identically zero."""
    rows = result.tables["comparison"]
    keep = rows["kpi"].isin(list(LABELS)) & ~((rows["diff_lo"] == 0) & (rows["diff_hi"] == 0) & (rows["diff_mean"] == 0))
    return rows[keep]


def table_pages(result: Result, title: str = "Policy comparison", subtitle: str | None = None,
                lead: str | None = None, findings: list[str] | None = None) -> list[Page]:
    """The findings, then every headline KPI's paired difference with its verdict.

    ``title``, ``subtitle``, ``lead`` (the muted paragraph above the table) and ``findings``
    default to a comparison's own; an optimiser's out-of-sample test gives its own words.
    """
    rows = headline_rows(result)
    if rows.empty:
        return nothing_changed_pages(result, title, subtitle, lead)
    cells = tuple((r.policy, r.name, label(r.kpi), _value(r.kpi, r.baseline_mean), _value(r.kpi, r.policy_mean),
                   change(r.diff_mean, r.diff_lo, r.diff_hi, r.kpi in FRACTIONS),
                   {"none": "–"}.get(r.better, r.better)) for r in rows.itertuples())
    table = Table(("policy", "resource", "KPI", "baseline", "policy", "difference [95% CI]", "better"), cells,
                  "lllrrrl", "pts: percentage points. KPIs with no change in any replication are left out.")
    found = sentences(result) if findings is None else findings
    blocks = [Para(lead or intro(result), muted=True)] + ([Bullets(tuple(found))] if found else []) + [table]
    figures = text_pages(f"{title}: paired differences", subtitle or result.label, blocks)
    return [Page(f, "comparison", chart=False) for f in figures]


def nothing_changed_pages(result: Result, title: str, subtitle: str | None, lead: str | None) -> list[Page]:
    """The page of a test in which no headline KPI changed in any replication."""
    blocks = [Para(lead or intro(result), muted=True),
              Para("No headline KPI changes in any replication: the policy makes no difference here.")]
    figures = text_pages(f"{title}: paired differences", subtitle or result.label, blocks)
    return [Page(f, "comparison", chart=False) for f in figures]


ROWS_PER_PAGE = 24


def _draw_forest(ax, part: pd.DataFrame, kpi: str, several: bool) -> None:
    part = part.iloc[::-1]
    scale = 100.0 if kpi in FRACTIONS else 1.0
    y = np.arange(len(part))
    for verdict, colour in COLOURS.items():
        m = (part["better"] == verdict).to_numpy()
        if m.any():
            ax.errorbar(part["diff_mean"].to_numpy()[m] * scale, y[m],
                        xerr=[(part["diff_mean"] - part["diff_lo"]).to_numpy()[m] * scale,
                              (part["diff_hi"] - part["diff_mean"]).to_numpy()[m] * scale],
                        fmt="o", color=colour, capsize=3, markersize=5, linewidth=1.4, label=VERDICTS[verdict])
    ax.axvline(0, color="black", linewidth=0.8)
    labels = [f"{p} · {n}" if several else n for p, n in zip(part["policy"], part["name"])]
    ax.set_yticks(y, labels=labels, fontsize=9 if len(part) <= 14 else 7)
    ax.set_ylim(-0.7, len(part) - 0.3)
    ax.set_title(label(kpi) + (" (percentage points)" if kpi in FRACTIONS else ""), loc="left", fontsize=10)


def _chunks(rows: pd.DataFrame, kpis: list[str]) -> list[list[str]]:
    """KPIs packed onto pages of at most :data:`ROWS_PER_PAGE` rows (a KPI is never split)."""
    pages, used = [[]], 0
    for kpi in kpis:
        n = int((rows["kpi"] == kpi).sum()) + 2
        if pages[-1] and used + n > ROWS_PER_PAGE:
            pages.append([])
            used = 0
        pages[-1].append(kpi)
        used += n
    return pages


def forest_pages(result: Result, title: str = "Policy comparison", subtitle: str | None = None,
                 rows: pd.DataFrame | None = None, heading: str = "forest plots", slug: str = "forest") -> list[Page]:
    """The paired differences with their 95% CIs, one panel per KPI (its height by its rows),
    panels stacked on as few pages as read well; ``rows``: these rows only (default: headline)."""
    rows = headline_rows(result) if rows is None else rows
    kpis = [k for k in LABELS if k in set(rows["kpi"])] + sorted(set(rows["kpi"]) - set(LABELS))
    if not kpis:
        return []
    several = rows["policy"].nunique() > 1
    chunks = _chunks(rows, kpis)
    pages = []
    for n, chunk in enumerate(chunks):
        suffix = f" ({n + 1} of {len(chunks)})" if len(chunks) > 1 else ""
        fig = new_page(f"{title}: {heading}{suffix}", subtitle or result.label)
        area = {**chart_area(fig), "left": 2.3 / PAGE_IN[0]}
        heights = [int((rows["kpi"] == k).sum()) + 1.2 for k in chunk]
        grid = fig.add_gridspec(len(chunk), 1, height_ratios=heights, hspace=0.9 if len(chunk) > 1 else 0.2, **area)
        for i, kpi in enumerate(chunk):
            _draw_forest(fig.add_subplot(grid[i, 0]), rows[rows["kpi"] == kpi], kpi, several)
        fig.axes[-1].set_xlabel("policy − baseline")
        figure_legend(fig)
        note(fig, "Points: mean paired difference policy − baseline; bars: 95% CI over replications. Blue: the policy is "
                  "better; vermillion: the baseline is better; grey: no verdict (the CI includes 0, or the KPI has no "
                  "better direction, as census and occupancy).")
        pages.append(Page(fig, f"{slug}-{n + 1}" if len(chunks) > 1 else slug))
    return pages


def key_pages(result: Result) -> list[Page]:
    """The figure page 1 rests on: every KPI with a verdict, with its interval."""
    sig = significant_rows(result)
    return forest_pages(result, "Policy comparison", rows=sig, heading="what changes", slug="effects")


def pages(result: Result) -> list[Page]:
    """The comparison's detail: findings and table, then every headline KPI's forest plot."""
    return table_pages(result) + forest_pages(result)
