"""The surge options file is validated like every hospitaltwin file: file, key path, line, reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hospitaltwin.config.load import read_scenario
from hospitaltwin.core.errors import ConfigError
from hospitaltwin.optimize.surge.options import read_options
from tests.optimize.surge_cases import tiny_scenario, two_options

ROOT = Path(__file__).resolve().parents[2]


def _problems(tmp_path: Path, data: dict, scenario=None, days=None) -> list[str]:
    path = tmp_path / "options.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError) as caught:
        read_options(path, scenario, days)
    return [str(p) for p in caught.value.problems]


def test_the_example_options_fit_the_example_scenario():
    scenario = read_scenario(ROOT / "scenarios/surge/academic-icu-wave.yaml")
    options = read_options(ROOT / "scenarios/surge/academic-options.yaml", scenario, 14)
    assert set(options.options) == {"PACU_ICU", "SDU_ICU", "SURGE_ICU"}
    assert options.options["SURGE_ICU"].fewest == options.options["SURGE_ICU"].most == 10


def test_unknown_keys_name_the_file_the_key_path_and_the_keys_allowed(tmp_path):
    data = two_options()
    data["options"]["BAYS"]["max_bed"] = 3
    data["staff_limit"] = 4
    problems = _problems(tmp_path, data)
    assert any("options.yaml: options.BAYS.max_bed (line" in p and "unknown key (expected one of:" in p
               and "max_beds" in p for p in problems)
    assert any("options.yaml: staff_limit" in p and "unknown key" in p and "nurses_per_shift" in p for p in problems)


@pytest.mark.parametrize("change, where, reason", [
    ({"BAYS": {"beds": 2}}, "options.BAYS", "exactly one of 'beds'"),
    ({"BAYS": {"min_open": "36h"}}, "options.BAYS.min_open", "whole days"),
    ({"AREA": {"lead_time": 2}}, "options.AREA.lead_time", "duration with a unit"),
    ({"AREA": {"open_now": 1}}, "options.AREA", "all-or-nothing"),
    ({"BAYS": {"cost_per_bed_day": -1}}, "options.BAYS.cost_per_bed_day", "greater than or equal to 0"),
    ({"nurses_per_shift": [2, -1]}, "nurses_per_shift", ">= 0"),
])
def test_bad_values_are_located_and_explained(tmp_path, change, where, reason):
    problems = _problems(tmp_path, two_options(**change))
    assert any(f"options.yaml: {where} (line" in p and reason in p for p in problems), problems


def test_cross_references_are_checked_against_the_scenario(tmp_path):
    data = two_options(nurses_per_shift=[2, 2])
    data["options"]["ICU"] = {"serves": "HDU", "max_beds": 1, "cost_per_bed_day": 1, "patients_per_nurse": 1}
    data["options"]["BAYS"]["convert_from"] = "THEATRE"
    data["unmet_cost_per_patient_day"] = {"ICU": 1.0, "NICU": 2.0}
    problems = "\n".join(_problems(tmp_path, data, tiny_scenario(), days=3))
    assert "options.ICU (line 25): 'ICU' is already a unit of the layout" in problems
    assert "options.ICU.serves (line" in problems and "unknown unit 'HDU' (known: ICU, PACU)" in problems
    assert "options.BAYS.convert_from" in problems and "unknown unit 'THEATRE'" in problems
    assert "unmet_cost_per_patient_day.NICU" in problems
    assert "nurses_per_shift" in problems and "2 values given, the plan covers 3 days" in problems


def test_a_unit_that_diverts_and_a_donor_without_a_cost_are_refused(tmp_path):
    scenario = tiny_scenario().model_copy(deep=True)
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["layout"]["units"]["ICU"]["on_full"] = "divert"
    from hospitaltwin.config import scenario_from_dict

    diverting = scenario_from_dict(data)
    options = two_options()
    options["unmet_cost_per_patient_day"] = {"ICU": 1.0}
    problems = "\n".join(_problems(tmp_path, options, diverting))
    assert "unit 'ICU' diverts when full" in problems
    assert "unit 'PACU' gains or loses surge beds but has no cost per patient-day" in problems


def test_broken_yaml_is_one_located_message(tmp_path):
    path = tmp_path / "options.yaml"
    path.write_text("name: x\noptions: {A: [\n")
    with pytest.raises(ConfigError, match=r"options.yaml.*not valid YAML"):
        read_options(path)


def test_validate_recognises_surge_options_files(tmp_path):
    from typer.testing import CliRunner

    from hospitaltwin.cli import app

    good = [str(ROOT / "scenarios/surge/academic-options.yaml")]
    result = CliRunner().invoke(app, ["validate", *good])
    assert result.exit_code == 0 and "(surge options)" in result.output, result.output
    bad = tmp_path / "options.yaml"
    data = two_options()
    data["options"]["AREA"]["min_open"] = "1.5d"
    bad.write_text(yaml.safe_dump(data))
    result = CliRunner().invoke(app, ["validate", *good, str(bad)])
    assert result.exit_code == 1
    assert "options.AREA.min_open" in result.output and "whole days" in result.output
