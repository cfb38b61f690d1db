"""The written report: pages, the summary text in the PDF, PNG sizes and content, determinism."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

import synthetic
from hospitaltwin.report import build_report
from hospitaltwin.report.style import PNG_SIZE

KINDS = ("run", "network", "forecast", "compare", "backtest", "calibration", "calibration_bare", "roster")


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_has_every_page_the_summary_first_and_provenance_last(reports, kind):
    written = reports[kind]
    pages = pdf_text(written.pdf)
    assert len(pages) == written.pages >= 4
    assert pages[0].startswith("Summary") and pages[-1].startswith("Provenance")
    assert not any(p.startswith("Provenance") for p in pages[:-1]), "one provenance page, at the back"
    assert f"page 1 of {written.pages}" in pages[0] and f"page {written.pages} of {written.pages}" in pages[-1]


@pytest.mark.parametrize("kind", KINDS)
def test_every_png_is_slide_sized_and_not_blank(reports, kind):
    written = reports[kind]
    assert written.pngs, "every kind has at least one chart"
    for png in written.pngs:
        image = Image.open(png)
        assert image.size == PNG_SIZE, png.name
        grey = np.asarray(image.convert("L"), dtype=float)
        assert grey.std() > 8, f"{png.name} looks blank"
        assert (grey < 128).mean() > 0.002, f"{png.name} has almost no ink"


def test_png_names_are_their_pdf_page_numbers(reports):
    written = reports["run"]
    pages = pdf_text(written.pdf)
    for png in written.pngs:
        number = int(png.name.split("-")[0])
        assert 1 < number < written.pages
        assert "Key figures" not in pages[number - 1], "a text page got a PNG"


def test_run_summary_states_the_fullest_unit_with_its_interval(results, reports):
    summary = json.loads((results["run"] / "summary.json").read_text())
    unit, kpis = max(summary["units"].items(), key=lambda item: item[1]["p_full"]["mean"])
    pages = pdf_text(reports["run"].pdf)
    text = pages[0].replace("\n", " ")
    share = f"{100 * kpis['p_full']['mean']:.0f}%" if kpis["p_full"]["mean"] >= 0.1 else None
    name = synthetic.UNITS[unit]["name"]
    assert "What the simulation shows" in text and "the units most often full are" in text
    assert f"{name} {share} (95% CI" in " ".join(text.split()) if share else name in text
    detail = " ".join(p for p in pages if p.startswith("Key figures")).replace("\n", " ")
    assert f"{unit} — " in detail and "is at its staffed capacity" in detail and "ventilator" in detail


def test_forecast_summary_gives_probabilities_of_reaching_capacity(results, reports):
    summary = json.loads((results["forecast"] / "summary.json").read_text())
    pages = pdf_text(reports["forecast"].pdf)
    first = " ".join(pages[0].split())
    assert "Risks in the coming days" in first and "to fill its staffed beds in the next 7 days (" in first
    assert "as of Sat 26 Oct 2024, 06:00 BST" in first and "(Europe/London)" in first, "local time, zone named"
    detail = " ".join(p for p in pages if p.startswith("Forecast risks by resource")).replace("\n", " ")
    top = summary["headline"][0]
    assert re.search(rf"{top['resource']}\s+staffed beds", detail) and "full ≤3 days" in detail, "72 h risks in the table"
    assert "on at least one day in the next 7 days:" in detail and "Riskiest day:" in detail


def test_calibration_without_diagnostics_says_not_available(reports):
    text = " ".join(pdf_text(reports["calibration_bare"].pdf))
    assert "not available" in text and "survival.csv" in text
    assert "Arrival profiles by hour of week" in text, "profiles fall back to the calibration summary"


def test_network_report_has_the_hospital_graph(reports):
    text = " ".join(pdf_text(reports["network"].pdf))
    assert "Network: hospitals and transfer links" in text


def test_several_results_share_one_summary_and_one_provenance_page(results, tmp_path):
    written = build_report([results["forecast"], results["compare"], results["roster"]], tmp_path / "all.pdf")
    pages = pdf_text(written.pdf)
    first = pages[0]
    assert first.index("Risks in the coming days") < first.index("Recommended plan") < first.index("Policies tested")
    assert "forecast ·" in pages[-1] and "compare ·" in pages[-1] and "roster ·" in pages[-1]
    key = next(i for i, p in enumerate(pages) if "Probability of reaching capacity, by resource and day" in p)
    detail = next(i for i, p in enumerate(pages) if p.startswith("Forecast risks by resource"))
    assert key < detail, "the figures that carry page 1 come before the detail"
    assert written.pngs == ()


def test_same_inputs_give_the_same_bytes(results, tmp_path):
    first = build_report([results["run"], results["forecast"]], tmp_path / "a.pdf", tmp_path / "a")
    second = build_report([results["run"], results["forecast"]], tmp_path / "b.pdf", tmp_path / "b")
    assert first.pdf.read_bytes() == second.pdf.read_bytes()
    assert b"CreationDate" not in first.pdf.read_bytes()
    assert [p.read_bytes() for p in first.pngs] == [p.read_bytes() for p in second.pngs]


def test_report_reads_files_only_and_never_imports_the_engine(results, tmp_path):
    code = ("import sys; from hospitaltwin.report import build_report; "
            f"build_report([{str(results['run'])!r}, {str(results['forecast'])!r}], {str(tmp_path / 'r.pdf')!r}); "
            "bad = [m for m in sys.modules if m.startswith(('hospitaltwin.engine', 'hospitaltwin.experiment.replicate', 'simpy'))]; "
            "assert not bad, bad; "
            "assert 'matplotlib.pyplot' not in sys.modules or sys.modules['matplotlib'].get_backend().lower() == 'agg'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
