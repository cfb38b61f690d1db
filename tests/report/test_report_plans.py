"""The optimisers' results: a roster's solve and out-of-sample test, surge and network plans."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.report import build_report
from hospitaltwin.report.style import PNG_SIZE


def _text(written) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(written.pdf).pages]


def _titled(pages: list[str], title: str) -> list[int]:
    return [i for i, page in enumerate(pages) if title in page]


def _charts_are_slides(written) -> None:
    assert written.pngs
    for png in written.pngs:
        image = Image.open(png)
        assert image.size == PNG_SIZE, png.name
        grey = np.asarray(image.convert("L"), dtype=float)
        assert grey.std() > 8 and (grey < 128).mean() > 0.002, f"{png.name} looks blank"


def test_roster_states_its_solve_against_the_naive_roster_and_the_test(reports):
    written = reports["roster_plan"]
    pages = _text(written)
    summary = pages[0]
    assert "Recommended plan" in summary
    assert "The optimised roster: expected uncovered patient-hours 3,697, 23 overtime shifts, 0 broken requests." in summary
    assert "The naive roster: expected uncovered patient-hours 4,410, 31 overtime shifts, 2 broken requests" in summary
    assert "Tested in the twin (30 replications, seed 12, other random numbers than the plan was made on), against " \
           "the naive roster: the share of Intensive care unit's bed requests diverted falls from" in summary
    assert "Solver note: CP-SAT stopped with status feasible, MIP gap 0.59%" in summary, "solver status in a note"
    assert "KPIs" not in summary, "no count of KPIs on page 1"
    tables, forests = _titled(pages, "Out-of-sample test: paired differences"), _titled(pages, "Out-of-sample test: forest")
    staff = _titled(pages, "Roster: shifts by person and day")
    assert tables and forests and max(staff) < min(tables) < min(forests), "the test's pages follow the roster's"
    assert "baseline: the naive roster" in pages[tables[0]]
    _charts_are_slides(written)
    effects = _titled(pages, "Roster: what it buys, tested")
    assert effects and effects[0] < min(staff), "what the roster buys is a key figure, before the detail"
    assert len(written.pngs) == len(_titled(pages, "Roster: staff on shift")) + len(staff) + len(forests) + len(effects)


def test_roster_without_solve_or_test_leaves_them_out(reports):
    pages = _text(reports["roster"])
    assert not any("CP-SAT" in p or "Out-of-sample" in p or "Tested in the twin" in p for p in pages)


def test_surge_plan_in_words_chart_table_and_test(reports):
    written = reports["surge"]
    pages = _text(written)
    summary = pages[0]
    assert ("Open WING_4W for Medical ward A: 2 beds from Tue 5 Nov to Wed 6 Nov; 4 beds from Thu 7 Nov to Sat 9 Nov; "
            "3 beds on Sun 10 Nov, needing up to 1 surge nurse per shift.") in summary
    assert "Keep DAYSURG closed." in summary
    assert ("It costs 39,200 of the 150,000 budget (bed-days 34,200, opening 5,000); over the demand it was made on it "
            "cuts the expected patient-days without a bed from 8.20 to 5.17.") in summary
    assert "Tested in the twin (20 replications, seed 2, other random numbers than the plan was made on), against no " \
           "surge beds:" in summary
    assert "(change −3.3 pts, 95% CI −3.6 to −2.9 pts)" in summary, "the tested effect with its interval"
    assert "Solver note: SCIP (OR-Tools MathOpt) found the best surge plan for its 100 demand paths (optimal, MIP gap " \
           "0.00%)." in summary
    assert "objective" not in summary and "KPIs" not in summary, "no solver-speak on page 1"
    chart, table = _titled(pages, "Surge plan: beds open by day"), _titled(pages, "Surge plan: beds and nurses")
    effects, tests = _titled(pages, "Surge plan: what it buys, tested"), _titled(pages, "Out-of-sample test")
    assert len(chart) == 1 and len(table) == 1 and chart[0] < min(effects) < table[0] < min(tests)
    assert "day 7 (Sun 10 Nov)" in pages[table[0]] and "Closed throughout: DAYSURG." in pages[table[0]]
    assert written.pages == 1 + 1 + len(effects) + 1 + len(tests) + 1  # summary; chart, effects; table; test; provenance
    _charts_are_slides(written)


def test_network_plan_moves_shortages_and_test(reports):
    written = reports["network_plan"]
    pages = _text(written)
    summary = pages[0]
    assert "Move 5 ventilators from hub to west: sent on Thu 11 Jan (day 0), in use from Fri 12 Jan (day 1)." in summary
    assert ("Expected shortage over the plan, today → with the plan: ventilator-days 15.2 → 5.02; icu bed-days "
            "1.41 → 1.02.") in summary
    assert "the share of west_vents episodes without a device falls from 56% to 2.3%" in summary
    assert "Solver note: SCIP via OR-Tools pywraplp (single thread) found the best network plan for its 12 demand " \
           "paths (optimal, MIP gap 0.00%)." in summary
    moves_page = pages[_titled(pages, "Network plan: device moves")[0]]
    assert ("Expected ventilator-days short, today → with the plan: west 14.7 → 3.31, east 0.57 → 0.67, "
            "hub 0 → 1.04 (total 15.2 → 5.02).") in moves_page
    assert "2 are better with the plan and 0 worse" in moves_page
    chart, moves = _titled(pages, "Network plan: expected shortage"), _titled(pages, "Network plan: device moves")
    transfers, tests = _titled(pages, "Network plan: transfers per link"), _titled(pages, "Out-of-sample test")
    assert len(chart) == 1 and len(moves) == 1 and chart[0] < moves[0] < min(tests) and len(tests) == 2
    assert len(transfers) == 1 and moves[0] < transfers[0] < min(tests)
    assert "west → hub" in pages[transfers[0]] and "east → hub" not in pages[transfers[0]], "idle links left out"
    assert "hub_vents" in pages[moves[0]] and "2024-01-11" in pages[moves[0]]
    _charts_are_slides(written)


def test_network_plan_without_evaluation_has_no_test_pages(reports):
    pages = _text(reports["network_plan_bare"])
    assert not _titled(pages, "Out-of-sample test") and not any("Tested in the twin" in p for p in pages)
    assert _titled(pages, "Network plan: device moves") and not _titled(pages, "Network plan: transfers per link")


def _fails(directory, tmp_path, *needles) -> None:
    out = tmp_path / "out"
    with pytest.raises(HospitaltwinError) as caught:
        build_report([directory], out / "r.pdf", out / "png")
    message = str(caught.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message
    assert not out.exists(), "nothing is written for a bad input"


def test_a_broken_plan_or_moves_file_is_one_clear_error(results, tmp_path):
    surge = shutil.copytree(results["surge"], tmp_path / "surge")
    (surge / "plan.csv").write_text((surge / "plan.csv").read_text().replace("WING_4W,WARD_A,3,2d,2",
                                                                              "WING_4W,WARD_A,3,2d,two"))
    _fails(surge, tmp_path, "plan.csv", "line 4", "'beds'", "'two'")
    network = shutil.copytree(results["network_plan"], tmp_path / "network")
    (network / "moves.csv").write_text((network / "moves.csv").read_text().replace("devices", "count"))
    _fails(network, tmp_path, "moves.csv", "missing column devices")
    (network / "moves.csv").write_text('kind,from\n"ventilator,hub\n')
    _fails(network, tmp_path, "moves.csv", "not a readable CSV file")
    network = shutil.copytree(results["network_plan"], tmp_path / "network2")
    (network / "transfers.csv").write_text((network / "transfers.csv").read_text().replace(",0.4,", ",lots,"))
    _fails(network, tmp_path, "transfers.csv", "column 'expected_transfers' is not a number")


def test_a_broken_solve_or_evaluation_is_one_clear_error(results, tmp_path):
    network = shutil.copytree(results["network_plan"], tmp_path / "network")
    (network / "solve.json").unlink()
    _fails(network, tmp_path, "solve.json", "missing")
    roster = shutil.copytree(results["roster_plan"], tmp_path / "roster")
    (roster / "evaluation" / "comparison.csv").write_text("policy,scope\nx,unit\n")
    _fails(roster, tmp_path, "comparison.csv", "missing columns")


def test_a_plan_day_is_named_by_the_date_most_of_it_falls_on():
    from pathlib import Path

    from hospitaltwin.report.load import Result
    from hospitaltwin.report.surge_pages import day_label

    late = Result(Path("x"), "surge", {"origin": "2025-07-06T23:58:00", "plan": {"start": 0.0}})
    assert day_label(late, 1) == "day 1 (Mon 7 Jul)" and day_label(late, 2, short=True) == "Tue 8 Jul"
    midnight = Result(Path("x"), "surge", {"origin": "2025-07-07T00:00:00", "plan": {"start": 0.0}})
    assert day_label(midnight, 1, short=True) == "Mon 7 Jul"
