"""Fuzz the files a user writes: mutated layouts, demands, scenarios and policies never crash.

Each valid file of the project is mutated — truncated, with bytes inserted, lines or keys
swapped, numbers made huge or non-finite, values nested deep, aliases multiplied — with a
fixed budget of deterministic examples. Every mutant must end in ``validate_file``'s located
problems (each short enough to read) or validate cleanly; a mutant scenario that validates
must then run a short simulation. No exception other than a user error, and no hang past a
time bound (an alarm, not a speed target).
"""

from __future__ import annotations

import re
import signal
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hospitaltwin.cli.validate import validate_file
from hospitaltwin.config.load import read_scenario
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.experiment.replicate import run_scenario, with_run

ROOT = Path(__file__).resolve().parent.parent
SEEDS = {
    "layout": ROOT / "layouts/community-150.yaml",
    "network layout": ROOT / "layouts/regional-network.yaml",
    "demand": ROOT / "scenarios/demand/community-150.yaml",
    "scenario": ROOT / "scenarios/one-unit.yaml",
    "roster scenario": ROOT / "scenarios/rosters/six-units.yaml",
    "policy": ROOT / "scenarios/policies/one-unit-plus4.yaml",
}
SECONDS = 20
PROBLEM_CHARS = 600
SIGNIFICANT = ":{}[],&*!|>-?'\"#%@ \n\t\\\x00\x1b\u2028\ufeff"
HUGE = (
    ".inf",
    "-.inf",
    ".nan",
    "1e308",
    "-1e308",
    "9" * 400,
    "1e-320",
    "'" + "x" * 200_000 + "'",
    "99999999999999999999",
    "-0",
    "0x7fffffff",
    "0o777",
    "~",
    "[]",
    "{}",
    "!!binary aGk=",
)


@contextmanager
def time_bound(seconds: int = SECONDS):
    """Fail, rather than hang, when the body runs longer than ``seconds``."""

    def expired(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def truncate(text: str, data) -> str:
    return text[: data.draw(st.integers(0, len(text)))]


def insert(text: str, data) -> str:
    at = data.draw(st.integers(0, len(text)))
    junk = data.draw(
        st.text(st.sampled_from(SIGNIFICANT) | st.characters(), min_size=1, max_size=8)
    )
    return text[:at] + junk + text[at:]


def swap_lines(text: str, data) -> str:
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    i, j = data.draw(st.integers(0, len(lines) - 1)), data.draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


def swap_keys(text: str, data) -> str:
    # The look-behind keeps the scan linear on a 200,000-character word (a HUGE value).
    keys = sorted(set(re.findall(r"(?<![\w-])([A-Za-z_][\w-]*):", text)))
    if not keys:
        return text
    a, b = data.draw(st.sampled_from(keys)), data.draw(st.sampled_from(keys))
    return re.sub(
        rf"\b({re.escape(a)}|{re.escape(b)}):", lambda m: (b if m.group(1) == a else a) + ":", text
    )


def huge_value(text: str, data) -> str:
    numbers = [m.span() for m in re.finditer(r"(?<=[\s:\[,{])-?\d+(\.\d+)?(?=[\s,}\]])", text)]
    if not numbers:
        return text
    start, end = data.draw(st.sampled_from(numbers))
    return text[:start] + data.draw(st.sampled_from(HUGE)) + text[end:]


def deep(text: str, data) -> str:
    values = [m.end() for m in re.finditer(r": ", text)]
    if not values:
        return text
    at, depth = data.draw(st.sampled_from(values)), data.draw(st.integers(20, 200))
    rest = text[at:].split("\n", 1)
    return (
        text[:at] + "[" * depth + rest[0] + "]" * depth + ("\n" + rest[1] if len(rest) > 1 else "")
    )


def aliases(text: str, data) -> str:
    levels = data.draw(st.integers(2, 10))
    defs = ['x0: &x0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    defs += [f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 8) + "]" for i in range(1, levels)]
    values = [m.end() for m in re.finditer(r": (?=\S)", text)]
    if values:
        at = data.draw(st.sampled_from(values))
        end = text.find("\n", at)
        text = text[:at] + f"*x{levels - 1}" + (text[end:] if end >= 0 else "")
    return "\n".join(defs) + "\n" + text


MUTATIONS = (truncate, insert, swap_lines, swap_keys, huge_value, deep, aliases)


def check(path: Path) -> None:
    """The mutant validates, or every problem is a short located message; a valid scenario runs."""
    with time_bound():
        kind, problems = validate_file(path)
    for problem in problems:
        assert len(str(problem)) < PROBLEM_CHARS, str(problem)[:200]
    if kind == "scenario" and not problems:
        with time_bound():
            try:
                scenario = with_run(read_scenario(path), replications=1, horizon="2d", warmup="0h")
            except HospitaltwinError:
                return  # e.g. the short run is still beyond a limit the mutant set
            run_scenario(scenario, tables=False)


@pytest.mark.parametrize("kind", sorted(SEEDS))
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_files_end_in_located_problems(kind, data, tmp_path):
    text = SEEDS[kind].read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(1, 3))):
        text = data.draw(st.sampled_from(MUTATIONS))(text, data)
    path = tmp_path / SEEDS[kind].name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    check(path)


def test_the_seeds_themselves_are_valid():
    for kind, path in SEEDS.items():
        assert validate_file(path)[1] == [], kind


@pytest.mark.parametrize(
    "mutant",
    [
        ("name: x\nlayout: {units: {ICU: {beds: 4}}}\n"
        "demand: {arrivals: [{unit: ICU, rate: .inf}]}\nrun: {horizon: 1d}\n"),
        ("name: x\nlayout: {units: {ICU: {beds: 4}}}\n"
        "demand: {}\nrun: {horizon: 1d, replications: 0x7fffffff}\n"),
        "name: &n [*n]\nrun: {horizon: 1d}\n",
        "name: x\nlayout: nope.txt\ndemand: {}\nrun: {horizon: 1d}\n",
        "\ufeffname: x\n\x00",
        "",
    ],
)
def test_run_and_compare_on_mutants_never_show_a_traceback(mutant, tmp_path):
    from typer.testing import CliRunner

    from hospitaltwin.cli import app

    path = tmp_path / "s.yaml"
    path.write_text(mutant, encoding="utf-8")
    policy = ROOT / "scenarios/policies/one-unit-plus4.yaml"
    for args in (
        ["run", str(path), "--out", str(tmp_path / "r")],
        ["compare", str(path), "--policy", str(policy), "--out", str(tmp_path / "c")],
        ["validate", str(path)],
    ):
        with time_bound():
            result = CliRunner().invoke(app, args)
        assert result.exit_code in (1, 2) and isinstance(result.exception, SystemExit), (
            result.output
        )
        assert "Traceback" not in result.output and len(result.output) < 2000
