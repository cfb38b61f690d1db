"""Pages of a backtest: how far to trust the forecasts, by lead time and against baselines.

``scores.csv`` scores past forecasts against what then happened, per resource, kind, lead time
and method (the model and the baselines: persistence, the same hour last week, the
hour-of-week average, a 7-day linear trend, exponential smoothing): MAE of the median,
coverage of the central 50/80/90/95% intervals, CRPS and the Brier score of ``p_full``.
``reliability.csv`` bins the model's ``p_full`` and gives how often the resource was then
full; ``pit.csv`` is the PIT histogram per lead day. Scores are pooled over resources weighted
by ``n``. Pages: sentences on coverage and skill, a score table, coverage by lead time against
the nominal levels, CRPS by lead time per method, the reliability diagram and the PIT
histogram.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hospitaltwin.report.board import Finding
from hospitaltwin.report.charts import Page, panel_pages, single_page
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import hours_text, num, pct
from hospitaltwin.report.style import CYCLE, MUTED
from hospitaltwin.report.text import Bullets, Para, Table, text_pages

ALL_LEVELS = (("coverage50", 0.5), ("coverage80", 0.8), ("coverage90", 0.9), ("coverage95", 0.95))
METHODS = ("model", "persistence", "last_week", "hour_of_week", "linear_trend", "ses")


def levels(scores: pd.DataFrame) -> tuple[tuple[str, float], ...]:
    """The interval levels ``scores`` has (90% since backtests score it)."""
    return tuple((col, level) for col, level in ALL_LEVELS if col in scores)


def _scores(scores: pd.DataFrame) -> tuple[str, ...]:
    return ("mae", "crps", "brier", *(col for col, _ in levels(scores)))


def pooled(scores: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Scores averaged over the other columns, weighted by ``n`` (NaN scores left out)."""
    frame, names = scores.copy(), _scores(scores)
    for col in names:
        frame[f"w_{col}"] = frame["n"].where(frame[col].notna(), 0)
        frame[col] = frame[col].fillna(0) * frame["n"]
    sums = frame.groupby(by, sort=True)[[*names, *(f"w_{c}" for c in names), "n"]].sum()
    out = pd.DataFrame({col: sums[col] / sums[f"w_{col}"].replace(0, np.nan) for col in names})
    out["n"] = sums["n"]
    return out.reset_index()


def intro(result: Result) -> str:


    """What the scores are and how they are pooled."""
    s = result.summary
    extra = f" ({s['origins']} forecast origins)" if s.get("origins") else ""
    return ("Past forecasts scored against what happened" + extra + ". Lower MAE, CRPS and Brier scores are better; "
            "an interval's coverage should be close to its level. Scores are pooled over resources, weighted by the "
            "number of forecasts.")


def sentences(result: Result) -> list[str]:
    """Coverage against nominal levels, skill against the best baseline, calibration of p_full."""
    scores = result.tables["scores"]
    model = pooled(scores[scores["method"] == "model"], ["method"])
    out = []
    if not model.empty:
        for col, level in levels(scores):
            value = model[col].iloc[0]
            if np.isfinite(value):
                out.append(f"The model's {level:.0%} intervals contained the outcome {pct(value)} of the time "
                           f"(target {level:.0%}).")
    out += _skill(scores)
    return out + _reliability(result.tables["reliability"])


def answer(result: Result) -> list[Finding]:
    """Page 1's "How far to trust this": how often the intervals held, skill against the baselines."""
    found = sentences(result)
    cover = [t for t in found if "intervals contained" in t]
    skill = [t for t in found if "CRPS" in t]
    picked = cover[-1:] + skill[-1:]
    return [Finding("trust", "Backtest: " + t[0].lower() + t[1:]) for t in picked]


def _skill(scores: pd.DataFrame) -> list[str]:
    by = pooled(scores, ["lead_h", "method"]).pivot(index="lead_h", columns="method", values="crps")
    if "model" not in by or by.drop(columns="model").empty:
        return []
    out = []
    for lead in _leads(by.index.to_numpy()):
        base = by.drop(columns="model").loc[lead]
        if base.notna().any() and np.isfinite(by.loc[lead, "model"]):
            best = base.idxmin()
            gain = 1 - by.loc[lead, "model"] / base[best] if base[best] > 0 else np.nan
            word = "lower" if gain >= 0 else "higher"
            out.append(f"At {hours_text(lead)} ahead the model's CRPS is {pct(abs(gain))} {word} than the best "
                       f"baseline ({best.replace('_', ' ')}).")
    return out


def _leads(leads: np.ndarray) -> list[float]:
    wanted = [24, 72, 168]
    chosen = [float(leads[np.argmin(np.abs(leads - w))]) for w in wanted]
    return sorted(set(chosen))


def _reliability(rel: pd.DataFrame) -> list[str]:
    if rel.empty:
        return []
    weighted = (rel.assign(gap=(rel["predicted"] - rel["observed"]).abs() * rel["n"])["gap"].sum()
                / max(1.0, rel["n"].sum()))
    return [(f"Predicted probabilities of being full differ from the observed frequencies by {100 * weighted:.1f} "
            "percentage points on average (reliability, weighted by forecasts).")]


def table_pages(result: Result) -> list[Page]:
    """One row per lead time: the model's scores and coverage, and every method's CRPS side by side."""
    table = pooled(result.tables["scores"], ["lead_h", "method"])
    crps = table.pivot(index="lead_h", columns="method", values="crps")
    model = table[table["method"] == "model"].set_index("lead_h")
    methods = [m for m in METHODS if m in crps]
    rows = []
    for lead in crps.index:
        m = model.loc[lead] if lead in model.index else None
        cover = levels(table)
        own = ([f"{m['n']:,.0f}", num(m["mae"]), num(m["brier"]), *(pct(m[col]) for col, _ in cover)]
               if m is not None else ["–"] * (3 + len(cover)))
        rows.append((hours_text(lead), *own, *(num(crps.loc[lead, k]) for k in methods)))
    heads = ("lead", "n", "MAE", "Brier", *(f"cover {level:.0%}" for _, level in levels(table)),
             *(f"CRPS {k.replace('_', ' ')}" for k in methods))
    blocks = [Para(intro(result), muted=True), Bullets(tuple(sentences(result))),
              Table(heads, tuple(rows), "l" + "r" * (len(heads) - 1),
                    "n, MAE, Brier and coverage are the model's; CRPS is given for the model and each baseline.")]
    return [Page(f, "scores", chart=False) for f in text_pages("Backtest scores by lead time", result.label, blocks)]


def coverage_pages(result: Result) -> list[Page]:
    """Coverage of the model's intervals by lead time, one panel per kind of resource."""
    scores = result.tables["scores"]
    model = pooled(scores[scores["method"] == "model"], ["kind", "lead_h"])
    kinds = list(dict.fromkeys(model["kind"]))

    def draw(ax, kind, first):
        part = model[model["kind"] == kind]
        for (col, level), colour in zip(levels(model), CYCLE):
            ax.plot(part["lead_h"] / 24, part[col], marker="o", color=colour, label=f"{level:.0%} interval")
            ax.axhline(level, color=colour, linestyle=(0, (3, 2)), linewidth=0.9)
        ax.set_ylim(0, 1.02)
        ax.set_title(kind.replace("_", " "), loc="left")
        ax.set_xlabel("lead time (days)")
        ax.set_ylabel("coverage")

    return panel_pages(kinds, draw, "Backtest: interval coverage by lead time", result.label, "coverage",
                       "Share of outcomes inside the model's central intervals; dashed: the nominal level. "
                       "Below the line: intervals too narrow (overconfident).")


def skill_pages(result: Result) -> list[Page]:
    """CRPS by lead time per method (model against baselines), one panel per kind."""
    table = pooled(result.tables["scores"], ["kind", "method", "lead_h"])
    kinds = list(dict.fromkeys(table["kind"]))

    def draw(ax, kind, first):
        part = table[table["kind"] == kind]
        for method, colour in zip(METHODS, CYCLE):
            m = part[part["method"] == method]
            if not m.empty:
                ax.plot(m["lead_h"] / 24, m["crps"], marker="o", color=colour, label=method.replace("_", " "),
                        linewidth=2.0 if method == "model" else 1.2)
        ax.set_ylim(bottom=0)
        ax.set_title(kind.replace("_", " "), loc="left")
        ax.set_xlabel("lead time (days)")
        ax.set_ylabel("CRPS (beds or devices)")

    return panel_pages(kinds, draw, "Backtest: forecast skill against baselines", result.label, "skill",
                       "Continuous ranked probability score, pooled over resources; lower is better.")


def reliability_page(result: Result) -> Page:
    """Reliability diagram of p_full: predicted against observed frequency, pooled and per resource."""
    rel = result.tables["reliability"]

    def draw(fig, grid):
        left, right = fig.add_gridspec(1, 2, width_ratios=(1.3, 1), wspace=0.25, **grid).subplots()
        for resource, part in rel.groupby("resource", sort=True):
            left.plot(part["predicted"], part["observed"], color=MUTED, alpha=0.35, linewidth=0.8)
        pool = rel.assign(wp=rel["predicted"] * rel["n"], wo=rel["observed"] * rel["n"]).groupby(["bin_lo", "bin_hi"])
        sums = pool[["wp", "wo", "n"]].sum()
        left.plot([0, 1], [0, 1], color="black", linestyle=(0, (3, 2)), linewidth=0.9, label="perfect reliability")
        left.scatter(sums["wp"] / sums["n"], sums["wo"] / sums["n"], s=20 + 180 * sums["n"] / sums["n"].max(),
                     color=CYCLE[0], zorder=3, label="all resources (size: forecasts)")
        left.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted P(full)", ylabel="observed frequency")
        left.set_title("Reliability of P(full)", loc="left")
        left.legend(loc="upper left")
        mids = [(lo + hi) / 2 for lo, hi in sums.index]
        right.bar(mids, sums["n"], width=[hi - lo for lo, hi in sums.index], color=CYCLE[0], alpha=0.7)
        right.set(xlim=(0, 1), xlabel="predicted P(full)", ylabel="forecasts")
        right.set_title("How often each probability was given", loc="left")

    return single_page("Backtest: reliability diagram", result.label, "reliability", draw,
                       "Grey lines: each resource. Points on the diagonal mean the probabilities can be taken at "
                       "face value; below it the model over-warns, above it it under-warns.")


def pit_page(result: Result) -> list[Page]:
    """The PIT histogram per lead day (``pit.csv``; none for backtests written before it)."""
    pit = result.tables.get("pit")
    if pit is None or pit.empty:
        return []

    def draw(fig, grid):
        ax = fig.add_gridspec(1, 1, **grid).subplots()
        days = sorted(pit["lead_day"].dropna().unique())
        for day, colour in zip(days, _shades(len(days))):
            part = pit[pit["lead_day"] == day]
            ax.step(part["bin_lo"].tolist() + [1.0], part["density"].tolist() + [part["density"].iloc[-1]],
                    where="post", color=colour, linewidth=1.4, label=f"day {int(day)}")
        ax.axhline(1.0, color="black", linestyle=(0, (3, 2)), linewidth=0.9, label="calibrated")
        ax.set(xlim=(0, 1), ylim=(0, max(2.0, float(pit["density"].max()) * 1.1)),
               xlabel="probability integral transform of the outcome", ylabel="density")
        ax.legend(loc="upper center", ncol=min(len(days) + 1, 8), fontsize=8)

    return [single_page("Backtest: PIT histogram by lead day", result.label, "pit", draw,
                        "Where each outcome fell in its forecast distribution. Flat at 1: calibrated; U-shaped: "
                        "intervals too narrow; hump-shaped: too wide; tilted: forecasts biased.")]


def _shades(n: int) -> list:
    from matplotlib import colormaps

    return [colormaps["viridis"](x) for x in np.linspace(0.0, 0.85, max(n, 1))]


def pages(result: Result) -> list[Page]:
    """Every page of a backtest after the executive summary."""
    return (table_pages(result) + coverage_pages(result) + skill_pages(result) + [reliability_page(result)]
            + pit_page(result))
