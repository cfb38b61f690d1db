"""A report a board reads: the answer on page 1 in local time, provenance last, numbers for people."""

from __future__ import annotations

import csv
import json
import re
import shutil

import pytest
from pypdf import PdfReader

from hospitaltwin.report import build_report
from hospitaltwin.report.numformat import change, num, pct, whole

SCIENTIFIC = re.compile(r"\d\.?\d*[eE][+\-]?\d{1,3}\b")


def _pages(path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def board(results, tmp_path_factory):
    """The forecast, the surge plan and the calibration in one report."""
    out = tmp_path_factory.mktemp("board")
    written = build_report([results["forecast"], results["surge"], results["calibration"]], out / "board.pdf")
    return _pages(written.pdf)


def test_page_one_states_the_risks_and_the_plan_in_sentences_in_local_time(board):
    first = board[0]
    assert first.startswith("Summary") and "as of Sat 26 Oct 2024, 06:00 BST" in first
    assert "times are local to the hospital (Europe/London)" in first
    risks, plan = first.index("Risks in the coming days"), first.index("Recommended plan")
    assert risks < plan < first.index("How far to trust this")
    assert "Now (Sat 26 Oct, 06:00 BST), patients in staffed beds:" in first
    assert re.search(r"is (almost certain|very likely|likely) to fill its staffed beds in the next 7 days \(\d+%\), "
                     r"most of all on \w{3} \d+ \w{3} \(\d+%\)", first), first
    assert "Open WING_4W for Medical ward A: 2 beds from Tue 5 Nov" in first
    assert "Tested in the twin (20 replications" in first and "95% CI" in first
    assert "+00:00" not in first and "UTC" not in first, "no UTC time stamps on page 1"


def test_provenance_is_the_last_page_and_the_only_one_with_checksums(board):
    assert board[-1].startswith("Provenance")
    assert "sha256" in board[-1] and not any("sha256" in page for page in board[:-1])
    assert "forecast · teaching-baseline" in board[-1] and "surge · teaching-baseline" in board[-1]


def test_no_scientific_notation_anywhere(board, results, tmp_path):
    compare = shutil.copytree(results["compare"], tmp_path / "compare")
    with open(compare / "comparison.csv", "a", newline="") as handle:
        csv.writer(handle).writerow(["icu-plus4", "unit", "MATERNITY", "mean_census", 11.5, 11.49994, -5.69e-05,
                                     -0.000173, 5.94e-05, "none"])
    pages = _pages(build_report([compare], tmp_path / "c.pdf").pdf)
    text = " ".join(pages)
    assert "MATERNITY" in text and "−0.0001 [−0.0002, +0.0001]" in text, "a tiny difference read at its precision"
    for page in board + pages:
        assert not SCIENTIFIC.search(page), SCIENTIFIC.search(page).group(0)


def test_bed_capacities_are_whole_numbers(results, reports, tmp_path):
    forecast = shutil.copytree(results["forecast"], tmp_path / "forecast")
    rows = list(csv.DictReader(open(forecast / "forecast.csv", encoding="utf-8")))
    for row in rows:
        if row["resource"] == "ICU" and row["kind"] == "staffed_beds":
            row["capacity"] = "9.91"
    with open(forecast / "forecast.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    pages = _pages(build_report([forecast], tmp_path / "f.pdf").pdf)
    table = next(p for p in pages if p.startswith("Forecast risks by resource"))
    assert re.search(r"ICU staffed beds 10 \d+ ", table), table
    assert "9.91" not in " ".join(pages)
    run = json.loads((results["run"] / "summary.json").read_text())
    unit, staffed = next((u, k["mean_staffed_beds"]["mean"]) for u, k in run["units"].items()
                         if not float(k["mean_staffed_beds"]["mean"]).is_integer())
    run_pages = _pages(reports["run"].pdf)
    kpis = next(p for p in run_pages if p.startswith("Key figures"))
    assert re.search(rf"{unit} [\d.]+ \[[\d.]+, [\d.]+\] {round(staffed)} ", kpis), (staffed, kpis)


def test_calibration_warnings_are_shown_whole_and_a_poor_stay_fit_is_flagged(results, tmp_path):
    calibration = shutil.copytree(results["calibration"], tmp_path / "calibration")
    summary_file = calibration / "demand.calibration.json"
    summary = json.loads(summary_file.read_text())
    long = ("36 episodes in the window are not used (repeats in a stay, escalations without their base device, or no "
            "stay to match them to); their devices are left out of the equipment fit, which may understate use")
    summary["warnings"].append({"where": "equipment", "message": long})
    hdu = summary["units"]["HDU"]["los"]
    hdu["candidates"][0]["ks_km"] = 0.148  # 388 complete stays: 5% critical value 0.069
    summary_file.write_text(json.dumps(summary))
    pages = _pages(build_report([calibration], tmp_path / "cal.pdf").pdf)
    text = " ".join(pages)
    assert long in text and "…" not in text, "the warning is whole"
    assert "The lognormal stay law of HDU fits its stays poorly: up to 15 percentage points off" in pages[0]
    survival = [p for p in pages if "Length of stay" in p]
    assert any("poor fit: KS 0.148 > 0.069 (5%)" in p for p in survival), survival
    assert "stay law of ICU fits its stays poorly" not in text, "a law within its critical value is not flagged"


def test_numbers_for_people():
    assert num(-5.69e-05) == "−0.0001" and num(2e-6) == "≈0"
    assert change(-5.69e-05, -0.000173, 5.94e-05) == "−0.0001 [−0.0002, +0.0001]"
    assert change(-0.0309, -0.0412, -0.0206, fraction=True) == "−3.1 pts [−4.1 pts, −2.1 pts]"
    assert change(-0.399, -0.632, -0.166) == "−0.4 [−0.6, −0.2]" and change(0.993, 0.946, 1.04) == "+0.99 [+0.95, +1.04]"
    assert change(0.15, 0.0, 0.3) == "+0.15 [+0.00, +0.30]"
    assert whole(3.91) == "4" and whole(116082.5) == "116,082"
    assert num(0.57) == "0.57" and num(8.2) == "8.20" and num(14.68) == "14.7" and num(1390.4) == "1,390"
    assert pct(0.998) == "100%" and pct(0.0004) == "<0.1%" and pct(0.042) == "4.2%"


def test_a_plan_that_opens_no_beds_says_why_and_what_opening_them_would_cost(results, tmp_path):
    surge = shutil.copytree(results["surge"], tmp_path / "surge")
    rows = list(csv.DictReader(open(surge / "plan.csv", encoding="utf-8")))
    for row in rows:
        row["beds"], row["nurses_per_shift"] = "0", "0"
    with open(surge / "plan.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    solve = json.loads((surge / "solve.json").read_text())
    solve["unmet_patient_days"] = {"WARD_A": {"plan": 6.09, "no_plan": 6.09}, "ICU": {"plan": 2.11, "no_plan": 2.11}}
    solve["alternative"] = {"beds": {"WING_4W": [0, 1, 2, 2, 0, 0, 0], "DAYSURG": [0] * 7},
                            "cost": {"bed_days": 9000.0, "opening": 5000.0, "closing": 0.0},
                            "unmet_patient_days": {"WARD_A": 4.5, "ICU": 2.11}, "extra_expected_cost": 1234.5}
    (surge / "solve.json").write_text(json.dumps(solve))
    pages = _pages(build_report([surge], tmp_path / "s.pdf").pdf)
    first = pages[0]
    assert "Open no surge beds: at the options' costs none pays for itself" in first
    assert ("The best plan that opens beds (WING_4W: 1 bed on Tue 5 Nov; 2 beds from Wed 6 Nov to Thu 7 Nov) would "
            "cost 14,000 and cut that to 6.61 patient-days, an expected 1,234 more in all.") in first
    assert not any("Surge plan: beds open by day" in p or "Out-of-sample test" in p for p in pages)
