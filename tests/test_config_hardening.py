"""Hostile configuration files: each probe ends in located problems, never a traceback or a hang."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hospitaltwin.cli.validate import validate_file
from hospitaltwin.config.checks import expected_stays
from hospitaltwin.config.load import parse_scenario, read_scenario
from hospitaltwin.config.policy import read_policy
from hospitaltwin.config.yamlio import MAX_VALUES, parse_yaml
from hospitaltwin.core.durations import parse_duration
from hospitaltwin.core.errors import ConfigError, HospitaltwinError
from hospitaltwin.experiment.replicate import with_run

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = """\
name: probe
layout:
  units:
    ICU: {beds: 4, on_full: divert}
demand:
  arrivals:
    - {unit: ICU, rate: 2.5}
  units:
    ICU:
      los: {dist: lognormal, mean: 4d, sd: 3d}
run: {horizon: 20d, warmup: 1d, replications: 2, seed: 1}
"""


def problems_of(path: Path) -> list[str]:
    _, problems = validate_file(path)
    return [str(p) for p in problems]


def billion_laughs(levels: int = 9) -> str:
    lines = ["name: laughs", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        this, before = chr(ord("a") + i), chr(ord("a") + i - 1)
        lines.append(f"{this}: &{this} [" + ",".join([f"*{before}"] * 9) + "]")
    lines += [
        "layout: {units: {ICU: {beds: 1}}}",
        "demand: {}",
        f"run: {{horizon: 1d, x: *{this}}}",
    ]
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_file_is_refused_before_it_is_built(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(billion_laughs())
    (problem,) = problems_of(path)
    assert problem.startswith(str(path))
    values = int(
        re.search(r"refused: expands to ([\d,]+) values", problem).group(1).replace(",", "")
    )
    assert (
        values > 2 * 9**9
        and f"more than the {MAX_VALUES:,} a hospitaltwin file may hold" in problem
    )
    with pytest.raises(ConfigError, match="expands to"):
        read_scenario(path)


def test_aliases_within_bounds_still_work():
    data, _ = parse_yaml(
        "base: &los {dist: exponential, mean: 2d}\nunits: {A: {los: *los}, B: {los: *los}}\n", "x"
    )
    assert (
        data["units"]["A"]["los"]
        == data["units"]["B"]["los"]
        == {"dist": "exponential", "mean": "2d"}
    )


@pytest.mark.parametrize(
    "text, reason",
    [
        ("a: &a [*a]\n", "an alias refers to a collection that contains it"),
        ("a: " + "[" * 40 + "]" * 40 + "\n", "nests 41 levels deep, more than the 32 allowed"),
        (
            "a: " + "[" * 100_000 + "]" * 100_000 + "\n",
            "not valid YAML: exceeded maximum nesting depth",
        ),
        ("seed: " + "9" * 5000 + "\n", "refused: a number of 5,000 digits"),
        ("name: '" + "x" * 200_000 + "'\n", "refused: a value of 200,000 characters"),
        ("origin: 2024-13-45\n", "a value cannot be read: month must be in 1..12"),
    ],
)
def test_hostile_yaml_is_one_located_problem(text, reason):
    with pytest.raises(ConfigError) as caught:
        parse_yaml(text, "f.yaml")
    (problem,) = caught.value.problems
    assert reason in str(problem) and len(str(problem)) < 300


def test_a_ten_megabyte_junk_field_is_never_echoed_in_full(tmp_path):
    path = tmp_path / "junk.yaml"
    path.write_text(SCENARIO.replace("horizon: 20d", "horizon: '" + "x" * 10_000_000 + "'"))
    (problem,) = problems_of(path)
    assert "10,000,000 characters" in problem and len(problem) < 300
    path.write_text(SCENARIO.replace("horizon: 20d", "horizon: '" + "x" * 90_000 + "'"))
    (problem,) = problems_of(path)
    assert "run.horizon" in problem and "… (" in problem and len(problem) < 300


def test_devices_pipes_and_folders_are_never_read(tmp_path):
    fifo = tmp_path / "layout.yaml"
    os.mkfifo(fifo)
    for path, reason in (
        (Path("/dev/zero"), "not a regular file"),
        (fifo, "not a regular file"),
        (tmp_path, "is a folder"),
    ):
        (problem,) = problems_of(path)
        assert reason in problem


@pytest.mark.parametrize(
    "field, value, reason",
    [
        ("rate: 2.5", "rate: .inf", "arrivals.0.rate (line 7): Input should be a finite number"),
        ("rate: 2.5", "rate: .nan", "arrivals.0.rate (line 7): Input should be a finite number"),
        (
            "rate: 2.5",
            "rate: -1",
            "arrivals.0.rate (line 7): Input should be greater than or equal to 0",
        ),
        ("rate: 2.5", "rate: 1e12", "Input should be less than or equal to 100000"),
        (
            "beds: 4",
            "beds: 1000000000000",
            "units.ICU.beds (line 4): Input should be less than or equal to 100000",
        ),
        ("sd: 3d", "sd: 3000000d", "los.sd (line 10): a duration of at most 100 years is expected"),
        ("sd: 3d", "sd: 20000d", "lognormal: sd is at most 1000 x the mean"),
        (
            "seed: 1",
            "seed: 99999999999999999999",
            "run.seed (line 11): Input should be less than or equal to",
        ),
        ("horizon: 20d", "horizon: " + "9" * 39 + "w", "a duration of at most 100 years"),
    ],
)
def test_numbers_that_crashed_or_stalled_a_run_fail_validation(tmp_path, field, value, reason):
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace(field, value))
    problems = problems_of(path)
    assert any(reason in p for p in problems), problems


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.sampled_from(["rate", "beds", "mean", "sd", "peak", "multiplier", "count"]),
    st.sampled_from(
        [".inf", "-.inf", ".nan", "-1", "1e308", "0", "1e-320", "123456789012345678901234567890"]
    ),
)
def test_any_numeric_field_is_finite_and_in_range_or_a_located_problem(field, value):
    text = SCENARIO + (
        "changes:\n  demand: [{multiplier: 1.0}]\n  beds: [{unit: ICU, beds: 4}]\n  staff: []\n"
    )
    replaced = {
        "rate": ("rate: 2.5", f"rate: {value}"),
        "beds": ("beds: 4,", f"beds: {value},"),
        "mean": ("mean: 4d", f"mean: {value}d" if value[0] not in ".-" else f"mean: {value}"),
        "sd": ("sd: 3d", f"sd: {value}"),
        "peak": ("multiplier: 1.0", f"multiplier: {value}"),
        "multiplier": ("multiplier: 1.0", f"multiplier: {value}"),
        "count": ("{unit: ICU, beds: 4}", f"{{unit: ICU, beds: {value}}}"),
    }[field]
    try:
        scenario = parse_scenario(text.replace(*replaced), "s.yaml")
    except ConfigError as exc:
        assert all(len(str(p)) < 500 for p in exc.problems)
        return
    assert expected_stays(scenario) < float("inf")


def test_a_reference_to_a_file_that_is_not_yaml_is_refused_unread(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        SCENARIO.replace(
            "layout:\n  units:\n    ICU: {beds: 4, on_full: divert}\n", "layout: /etc/shadow\n"
        )
    )
    (problem,) = problems_of(path)
    assert problem.endswith(
        "layout (line 2): names a layout file by a path ending in .yaml or .yml, got '/etc/shadow'"
    )


def test_a_referenced_file_that_is_not_a_layout_is_refused_without_quoting_it(tmp_path):
    secret = tmp_path / "shadow.yaml"
    secret.write_text(
        "".join(f"user{i}:$6$salt{i}$hash{i}:19000:0:99999:7:::\n" for i in range(24))
    )
    path = tmp_path / "s.yaml"
    path.write_text(
        SCENARIO.replace(
            "layout:\n  units:\n    ICU: {beds: 4, on_full: divert}\n", "layout: shadow.yaml\n"
        )
    )
    (problem,) = problems_of(path)
    assert "not a layout file: none of its 24 keys is one a layout has" in problem
    assert "salt" not in problem and "user0" not in problem
    secret.write_text("just some text\nspanning lines\n")
    (problem,) = problems_of(path)
    assert (
        "not a layout file (it holds str, not a mapping of keys)" in problem
        and "text" not in problem
    )


def test_references_resolve_relative_to_the_scenario_not_the_working_folder(tmp_path, monkeypatch):
    (tmp_path / "scen").mkdir()
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "one.yaml").write_text("units:\n  ICU: {beds: 4, on_full: divert}\n")
    path = tmp_path / "scen" / "s.yaml"
    path.write_text(
        SCENARIO.replace(
            "layout:\n  units:\n    ICU: {beds: 4, on_full: divert}\n",
            "layout: ../layouts/one.yaml\n",
        )
    )
    monkeypatch.chdir(tmp_path / "layouts")
    assert read_scenario(path).layout.units["ICU"].beds == 4


def test_a_scenario_looking_policy_is_checked_for_every_value_it_sets(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\nlayout: {units: {ICU: {beds: -3, on_full: sometimes}}}\n")
    kind, problems = validate_file(path)
    assert kind == "policy" and [str(p) for p in problems] == [
        f"{path}: layout.units.ICU.beds (line 2): Input should be greater than or equal to 0",
        (f"{path}: layout.units.ICU.on_full (line 2): "
        "Input should be 'queue', 'divert' or 'overflow'"),
    ]
    path.write_text(
        "name: p\ndemand: {units: {ICU: {next: {death: 2}, los: {mean: 3d}}}}\n"
        "layout: {units: {X: {bedz: 1}}}\n"
    )
    messages = [str(p) for p in validate_file(path)[1]]
    assert any("layout.units.X.bedz (line 3): unknown key" in m for m in messages)
    assert any("demand.units.ICU.next.death" in m for m in messages)
    with pytest.raises(ConfigError):
        read_policy(path)
    assert validate_file(ROOT / "scenarios/policies/one-unit-plus4.yaml") == ("policy", [])


def test_a_partial_policy_route_need_not_add_up_alone(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("name: p\ndemand: {units: {ICU: {next: {death: 0.1}}}}\n")
    assert validate_file(path) == ("policy", [])


LOOP = """\
name: loop
layout:
  units:
    A: {beds: 100}
    B: {beds: 100}
demand:
  arrivals:
    - {unit: A, rate: 50}
  units:
    A: {los: {dist: fixed, mean: 1min}, next: {B: 1.0}}
    B: {los: {dist: fixed, mean: 1min}, next: {A: 1.0}}
run: {horizon: 2d, replications: 1}
"""


def test_a_routing_loop_no_patient_can_leave_fails_validation():
    with pytest.raises(ConfigError) as caught:
        parse_scenario(LOOP, "loop.yaml")
    messages = [str(p) for p in caught.value.problems]
    reason = (
        "a routing loop no patient can leave: every route from {0} ({1}) leads back without "
        "discharge or death; give some route to discharge or death"
    )
    assert messages == [
        f"loop.yaml: demand.units.A.next (line 10): {reason.format('A', 'B')}",
        f"loop.yaml: demand.units.B.next (line 11): {reason.format('B', 'A')}",
    ]


def test_a_leaky_loop_is_run_only_within_the_stays_limit():
    leaky = LOOP.replace("next: {A: 1.0}", "next: {A: 0.9999, discharge: 0.0001}")
    scenario = parse_scenario(leaky, "loop.yaml")
    assert expected_stays(scenario) == pytest.approx(50 * 2 * 20_000, rel=1e-6)
    with pytest.raises(
        ConfigError,
        match=r"about 20,000,000 unit stays, more than the limit of 5,000,000 "
        r"\(a few GB of memory\)",
    ):
        with_run(scenario, horizon="20d")
    raised = parse_scenario(
        leaky.replace("replications: 1}", "replications: 1, limits: {stays: 30000000}}"), "x"
    )
    assert with_run(raised, horizon="20d").run.horizon == 480


def test_replications_and_horizon_are_limited_with_the_setting_that_raises_them():
    scenario = parse_scenario(SCENARIO, "s.yaml")
    with pytest.raises(
        HospitaltwinError,
        match=r"10,000,000 replications are more than the limit of 10,000 "
        r"\(run.limits.replications in the scenario raises it\)",
    ):
        with_run(scenario, replications=10_000_000)
    with pytest.raises(
        HospitaltwinError, match=r"a horizon of 5000d is longer than the limit of 3650d"
    ):
        with_run(scenario, horizon="5000d")
    bigger = parse_scenario(
        SCENARIO.replace("seed: 1}", "seed: 1, limits: {replications: 20000}}"), "s.yaml"
    )
    assert with_run(bigger, replications=20_000).run.replications == 20_000


@pytest.mark.parametrize(
    "text", [" " * 20_000 + "x", "1" * 20_000, "1h" * 20_000 + "!", "9" * 400 + "w"]
)
def test_long_duration_text_is_refused_without_reaching_the_pattern(text):
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize(
    "name, reason",
    [
        ("x" * 201, "a name has at most 200 characters, this one has 201"),
        ("ICU\x1b[2J", "a name is printable text"),
        ("two\nlines", "a name is printable text"),
    ],
)
def test_names_are_short_printable_text(name, reason):
    text = SCENARIO.replace("ICU", "UNIT").replace("name: probe", "name: probe")
    text = text.replace("UNIT", name.encode("unicode_escape").decode().join('""'))
    with pytest.raises(ConfigError) as caught:
        parse_scenario(text, "s.yaml")
    assert any(reason in str(p) for p in caught.value.problems)
    assert all(len(str(p)) < 500 and "\x1b" not in str(p) for p in caught.value.problems)
