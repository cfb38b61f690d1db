"""The whole calibration: a synthetic hospital log in, a valid demand file and report out."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml
from calib_synth import HOSPITAL, hospital_log, icu_with_devices
from rich.console import Console

from hospitaltwin.calibrate import calibrate, print_report, summary_path, write_demand
from hospitaltwin.calibrate.assemble import canonical
from hospitaltwin.config.demand import Demand
from hospitaltwin.config.load import read_demand, read_layout
from hospitaltwin.core.errors import HospitaltwinError

SINCE = pd.Timestamp("2024-01-01", tz="UTC")
LAYOUT = """
units:
  ED: {beds: 40}
  ICU: {beds: 16}
  ward: {beds: 120}
equipment:
  ventilator: {count: 12}
  ecls: {count: 2}
"""


@pytest.fixture(scope="module")
def log():
    return hospital_log(SINCE, 26, seed=41)


@pytest.fixture(scope="module")
def calibrated(log):
    return calibrate(*log)


def test_demand_is_valid_and_reads_back_equal(log, calibrated, tmp_path):
    demand, report = calibrated
    assert isinstance(demand, Demand) and canonical(demand) == demand
    yaml_path, json_path = write_demand(demand, tmp_path / "demand.yaml", report)
    assert json_path == summary_path(yaml_path) == tmp_path / "demand.calibration.json"
    (tmp_path / "layout.yaml").write_text(LAYOUT)
    assert read_demand(yaml_path, read_layout(tmp_path / "layout.yaml")) == demand
    text = yaml_path.read_text()
    assert text.startswith("# Demand written by hospitaltwin") and "demand.calibration.json" in text
    assert "mean: 4." in text or "mean: 3." in text  # durations written with units, e.g. 3.98d
    raw = yaml.safe_load(text)
    assert all(isinstance(u["los"]["mean"], str) for u in raw["units"].values())
    summary = json.loads(json_path.read_text())
    assert summary["data"]["stays_used"] == len(log[0])
    assert summary["data"]["stays_censored"] == log[0]["end"].isna().sum()
    assert set(summary["units"]) == {"ED", "ICU", "ward"}
    for unit in demand.units.values():
        assert sum(round(p * 10**4) for p in unit.next.values()) == 10**4
    for stream in demand.arrivals:
        assert len(stream.profile) == 168 and np.mean(stream.profile) == pytest.approx(
            1.0, abs=1e-12
        )


def test_assembled_parameters_recover_the_hospital(calibrated):
    demand, report = calibrated
    streams = {a.stream: a for a in report.arrivals}
    for (unit, source), rate in HOSPITAL["arrivals"].items():
        a = streams[f"{unit}:{source}" if source else unit]
        assert a.ci95[0] < rate < a.ci95[1]
    for uid, (family, mean, _) in HOSPITAL["los"].items():
        los = report.units[uid].los
        fit = los.best()
        assert fit.mean_ci[0] < mean < fit.mean_ci[1]
        true_fit = next(c for c in los.candidates if c.family == family)
        assert true_fit.aic - fit.aic < 4  # ~700 ICU stays cannot tell gamma from Weibull
        if los.n > 2000:
            assert los.chosen == family
    for uid, truth in HOSPITAL["next"].items():
        for b in report.units[uid].routing.branches:
            lo, hi = b.ci95
            assert lo - 0.01 < truth[b.target] < hi + 0.01
    vent = next(e for e in report.units["ICU"].equipment if e.kind == "ventilator")
    assert vent.ci95[0] < 0.4 < vent.ci95[1]
    assert demand.units["ICU"].equipment["ventilator"].duration.dist == "weibull"
    assert "ventilator" not in demand.units["ward"].equipment


def test_until_censors_and_since_excludes(log):
    stays, episodes = log
    until = SINCE + pd.Timedelta(weeks=13)
    demand, report = calibrate(stays, episodes, since="2024-01-08", until=until)
    assert report.window["since"] == "2024-01-08T00:00:00+00:00"
    starts = stays["start"]
    inside = (starts >= pd.Timestamp("2024-01-08", tz="UTC")) & (starts <= until)
    assert report.data["stays_used"] == inside.sum()
    assert report.data["stays_outside_window"] == (~inside).sum()
    running = inside & (stays["end"].isna() | (stays["end"] > until))
    assert report.data["stays_censored"] == running.sum() > 50
    fit = report.units["ward"].los.best()  # coverage itself is tested in test_los; here ~3 SE
    assert abs(fit.mean - 120.0) < 1.5 * (fit.mean_ci[1] - fit.mean_ci[0]) / 2
    local = calibrate(stays, episodes, timezone="America/New_York", since="2024-01-08")[1]
    assert local.window["since"] == "2024-01-08T05:00:00+00:00"


def test_empirical_choice_round_trips(log, tmp_path):
    demand, report = calibrate(*log, los_choice="empirical", empirical_points=150)
    assert {u.los.dist for u in demand.units.values()} == {"empirical"}
    assert len(demand.units["ED"].los.samples_h) == 150
    path, _ = write_demand(demand, tmp_path / "d.yaml")
    assert read_demand(path) == demand
    assert np.mean(demand.units["ward"].los.samples_h) == pytest.approx(120.0, rel=0.05)


def test_escalation_is_written_with_given_and_after(tmp_path):
    stays, episodes = icu_with_devices(3000, 52, seed=42)
    demand, report = calibrate(stays, episodes)
    ecls = demand.units["ICU"].equipment["ecls"]
    assert ecls.given == "ventilator" and ecls.after is not None
    path, _ = write_demand(demand, tmp_path / "d.yaml", report)
    assert read_demand(path).units["ICU"].equipment["ecls"] == ecls


def test_thin_data_warns_everywhere(log):
    stays, episodes = log
    demand, report = calibrate(stays, episodes, until=SINCE + pd.Timedelta(days=2))
    where = {w["where"] for w in report.warnings()}
    assert {
        "units.ICU.los",
        "units.ICU.next",
        "units.ward.los",
        "units.ICU.equipment.ventilator",
    } <= where
    messages = " | ".join(
        w["message"] for w in report.warnings() if w["where"].startswith("arrivals.")
    )
    assert "under 4 weeks" in messages and "fewer than 30" in messages
    assert json.dumps(report.to_dict(), allow_nan=False)
    _, full = calibrate(stays, episodes)
    assert not any(w["where"].startswith("units.ED") for w in full.warnings())


def test_report_renders_as_tables(calibrated):
    _, report = calibrated
    console = Console(record=True, width=140)
    print_report(report, console)
    text = console.export_text()
    titles = ("Arrivals", "Length of stay", "Routing", "Equipment") + (("Warnings",) if report.warnings() else ())
    for title in titles:
        assert title in text
    assert ("Warnings" in text) == bool(report.warnings()), "an empty table is not printed"
    assert "ED:walk-in" in text and "ventilator" in text


def test_bad_input_is_explained(log):
    stays, episodes = log
    with pytest.raises(HospitaltwinError, match="lack the column"):
        calibrate(stays.drop(columns=["next"]), episodes)
    with pytest.raises(HospitaltwinError, match="window is empty"):
        calibrate(stays, episodes, since="2024-03-01", until="2024-02-01")
    with pytest.raises(HospitaltwinError, match="los_choice"):
        calibrate(stays, los_choice="normal")
    no_eq, _ = calibrate(stays)
    assert all(not u.equipment for u in no_eq.units.values())


def test_data_problems_are_counted_not_hidden(log):
    stays, episodes = log
    bad = stays.copy()
    bad.loc[:2, "end"] = bad.loc[:2, "start"] - pd.Timedelta(hours=1)
    bad["entry"] = bad["entry"].astype(object).where(bad.index % 7 != 0, None)
    _, report = calibrate(bad, episodes, since="2024-01-15")
    d = report.data
    assert d["stays_ending_before_start"] == 0  # the broken rows start before the window
    _, report = calibrate(bad, episodes)
    d = report.data
    assert d["stays_ending_before_start"] == 3
    assert (
        d["stays"] == d["stays_used"] + d["stays_outside_window"] + d["stays_ending_before_start"]
    )
    assert ("data", "3 stays end before they start; left out") in report.notes
    assert d["entries"] < stays["entry"].sum()  # a missing entry flag is not an arrival
    _, report = calibrate(stays.assign(entry=False), episodes)
    assert report.arrivals == () and report.notes[0][0] == "arrivals"
