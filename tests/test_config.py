"""Files a user writes: durations, validation messages with file/key/line, references."""

from __future__ import annotations

import textwrap

import pytest

from hospitaltwin.cli.validate import validate_file
from hospitaltwin.config import parse_scenario, read_scenario
from hospitaltwin.core.durations import format_hours, parse_duration
from hospitaltwin.core.errors import ConfigError

MINIMAL = """\
name: one-unit
layout:
  units:
    ICU: {beds: 12, on_full: divert}
demand:
  arrivals:
    - {unit: ICU, rate: 2.5}          # per day, Poisson
  units:
    ICU:
      los: {dist: lognormal, mean: 4d, sd: 3d}
      next: {discharge: 1.0}
run: {horizon: 1000d, warmup: 30d, replications: 20, seed: 1}
"""


@pytest.mark.parametrize("text, hours", [("90min", 1.5), ("6h", 6), ("4.5d", 108), ("2w", 336), ("1d12h", 36)])
def test_durations_carry_units(text, hours):
    assert parse_duration(text) == pytest.approx(hours)
    assert parse_duration(format_hours(hours)) == pytest.approx(hours)


@pytest.mark.parametrize("bad", [4, "4", "4 parsecs", True, None])
def test_a_duration_without_a_unit_is_refused(bad):
    with pytest.raises(ValueError, match="unit"):
        parse_duration(bad)


def test_the_minimal_scenario_of_the_design_is_expressible():
    scenario = parse_scenario(MINIMAL)
    assert scenario.layout.units["ICU"].beds == 12
    assert scenario.demand.units["ICU"].los.mean == 96.0
    assert scenario.run.warmup == 720.0


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_scenario(textwrap.dedent(text), name="s.yaml")
    return [str(p) for p in info.value.problems]


def test_every_problem_is_reported_with_file_key_path_and_line():
    problems = _problems("""\
        name: bad
        layout:
          units:
            ICU: {beds: twelve, on_full: divert, colour: red}
        demand:
          arrivals:
            - {unit: ICU, rate: 2.5}
          units:
            ICU:
              los: {dist: lognormal, mean: 4, sd: 3d}
        run: {horizon: 100d}
        """)
    assert any(p.startswith("s.yaml: layout.units.ICU.beds (line 4):") for p in problems)
    assert any("layout.units.ICU.colour (line 4): unknown key (expected one of: beds, on_full" in p for p in problems)
    assert any("demand.units.ICU.los.mean (line 10)" in p and "unit" in p for p in problems)
    assert len(problems) == 3


def test_references_between_sections_are_checked():
    problems = _problems("""\
        name: refs
        layout:
          units:
            ED: {beds: 10}
            ICU: {beds: 4, on_full: overflow, overflow: [PACU]}
          transfers: {ED: [WARD]}
        demand:
          arrivals:
            - {unit: ER, rate: 2}
          units:
            ED:
              los: {dist: exponential, mean: 4h}
              next: {ICU: 0.5, discharge: 0.6}
        run: {horizon: 10d}
        """)
    text = "\n".join(problems)
    assert "layout.units.ICU.overflow.0" in text and "unknown unit 'PACU'" in text
    assert "layout.transfers.ED.0" in text and "unknown unit 'WARD'" in text
    assert "demand.units.ED.next" in text and "add up to 1.1" in text


def test_routes_outside_the_transfer_graph_and_missing_stay_laws_are_refused():
    problems = _problems("""\
        name: graph
        layout:
          units: {ED: {beds: 10}, ICU: {beds: 4}, WARD: {beds: 20}}
          transfers: {ED: [WARD]}
          equipment: {ventilator: {count: 3}}
        demand:
          arrivals: [{unit: ED, rate: 2}]
          units:
            ED: {los: {dist: exponential, mean: 4h}, next: {ICU: 0.2, WARD: 0.8}}
            ICU: {los: {dist: exponential, mean: 2d}, equipment: {ecmo: {p: 0.1, duration: {dist: fixed, mean: 5d}}}}
        run: {horizon: 10d}
        """)
    text = "\n".join(problems)
    assert "demand.units.ED.next.ICU" in text and "no move ED -> ICU" in text
    assert "demand.units.ED.next.WARD" in text and "no entry under 'units'" in text
    assert "demand.units.ICU.equipment.ecmo" in text and "no equipment pool of kind 'ecmo'" in text


def test_layout_and_demand_by_path_report_problems_in_their_own_file(tmp_path):
    (tmp_path / "layout.yaml").write_text("units:\n  ICU: {beds: 5, on_full: sometimes}\n")
    (tmp_path / "demand.yaml").write_text("arrivals: [{unit: ICU, rate: 1}]\nunits:\n  ICU: {los: {dist: fixed, mean: 1d}}\n")
    (tmp_path / "s.yaml").write_text("name: s\nlayout: layout.yaml\ndemand: demand.yaml\nrun: {horizon: 5d}\n")
    with pytest.raises(ConfigError) as info:
        read_scenario(tmp_path / "s.yaml")
    (problem,) = info.value.problems
    assert problem.file.endswith("layout.yaml") and problem.path == "units.ICU.on_full" and problem.line == 2


@pytest.mark.parametrize("content, reason", [
    ("units: [1, 2", "not valid YAML"),
    ("- a\n- b\n", "not a layout, demand, scenario or policy"),
])
def test_broken_files_give_a_located_reason(tmp_path, content, reason):
    path = tmp_path / "x.yaml"
    path.write_text(content)
    kind, problems = validate_file(path)
    assert problems and reason in str(problems[0]) and str(path) in str(problems[0])


def test_scenario_values_are_frozen():
    scenario = parse_scenario(MINIMAL)
    with pytest.raises(Exception):
        scenario.run.seed = 5
