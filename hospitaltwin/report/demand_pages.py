"""Pages of a forecast on its demand model: the level it runs at, its trend, how far to trust it.

A forecast's ``summary.json`` holds, per entry unit under ``demand``, the demand model (the
local linear trend, the multiplier rule or the scenario's demand), its fitted parameters and
diagnostics, and under ``fitted`` the daily arrivals seen, the smoothed level with its 90%
band over the history and the demand paths' median and 90% band over the days ahead. In
counts mode it also holds the stays read from the counts, the recalibration of each counted
unit (weekday factors and the noise its past errors add per lead day) and the warnings
(units missing from the counts or reported late, a stale state). Pages: one chart per entry
unit (arrivals, level and band, the fan ahead), then the model in words and tables, with the
reliability of any backtest of the same scenario given to the same report.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import matplotlib.dates as mdates
import numpy as np

from hospitaltwin.report.charts import Page, panel_pages
from hospitaltwin.report.clock import date_axis
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import num, pct
from hospitaltwin.report.style import CYCLE, FAN, MUTED
from hospitaltwin.report.text import Bullets, Heading, Para, Table, text_pages

MODELS = {"trend": "local linear trend (level and slope with their uncertainty)",
          "level": "gamma-Poisson level (one ratio per replication, no trend)",
          "multiplier": "multiplier rule (one constant ratio)", "scenario": "the scenario's demand"}


def _days(start: str, count: int) -> np.ndarray:
    """Date numbers of ``count`` daily periods from ISO ``start`` (as naive wall-clock time)."""
    first = datetime.fromisoformat(start).replace(tzinfo=None)
    return mdates.date2num([first + timedelta(days=i) for i in range(count)])


def _values(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def level_pages(result: Result) -> list[Page]:
    """Per entry unit: daily arrivals, the smoothed level with its band, the demand fan ahead."""
    demand = {u: f for u, f in (result.summary.get("demand") or {}).items() if f.get("fitted", {}).get("ahead")}
    if not demand:
        return []

    def draw(ax, unit, first):
        fitted = demand[unit]["fitted"]
        if fitted.get("level"):
            x = _days(fitted["start"], len(fitted["level"]))
            ax.plot(x, _values(fitted["observed"]), "o", color=MUTED, markersize=2.5, label="arrivals per day")
            ax.fill_between(x, _values(fitted["lo"]), _values(fitted["hi"]), color=CYCLE[1], alpha=0.25,
                            linewidth=0, label="level, 90% band")
            ax.plot(x, _values(fitted["level"]), color=CYCLE[1], linewidth=1.4, label="level (smoothed)")
        ahead = fitted["ahead"]
        x = _days(ahead["start"], len(ahead["level"]))
        ax.fill_between(x, _values(ahead["lo"]), _values(ahead["hi"]), color=FAN, alpha=0.2, linewidth=0,
                        label="ahead, 90% band")
        ax.plot(x, _values(ahead["level"]), color=FAN, linewidth=1.4, linestyle=(0, (4, 2)), label="ahead, median")
        ax.axvline(x[0], color="black", linewidth=0.8)
        ax.set_ylim(bottom=0)
        ax.set_title(f"{unit}: {_headline(demand[unit])}", loc="left")
        ax.set_ylabel("arrivals per day")
        date_axis(ax, "24-hour periods ending at the forecast's time")

    return panel_pages(list(demand), draw, "Demand model: level and trend", result.label, "demand-level",
                       "Dots: arrivals (or counted admissions) per 24 h. Line and band: the level the model reads, "
                       "90% band. After the vertical line: median and 90% band of the replications' demand paths.")


def _headline(fit: dict) -> str:
    d = fit.get("diagnostics") or {}
    if fit.get("model") == "trend" and "trend_per_day" in d:
        lo, hi = d["trend_per_day_band"]
        return f"{d['level_per_day']:.1f}/day now, trend {d['trend_per_day']:+.1%}/day (90% {lo:+.1%} to {hi:+.1%})"
    if fit.get("model") == "level" and "level_ratio_band" in d:
        lo, hi = d["level_ratio_band"]
        return f"{d['level_per_day']:.1f}/day (90% x{lo:.2f}-x{hi:.2f}), level only"
    if "fallback" in d:
        return "multiplier rule (too little history for the trend)"
    return MODELS.get(fit.get("model"), str(fit.get("model")))


def model_table(summary: dict) -> Table:
    """One row per entry unit: the model, its level and trend, variances and residual check."""
    rows = []
    for unit, fit in (summary.get("demand") or {}).items():
        p, d = fit.get("params") or {}, fit.get("diagnostics") or {}
        trend = (f"{d['trend_per_day']:+.2%} [{d['trend_per_day_band'][0]:+.2%}, {d['trend_per_day_band'][1]:+.2%}]"
                 if "trend_per_day" in d else "–")
        variances = ", ".join(f"{k.removeprefix('sigma2_')} {v:.2g}" for k, v in p.items() if k.startswith("sigma2_"))
        if fit.get("model") == "level" and "level_ratio_band" in d:
            variances = "gamma level x{} [x{}, x{}]".format(num(p.get("multiplier")), *map(num, d["level_ratio_band"]))
        rows.append((unit, str(fit.get("model")), num(d.get("level_per_day")), trend,
                     variances or f"x{num(p.get('multiplier'))}", num(d.get("ljung_box_p"))))
    return Table(("entry unit", "model", "level/day", "trend/day [90%]", "variances (log scale)", "Ljung-Box p"),
                 tuple(rows), "llrrlr", "Level and trend now, with the 90% band of the trend. The variances are "
                 "the model's: irregular (day to day), level, slope; Poisson is the part of the irregular that "
                 "counting explains. A small Ljung-Box p-value means the residuals are still correlated.")


def counts_blocks(summary: dict) -> list:
    """Stays read from counts, and each counted unit's recalibration by lead day."""
    blocks = []
    stays = summary.get("stays_from_counts") or {}
    if stays:
        rows = tuple((u, num(s["mean_days"]), num(s["entries_per_admission"]), s["method"], str(s["days"]))
                     for u, s in stays.items())
        blocks += [Heading("Stays read from the counts"),
                   Table(("unit", "mean stay (days)", "census entries per admission", "method", "days fitted"),
                         rows, "lrrlr")]
    for unit, recal in (summary.get("recalibration") or {}).items():
        leads = range(1, len(recal["added_sd_log"]) + 1)
        rows = tuple((str(d), str(n), pct(r) if r is not None else "–", pct(a), num(df))
                     for d, n, r, a, df in zip(leads, recal["errors"], recal["rmse_log"], recal["added_sd_log"],
                                               recal["df"]))
        factors = ", ".join(f"{day} {f:.3f}" for day, f in zip(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
                                                                 recal["weekday_factors"]))
        blocks += [Heading(f"{unit}: forecast of the reported count, recalibrated"),
                   Para(f"Weekday reporting factors: {factors}."),
                   Table(("lead day", "past errors", "their RMS (log)", "noise added (log sd)", "t degrees of freedom"),
                         rows, "rrrrr", f"Errors of the same model's forecasts made on the last "
                         f"{recal['past_origins']} days whose outcome was known at the origin; the noise added is "
                         "what the simulation's own spread lacks.")]
    return blocks


def backtest_sentences(result: Result) -> list[str]:
    """How the backtests of the same scenario in this report found the forecasts' intervals."""
    out = []
    for bt in result.backtests:
        scores = bt.tables["scores"]
        model = scores[scores["method"] == "model"]
        if model.empty:
            continue
        days = model.assign(day=np.ceil(model["lead_h"] / 24)).groupby("day")
        for col in [c for c in ("coverage80", "coverage90") if c in model]:
            cover = days.apply(lambda g, c=col: np.average(g[c].fillna(0), weights=g["n"]))
            out.append(f"Backtest {bt.path.name}: the {col[-2:]}% intervals covered "
                       + ", ".join(f"{pct(v)} at day {int(d)}" for d, v in cover.items()) + ".")
        rel = bt.tables["reliability"]
        rel = rel[rel["resource"] == "all"] if (rel["resource"] == "all").any() else rel
        if not rel.empty:
            gap = float(np.average((rel["predicted"] - rel["observed"]).abs(), weights=rel["n"]))
            out.append(f"Backtest {bt.path.name}: P(full) was off from the observed frequency by "
                       f"{100 * gap:.1f} percentage points on average (reliability).")
    return out


def warning_sentences(summary: dict) -> list[str]:
    """The forecast's warnings (a stale state, units missing from the counts or reported late),
    which page 1 puts before everything else."""
    return [f"Warning: {w}." if not w.endswith(".") else f"Warning: {w}" for w in summary.get("warnings") or []]


def trust_sentences(summary: dict) -> list[str]:
    """Page 1's words on the forecast's demand model and any recalibration."""
    out = []
    fits = summary.get("demand") or {}
    if fits:
        model = MODELS.get(summary.get("demand_model"), str(summary.get("demand_model")))
        out.append(f"Demand: {model}, fitted per entry unit to the last {summary.get('history_weeks', '?')} "
                   "weeks; each simulated future follows its own demand path (page \"Demand model\").")
    recalibrated = list(summary.get("recalibration") or {})
    if recalibrated:
        out.append(f"Counted units ({', '.join(recalibrated)}) are forecast as the count they will report, "
                   "their intervals widened by what their own recent forecast errors show.")
    return out


def text_blocks(result: Result) -> list:
    """The demand model, counts mode and warnings in words and tables."""
    s = result.summary
    blocks = [Para(f"Demand model: {MODELS.get(s.get('demand_model'), s.get('demand_model', '?'))}, fitted to the "
                   f"last {s.get('history_weeks', '?')} weeks of arrivals. Each replication runs its own demand path "
                   "drawn from the model, so the fan holds the level's and the trend's uncertainty. Units with fewer "
                   "than 10 arrivals a day get a level without a trend (gamma-Poisson: one level per replication).",
                   muted=True)]
    if s.get("demand"):
        blocks.append(model_table(s))
    blocks += counts_blocks(s)
    warnings = list(s.get("warnings") or [])
    if warnings:
        blocks += [Heading("Warnings"), Bullets(tuple(warnings))]
    reliability = backtest_sentences(result)
    if reliability:
        blocks += [Heading("How far to trust it: backtests of this scenario"), Bullets(tuple(reliability))]
    return blocks


def pages(result: Result) -> list[Page]:
    """The demand model's pages of a forecast (none for a forecast written before it)."""
    s = result.summary
    if not (s.get("demand") or s.get("demand_model") or s.get("warnings")):
        return []
    figures = text_pages("Demand model", result.label, text_blocks(result))
    return level_pages(result) + [Page(f, "demand-model", chart=False) for f in figures]
