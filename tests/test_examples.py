"""The bundled example hospitals and what-ifs: every file validates, every scenario runs, the
baselines look like real hospitals, and each what-if moves its KPIs the expected way.

The what-if comparisons use common random numbers: the same root seed and replication give the
same arrivals and staff draws in baseline and variant, so a difference of a few replications is
the effect of the change, not noise.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import kpi_dict
from hospitaltwin.config import read_scenario, validate_file
from hospitaltwin.engine import compile_scenario, simulate
from hospitaltwin.experiment import with_run

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = sorted((ROOT / "layouts").glob("*.yaml"))
DEMANDS = sorted((ROOT / "scenarios" / "demand").glob("*.yaml"))
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
EXAMPLES = [p for p in SCENARIOS if p.name != "one-unit.yaml"]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", LAYOUTS + DEMANDS + SCENARIOS, ids=_name)
def test_every_example_file_validates(path):
    kind, problems = validate_file(path)
    assert problems == [], "\n".join(str(p) for p in problems)
    expected = "layout" if path.parent.name == "layouts" else "demand" if path.parent.name == "demand" else "scenario"
    assert kind == expected


def test_every_example_file_opens_with_a_comment_saying_what_it_is():
    for path in LAYOUTS + DEMANDS + EXAMPLES:
        assert path.read_text().startswith("#"), f"{_name(path)} should open with a comment"


@pytest.mark.parametrize("path", EXAMPLES, ids=_name)
def test_every_scenario_runs_a_short_horizon(path):
    scenario = with_run(read_scenario(path), horizon="60d", warmup="10d", replications=1)
    result = simulate(compile_scenario(scenario), scenario.run.seed, 0, tables=False)
    kpis = kpi_dict(result)
    assert len(result.stays) > 0
    assert all(kpis[(u, "arrivals_per_day")] >= 0 for u in scenario.layout.units)
