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
    summary = " ".join(p for p in pages if p.startswith("Executive summary"))
    assert ("CP-SAT roster is within 0.59% of the best possible (bound 3,960): expected uncovered patient-hours "
            "3,697, 23 overtime shifts, 0 broken requests.") in summary
    assert "The naive roster: expected uncovered patient-hours 4,410, 31 overtime shifts, 2 broken requests" in summary
    assert "Out of sample, in the simulator (30 replications, seed 12): the optimised roster is better" in summary
    assert "The optimised roster lowers" in summary, "the largest significant effect in words"
    tables, forests = _titled(pages, "Out-of-sample test: paired differences"), _titled(pages, "Out-of-sample test: forest")
    staff = _titled(pages, "Roster: shifts by person and day")
    assert tables and forests and max(staff) < min(tables) < min(forests), "the test's pages follow the roster's"
    assert "baseline: the naive roster" in pages[tables[0]]
    _charts_are_slides(written)
    assert len(written.pngs) == len(_titled(pages, "Roster: staff on shift")) + len(staff) + len(forests)


def test_roster_without_solve_or_test_leaves_them_out(reports):
    pages = _text(reports["roster"])
    assert not any("CP-SAT" in p or "Out-of-sample" in p or "Out of sample" in p for p in pages)


def test_surge_plan_in_words_chart_table_and_test(reports):
    written = reports["surge"]
    pages = _text(written)
    summary = " ".join(p for p in pages if p.startswith("Executive summary"))
    assert "WING_4W (for WARD_A) opens 2 beds from day 2 (Tue 5 Nov), up to 4 on day 4 (Thu 7 Nov)" in summary
    assert "DAYSURG stays closed." in summary
    assert "Cost 39,200 (bed-days 34,200, opening 5,000, closing 0), budget 150,000." in summary
    assert "Expected unmet patient-days over the 7 days: 8.20 without the plan, 5.17 with it (WARD_A 6.09 → 3.06)" \
        in summary
    assert "SCIP (OR-Tools MathOpt) is optimal (objective 116,082)." in summary
    assert "Out of sample, in the simulator (20 replications, seed 2): the surge plan is better than no surge beds" \
        in summary
    chart, table = _titled(pages, "Surge plan: beds open by day"), _titled(pages, "Surge plan: beds and nurses")
    tests = _titled(pages, "Out-of-sample test")
    assert len(chart) == 1 and len(table) == 1 and chart[0] < table[0] < min(tests)
    assert "day 7 (Sun 10 Nov)" in pages[table[0]] and "Closed throughout: DAYSURG." in pages[table[0]]
    assert written.pages == 2 + 2 + len(tests)  # cover, summary; chart, table; the test's table and forests
    _charts_are_slides(written)


def test_network_plan_moves_shortages_and_test(reports):
    written = reports["network_plan"]
    pages = _text(written)
    summary = " ".join(p for p in pages if p.startswith("Executive summary"))
    assert "Move 5 ventilators from hub to west, dispatched on day 0 (2024-01-11), in use from day 1." in summary
    assert ("Expected ventilator-days short, today → with the plan: west 14.7 → 3.31, east 0.57 → 0.67, "
            "hub 0 → 1.04 (total 15.2 → 5.02).") in summary
    assert "Expected icu bed-days short" in summary and "The network plan is optimal (objective 7.16)." in summary
    assert "the plan is better than today's network on 2 KPIs" in summary
    assert "The plan lowers unmet equipment episodes of west_vents from 56% to 2.3%" in summary
    chart, moves = _titled(pages, "Network plan: expected shortage"), _titled(pages, "Network plan: device moves")
    transfers, tests = _titled(pages, "Network plan: transfers per link"), _titled(pages, "Out-of-sample test")
    assert len(chart) == 1 and len(moves) == 1 and chart[0] < moves[0] < min(tests) and len(tests) == 2
    assert len(transfers) == 1 and chart[0] < transfers[0] < moves[0]
    assert "west → hub" in pages[transfers[0]] and "east → hub" not in pages[transfers[0]], "idle links left out"
    assert "hub_vents" in pages[moves[0]] and "2024-01-11" in pages[moves[0]]
    _charts_are_slides(written)


def test_network_plan_without_evaluation_has_no_test_pages(reports):
    pages = _text(reports["network_plan_bare"])
    assert not _titled(pages, "Out-of-sample test") and not any("Out of sample" in p for p in pages)
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
