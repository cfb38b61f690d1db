"""forecast_from_history is the one forecast: the backtest scores it; stale states; user times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

import hospitaltwin.backtest.run as backtest_run
from hospitaltwin.backtest import run_backtest
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.forecast.history import ForecastOptions, forecast_from_history
from hospitaltwin.store import Store
from hospitaltwin.store.times import parse_user_time

SCENARIO = {"name": "counts", "layout": {"timezone": "UTC", "units": {"W": {"beds": 400}, "X": {"beds": 5}}},
            "demand": {}, "run": {"horizon": "7d", "replications": 2, "seed": 1}}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    rng = np.random.default_rng(4)
    lines, census = ["date,hospital,unit,census,admissions,discharges"], 100
    start = datetime(2024, 1, 1)
    for day in range(120):
        admissions = rng.poisson(20)
        discharges = rng.binomial(census, 1 - np.exp(-1 / 5))
        lines.append(f"{(start + timedelta(days=day)):%Y-%m-%d},main,W,{census},{admissions},{discharges}")
        census += admissions - discharges
    work = tmp_path_factory.mktemp("counts")
    (work / "c.csv").write_text("\n".join(lines) + "\n")
    twin = Store.open(f"sqlite:///{work / 'c.db'}")
    twin.sync_counts(work / "c.csv")
    return twin


def test_the_backtest_scores_the_shipped_forecast_function(store, monkeypatch):
    scenario = scenario_from_dict(SCENARIO)
    options = ForecastOptions(counts=True, horizon_h=72, replications=20, seed=3)
    origin = datetime(2024, 4, 1, tzinfo=UTC)
    calls = []

    def spy(*args, **kwargs):
        fc = forecast_from_history(*args, **kwargs)
        calls.append(fc)
        return fc

    monkeypatch.setattr(backtest_run, "forecast_from_history", spy)
    run_backtest(scenario, store, [origin], horizon_h=72, replications=20, seed=3, options=options)
    assert len(calls) == 1
    shipped = forecast_from_history(scenario, store, origin, options.model_copy(update={"allow_stale": True}))
    np.testing.assert_array_equal(calls[0].accumulator.hist, shipped.accumulator.hist)
    stays = shipped.info["stays_from_counts"]["W"]
    # steady demand identifies census per admission (Little: 5 days), not the stay alone
    assert 4.0 < stays["mean_days"] * stays["entries_per_admission"] < 6.0, stays
    assert shipped.info["missing_units"] == ["X"] and "unit X" in shipped.info["warnings"][0]


def test_a_stale_state_warns_and_past_the_limit_is_refused(store):
    scenario = scenario_from_dict(SCENARIO)
    last_day_end = datetime(2024, 4, 30, tzinfo=UTC)  # the end of day 120, 2024-04-29
    options = ForecastOptions(counts=True, horizon_h=24, replications=4, seed=1)
    fc = forecast_from_history(scenario, store, None, options, now=last_day_end + timedelta(days=3))
    assert fc.info["stale"] and fc.info["state_age_h"] == pytest.approx(72.0)
    assert any(w.startswith("stale state") for w in fc.info["warnings"])
    with pytest.raises(HospitaltwinError, match="--allow-stale"):
        forecast_from_history(scenario, store, None, options, now=last_day_end + timedelta(days=8))
    allowed = options.model_copy(update={"allow_stale": True})
    assert forecast_from_history(scenario, store, None, allowed, now=last_day_end + timedelta(days=8)).info["stale"]
    fresh = forecast_from_history(scenario, store, None, options, now=last_day_end + timedelta(hours=2))
    assert not fresh.info["stale"] and fresh.info["warnings"][-1].startswith("unit X")


def test_user_times_at_daylight_saving_changes_are_refused_with_the_readings_named():
    with pytest.raises(HospitaltwinError, match="does not exist in Europe/Amsterdam"):
        parse_user_time("2024-03-31T02:30", "Europe/Amsterdam")
    with pytest.raises(HospitaltwinError, match=r"02:30\+02:00 or 2024-10-27T02:30\+01:00"):
        parse_user_time("2024-10-27T02:30", "Europe/Amsterdam")
    assert parse_user_time("2024-10-27T02:30+01:00", "Europe/Amsterdam") == datetime(2024, 10, 27, 1, 30, tzinfo=UTC)
    assert parse_user_time("2024-07-01T08:00", "Europe/Amsterdam") == datetime(2024, 7, 1, 6, 0, tzinfo=UTC)


def test_the_recalibrated_count_is_what_the_forecast_ships(store):
    """The noise and weekday factors reach the shipped histograms (not only their mean)."""
    scenario = scenario_from_dict(SCENARIO)
    options = ForecastOptions(counts=True, horizon_h=72, replications=20, seed=3, allow_stale=True)
    origin = datetime(2024, 4, 1, tzinfo=UTC)
    plain = forecast_from_history(scenario, store, origin, options.model_copy(update={"recalibrate": False}))
    shipped = forecast_from_history(scenario, store, origin, options)
    row = [i for i, r in enumerate(shipped.accumulator.resources) if (r.name, r.kind) == ("W", "beds")][0]
    hist, raw = shipped.accumulator.levels[row], plain.accumulator.levels[row]
    assert shipped.info["recalibration"]["W"]["added_sd_log"][-1] > 0
    np.testing.assert_allclose(hist.sum(axis=1), 20.0)  # every hour still weighs the replications
    assert not np.allclose(hist, np.rint(hist))  # the noise spreads each replication over levels
    levels = np.arange(hist.shape[1])
    spread = [np.sqrt(h @ (levels[: len(h)] - h @ levels[: len(h)] / 20) ** 2 / 20) for h in (hist[72], raw[72])]
    assert spread[0] > spread[1]
    assert shipped.accumulator.level_sum[row, 72] == pytest.approx(hist[72] @ levels)
