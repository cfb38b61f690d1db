"""Routing shares and equipment needs recovered from synthetic logs with known truth."""

import numpy as np
import pandas as pd
import pytest
from calib_synth import HOSPITAL, hospital_log, icu_with_devices
from scipy import stats

from hospitaltwin.calibrate.equipment import fit_equipment
from hospitaltwin.core.tstats import wilson
from hospitaltwin.calibrate.routing import fit_routing
from hospitaltwin.calibrate.window import resolve_window, window_episodes, window_stays

SINCE = pd.Timestamp("2024-01-01", tz="UTC")


@pytest.fixture(scope="module")
def hospital():
    stays, episodes = hospital_log(SINCE, 26, seed=21)
    since, until = resolve_window(stays, episodes, None, None, "UTC")
    return window_stays(stays, since, until), window_episodes(episodes, since, until), until


def test_routing_recovered_within_intervals(hospital):
    stays, _, _ = hospital
    inside, total = 0, 0
    for unit, truth in HOSPITAL["next"].items():
        rows = stays[stays["unit"] == unit]
        written, report = fit_routing(unit, rows["next"], HOSPITAL["los"])
        assert report.n_censored == int((~rows["observed"]).sum()) > 0
        assert sum(round(v * 10**4) for v in written.values()) == 10**4
        assert set(written) == set(truth)
        counts = np.array([next(b.count for b in report.branches if b.target == t) for t in truth])
        assert stats.chisquare(counts, report.n * np.array(list(truth.values()))).pvalue > 0.001
        for b in report.branches:
            total += 1
            inside += b.ci95[0] <= truth[b.target] <= b.ci95[1]
            assert (
                wilson(b.count, report.n, 0.999)[0]
                <= truth[b.target]
                <= wilson(b.count, report.n, 0.999)[1]
            )
    assert inside / total >= 0.8


def test_routing_thin_branches_and_unroutable_destinations_warn():
    values = pd.Series(
        ["discharge"] * 20 + ["ICU"] * 3 + ["elsewhere"] * 2 + [pd.NA] * 4, dtype="string"
    )
    written, report = fit_routing("ward", values, ["ward", "ICU"])
    assert written == {"discharge": 0.8696, "ICU": 0.1304}
    assert (report.n, report.n_censored, report.n_unroutable) == (23, 4, 2)
    text = " ".join(report.warnings)
    assert "fewer than 30" in text and "ICU (3)" in text and "outside the calibrated units" in text
    written, report = fit_routing("ward", pd.Series([pd.NA] * 3, dtype="string"), ["ward"])
    assert written == {"discharge": 1.0} and "no completed stays" in report.warnings[0]


@pytest.fixture(scope="module")
def icu():
    stays, episodes = icu_with_devices(4000, 52, seed=31)
    since, until = resolve_window(stays, episodes, None, None, "UTC")
    return window_stays(stays, since, until), window_episodes(episodes, since, until), until


def test_equipment_probability_duration_and_escalation_recovered(icu):
    stays, episodes, until = icu
    needs, reports = fit_equipment(stays, episodes, until)
    vent, ecls = needs["ICU"]["ventilator"], needs["ICU"]["ecls"]
    by = {r.kind: r for r in reports}
    assert by["ventilator"].n == len(stays) and by["ventilator"].given is None
    assert by["ventilator"].ci95[0] < 0.4 < by["ventilator"].ci95[1]
    assert vent.p == pytest.approx(by["ventilator"].p, abs=1e-4)
    fit = by["ventilator"].duration.best()
    assert fit.family == "weibull" and fit.mean_ci[0] < 72.0 < fit.mean_ci[1]
    assert by["ventilator"].duration.n_censored > 0
    assert ecls.given == "ventilator" and by["ecls"].n == by["ventilator"].k
    assert by["ecls"].ci95[0] < 0.1 < by["ecls"].ci95[1]
    after = by["ecls"].after.best()
    assert after.family == "exponential" and after.mean_ci[0] < 12.0 < after.mean_ci[1]
    assert ecls.after.dist == "exponential"
    lo, hi = by["ecls"].duration.best().mean_ci
    assert lo < 120.0 < hi


def test_episodes_match_only_their_own_stay(icu):
    stays, episodes, until = icu
    moved = episodes.copy()
    moved.loc[moved["equipment"] == "ventilator", "unit"] = "ward"  # started elsewhere
    needs, reports = fit_equipment(stays, moved, until)
    assert "ventilator" not in needs.get("ICU", {}) and needs["ICU"]["ecls"].given is None
    late = episodes.copy()
    late["start"] = late["start"] + pd.Timedelta(days=400)
    assert fit_equipment(stays, late, until) == ({}, ())


def test_escalation_without_its_base_device_is_reported(icu):
    stays, episodes, until = icu
    has_vent = set(episodes.loc[episodes["equipment"] == "ventilator", "patient_id"])
    plain = stays[~stays["patient_id"].isin(has_vent)].iloc[:2]
    extra = pd.DataFrame(
        {
            "patient_id": plain["patient_id"].to_numpy(),
            "unit": "ICU",
            "equipment": "ecls",
            "start": plain["start"].to_numpy(),
            "observed": True,
            "duration_h": 30.0,
        }
    )
    extra["end"] = extra["start"] + pd.Timedelta(hours=30)
    _, reports = fit_equipment(stays, pd.concat([episodes, extra], ignore_index=True), until)
    ecls = next(r for r in reports if r.kind == "ecls")
    assert ecls.n_without_given == 2 and any("without ventilator" in w for w in ecls.warnings)


def test_thin_equipment_warns(icu):
    stays, episodes, until = icu
    few = stays.iloc[:20]
    _, reports = fit_equipment(few, episodes, until)
    text = " ".join(w for r in reports for w in r.warnings)
    assert "fewer than 30" in text and "fewer than 5" in text
