"""Pages of a calibration: what was fitted from the event log, and how well it fits.

The summary is the ``*.calibration.json`` that ``calibrate`` writes next to ``demand.yaml``
(window, data counts, arrival streams with rate intervals and hour-of-week profiles, per unit
the length-of-stay candidates and the chosen law, routing, warnings). Two optional CSV files
in the same directory feed the diagnostics:

- ``profiles.csv`` — columns ``stream, how, observed, fitted``: per arrival stream and hour of
  week ``how`` (0 = Monday 00:00 … 167, local time) the observed and fitted arrivals relative
  to the stream's mean (1 = an average hour);
- ``survival.csv`` — columns ``unit, hours, km, fitted``: per unit the Kaplan–Meier survival
  of length of stay at ``hours`` and the fitted law's survival there.

Without ``profiles.csv`` the profile page falls back to the summary's own profile values and
counts; without ``survival.csv`` the survival page says it is not available. Neither is an
error. Every warning is shown whole. A stay law that fails its Kolmogorov–Smirnov check against
Kaplan–Meier (:mod:`~hospitaltwin.report.stay_fit`) is flagged in the table, on its panel
and, when the misfit is visible, on page 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hospitaltwin.report.board import Finding
from hospitaltwin.report.charts import Page, panel_pages, single_page
from hospitaltwin.report.clock import when_text
from hospitaltwin.report.load import Result
from hospitaltwin.report.numformat import duration, num
from hospitaltwin.report.stay_fit import stay_fits
from hospitaltwin.report.style import BAD, CYCLE, MUTED, empty_panel
from hospitaltwin.report.text import Bullets, Para, Table, text_pages

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _best(los: dict) -> dict:
    for c in los.get("candidates") or []:
        if c.get("family") == los.get("chosen"):
            return c
    return {}


def intro(result: Result) -> str:


    """The calibration window, data used and how laws were chosen."""
    s = result.summary
    w, d = s.get("window") or {}, s.get("data") or {}
    tz = result.timezone
    return (f"Demand calibrated from {d.get('stays_used', '?')} unit stays ({d.get('stays_censored', '?')} still open) "
            f"between {when_text(w.get('since', '?'), tz)} and {when_text(w.get('until', '?'), tz)}, profiles in "
            f"{w.get('timezone', '?')} local time; length-of-stay laws chosen by {s.get('los_choice', '?')}.")


def answer(result: Result) -> list[Finding]:
    """Page 1: the stay laws that fit poorly, and how many warnings the calibration has."""
    out = [Finding("trust", f.words() + f" Figures for {f.unit} are less reliable.")
           for f in stay_fits(result.summary) if f.poor]
    warnings = result.summary.get("warnings") or []
    if warnings:
        out.append(Finding("trust", f"The calibration notes {len(warnings)} thin or doubtful estimate"
                                    f"{'s' if len(warnings) != 1 else ''} (listed in full on its pages)."))
    return out


def key_pages(result: Result) -> list[Page]:
    """The stays of the units whose law fits poorly, when there are any (page 1 names them)."""
    poor = [f.unit for f in stay_fits(result.summary) if f.poor]
    return survival_pages(result, poor, "Length of stay: the laws that fit poorly") if poor else []


def sentences(result: Result) -> list[str]:
    """Arrival rates and stays of the largest streams and units, fit checks, the warnings count."""
    s = result.summary
    out = []
    for a in sorted(s.get("arrivals") or [], key=lambda a: -(a.get("rate_per_day") or 0))[:4]:
        lo, hi = (a.get("ci95") or [None, None])[:2]
        ci = f" (95% CI {num(lo)}–{num(hi)})" if lo is not None and hi is not None else ""
        out.append(f"Stream {a.get('stream')}: {num(a.get('rate_per_day'))} arrivals a day{ci}, from {a.get('n')} "
                   "arrivals.")
    for uid, unit in list((s.get("units") or {}).items())[:6]:
        los, fit = unit.get("los") or {}, _best(unit.get("los") or {})
        ks = f"; distance to Kaplan–Meier {num(fit['ks_km'])}" if fit.get("ks_km") is not None else ""
        out.append(f"{uid}: {los.get('chosen', '?')} length of stay, mean {duration(fit.get('mean_h'))} from "
                   f"{los.get('n', '?')} stays{ks}.")
    out += [f.words() for f in stay_fits(s) if f.fails]
    warnings = s.get("warnings") or []
    out.append(f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''} about thin or doubtful estimates"
               + (" (listed after the tables)." if warnings else "."))
    return out


def table_pages(result: Result) -> list[Page]:


    """Arrival streams, length-of-stay laws and warnings as tables."""
    s = result.summary
    arrivals = tuple((a.get("stream", ""), a.get("unit", ""), str(a.get("n", "")),
                      f"{num(a.get('rate_per_day'))} [{num((a.get('ci95') or [None])[0])}, "
                      f"{num((a.get('ci95') or [None, None])[1])}]", (a.get("profile") or {}).get("model", ""))
                     for a in s.get("arrivals") or [])
    units, checks = [], {f.unit: f for f in stay_fits(s)}
    for uid, unit in (s.get("units") or {}).items():
        los, fit = unit.get("los") or {}, _best(unit.get("los") or {})
        lo, hi = (fit.get("mean_ci95_h") or [None, None])[:2]
        check = checks.get(str(uid))
        verdict = f"{check.verdict()} (5%: {check.critical:.3f})" if check else "–"
        units.append((uid, str(los.get("n", "")), str(los.get("n_censored", "")), los.get("chosen", ""),
                      duration(fit.get("mean_h"), lo, hi), duration(fit.get("sd_h")), num(fit.get("ks_km")),
                      verdict))
    blocks = [Para(intro(result), muted=True), Bullets(tuple(sentences(result))),
              Table(("stream", "unit", "n", "rate per day [95% CI]", "profile"), arrivals, "llrrl"),
              Table(("unit", "stays", "open", "law", "mean [95% CI]", "sd", "KS vs KM", "check"), tuple(units),
                    "lrrlrrrl", "KS vs KM: largest gap between the law and the Kaplan–Meier curve of the stays; "
                    "check: against its 5% critical value for the complete stays (poor: beyond it by more than "
                    "5 percentage points).")]
    warnings = s.get("warnings") or []
    if warnings:
        blocks.append(Table(("where", "warning"), tuple((w.get("where", ""), w.get("message", "")) for w in warnings),
                            "ll"))
    return [Page(f, "calibration", chart=False) for f in text_pages("Calibrated demand", result.label, blocks)]


def profiles(result: Result) -> tuple[pd.DataFrame | None, str]:
    """``stream, how, observed, fitted`` from profiles.csv, else from the summary; and where from."""
    if "profiles" in result.tables and not result.tables["profiles"].empty:
        return result.tables["profiles"], "profiles.csv"
    rows = []
    for a in result.summary.get("arrivals") or []:
        p = a.get("profile") or {}
        values, counts = p.get("values"), p.get("counts")
        if values and counts and len(values) == len(counts) == 168 and np.mean(counts) > 0:
            observed = np.asarray(counts, float) / np.mean(counts)
            rows += [(a.get("stream"), h, observed[h], values[h]) for h in range(168)]
    frame = pd.DataFrame(rows, columns=["stream", "how", "observed", "fitted"]) if rows else None
    return frame, f"the profile values and counts in {result.manifest.get('summary_file', 'the summary')}"


def profile_pages(result: Result) -> list[Page]:


    """Observed and fitted hour-of-week arrival profiles, one panel per stream."""
    frame, source = profiles(result)
    if frame is None:
        return [_missing("Arrival profiles by hour of week", result, "profiles",
                         "Hour-of-week profiles not available: no profiles.csv (stream, how, observed, fitted) and "
                         "no profile in the calibration summary.")]

    def draw(ax, stream, first):
        part = frame[frame["stream"] == stream].sort_values("how")
        ax.step(part["how"], part["observed"], where="mid", color=CYCLE[5], linewidth=0.9, label="observed")
        ax.plot(part["how"], part["fitted"], color=CYCLE[0], linewidth=1.8, label="fitted")
        ax.set_xticks(np.arange(0, 168, 24) + 12, labels=DAYS)
        for edge in range(24, 168, 24):
            ax.axvline(edge, color="#DDDDDD", linewidth=0.8)
        ax.set_xlim(0, 167)
        ax.set_ylim(bottom=0)
        ax.set_title(str(stream), loc="left")
        ax.set_ylabel("arrivals ÷ average hour")
        ax.grid(axis="x", visible=False)

    return panel_pages(list(dict.fromkeys(frame["stream"])), draw, "Arrival profiles by hour of week", result.label,
                       "profiles", f"Observed and fitted arrivals per hour of the week (local time), relative to "
                       f"the stream's average hour; from {source}.")


def survival_pages(result: Result, units: list[str] | None = None,
                   title: str = "Length of stay: fitted law against Kaplan–Meier") -> list[Page]:
    """Kaplan–Meier against the fitted length-of-stay law, one panel per unit (``units`` only)."""
    frame = result.tables.get("survival")
    checks = {f.unit: f for f in stay_fits(result.summary)}
    if frame is None or frame.empty:
        return [_missing("Length of stay: fitted law against Kaplan–Meier", result, "survival",
                         "Survival diagnostics not available: survival.csv (unit, hours, km, fitted) is not in "
                         f"{result.path}.")]

    def draw(ax, unit, first):
        part = frame[frame["unit"] == unit].sort_values("hours")
        ax.step(part["hours"] / 24, part["km"], where="post", color="black", linewidth=1.2, label="Kaplan–Meier")
        ax.plot(part["hours"] / 24, part["fitted"], color=CYCLE[1], linewidth=1.8, label="fitted law")
        ax.set_ylim(0, 1.02)
        ax.set_xlim(left=0)
        ax.set_title(str(unit), loc="left")
        ax.set_xlabel("days in unit")
        ax.set_ylabel("still in unit")
        check = checks.get(str(unit))
        if check is not None and check.fails:
            ax.text(0.98, 0.95, f"{check.verdict()}: KS {check.distance:.3f} > {check.critical:.3f} (5%)",
                    transform=ax.transAxes, ha="right", va="top", fontsize=9, fontweight="bold",
                    color=BAD if check.poor else MUTED)

    shown = list(dict.fromkeys(frame["unit"])) if units is None else [u for u in dict.fromkeys(frame["unit"])
                                                                       if u in units]
    return panel_pages(shown, draw, title, result.label, "survival" + ("-poor" if units is not None else ""),
                       "Share of stays lasting longer than t: Kaplan–Meier estimate (censored stays included) and "
                       "the chosen law; a law beyond its 5% Kolmogorov–Smirnov critical value is flagged.")


def _missing(title: str, result: Result, slug: str, message: str) -> Page:
    def draw(fig, grid):
        empty_panel(fig.add_subplot(fig.add_gridspec(1, 1, **grid)[0]), message)

    page = single_page(title, result.label, slug, draw)
    page.chart = False
    return page


def pages(result: Result) -> list[Page]:
    """The calibration's detail: findings and tables, arrival profiles, stay laws."""
    return table_pages(result) + profile_pages(result) + survival_pages(result)

