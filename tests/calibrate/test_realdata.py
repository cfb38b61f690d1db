"""Real data: the calibrated routing and stay figures of the MIMIC-IV demo equal an
independent pandas computation straight from its raw transfers table, and the Sepsis log
calibrates without error."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest

from hospitaltwin.calibrate.assemble import calibrate
from hospitaltwin.eventlog import equipment_episodes, unit_stays
from hospitaltwin.eventlog.ingest import ingest
from tests.eventlog.conftest import KEY, data_dir, need
from tests.eventlog.test_realdata import _raw_stays

pytestmark = pytest.mark.realdata


def test_mimic_routing_and_stays_equal_the_raw_tables():
    root = need(data_dir() / "mimic-iv-demo-2.2")
    events = ingest([root], KEY).events
    demand, report = calibrate(unit_stays(events), equipment_episodes(events), min_stays=1)
    raw = _raw_stays(root)
    routes: dict[str, Counter] = defaultdict(Counter)
    seconds: dict[str, list] = defaultdict(list)
    for (unit, duration, nxt), n in raw.items():
        routes[unit][nxt] += n
        seconds[unit] += [duration] * n
    units = report.to_dict()["units"]
    for unit, counts in routes.items():
        branches = units[unit]["routing"]["branches"]
        assert {k: b["count"] for k, b in branches.items()} == dict(counts), unit
        total = sum(counts.values())
        for target, n in counts.items():
            assert branches[target]["p"] == pytest.approx(n / total)
        los = units[unit]["los"]
        assert los["n"] == len(seconds[unit]) and los["n_censored"] == 0
        floored = np.maximum(seconds[unit], 60)  # documented: complete stays under a minute count as one
        assert los["naive_mean_h"] == pytest.approx(np.mean(floored) / 3600, rel=1e-9), unit
    assert set(demand.units) == set(routes)


def test_sepsis_log_calibrates():
    path = need(data_dir() / "sepsis-cases" / "sepsis-cases.xes.gz")
    events = ingest([path], KEY).events
    demand, report = calibrate(unit_stays(events), equipment_episodes(events))
    assert demand.arrivals and demand.units
    for unit in demand.units.values():
        assert abs(sum(unit.next.values()) - 1) < 1e-9
