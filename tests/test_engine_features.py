"""Engine behaviours one at a time: boarding, overflow, priority, staffing, equipment, networks,
bed changes, demand changes and scheduled admissions. Each test builds the smallest hospital
that shows the behaviour and checks it in the records, not only in a KPI."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import kpi_dict, one_unit
from hospitaltwin.config import scenario_from_dict
from hospitaltwin.engine import compile_scenario, simulate

FIXED = {"dist": "fixed", "mean": "1d"}


def _run(data: dict, seed: int = 1, rep: int = 0):
    return simulate(compile_scenario(scenario_from_dict(data)), seed, rep)


def _code(frame, column, label):
    return frame[column] == frame.code(column, label)


def _two_units(upstream: dict, downstream: dict, route: dict, rate: float = 6.0, horizon: str = "60d") -> dict:
    return {"name": "two", "layout": {"units": {"ED": upstream, "ICU": downstream}},
            "demand": {"arrivals": [{"unit": "ED", "rate": rate}],
                       "units": {"ED": {"los": {"dist": "exponential", "mean": "4h"}, "next": route},
                                 "ICU": {"los": {"dist": "lognormal", "mean": "3d", "cv": 1.0}}}},
            "run": {"horizon": horizon, "replications": 1, "seed": 1}}


def test_boarders_hold_their_bed_until_the_next_unit_admits_them():
    result = _run(_two_units({"beds": 50}, {"beds": 3, "on_full": "queue"}, {"ICU": 1.0}))
    stays = result.stays
    ed = _code(stays, "unit", "ED") & ~np.isnan(stays["end"])
    icu = _code(stays, "intended_unit", "ICU") & ~np.isnan(stays["start"])
    ed_end = dict(zip(stays["patient"][ed], stays["end"][ed]))
    icu_start = dict(zip(stays["patient"][icu], stays["start"][icu]))
    assert all(ed_end[p] == pytest.approx(t) for p, t in icu_start.items())
    assert stays["boarding"][ed].max() > 24, "ICU is overloaded, ED patients must board"
    assert kpi_dict(result)[("ED", "boarding_h_per_day")] > 0


def test_a_diverted_transfer_frees_the_upstream_bed():
    stays = _run(_two_units({"beds": 50}, {"beds": 2, "on_full": "divert"}, {"ICU": 1.0})).stays
    diverted = _code(stays, "outcome", "diverted")
    assert diverted.sum() > 0
    transferred_out = _code(stays, "outcome", "transfer_out")
    assert transferred_out.sum() == diverted.sum()
    assert np.all(stays["boarding"][transferred_out] == 0)


def test_overflow_places_patients_in_the_listed_unit_with_their_own_stay_law():
    data = _two_units({"beds": 50}, {"beds": 2, "on_full": "overflow", "overflow": ["HDU"]}, {"ICU": 1.0})
    data["layout"]["units"]["HDU"] = {"beds": 3, "on_full": "divert"}
    data["demand"]["units"]["HDU"] = {"los": {"dist": "fixed", "mean": "90min"}}
    stays = _run(data).stays
    outliers = _code(stays, "intended_unit", "ICU") & _code(stays, "unit", "HDU")
    assert outliers.sum() > 0
    assert (stays["ready"] - stays["start"])[outliers].mean() > 24, "ICU's stay law, not HDU's 90 minutes"
    queued = _code(stays, "intended_unit", "ICU") & (stays["wait"] > 0)
    assert queued.sum() > 0, "with the overflow unit full too, patients queue for ICU"


def test_priority_serves_the_higher_priority_stream_first():
    data = one_unit(4, 1.0, {"dist": "exponential", "mean": "1d"}, on_full="queue", horizon="400d",
                    priority={"theatre": 0, "ED": 1})
    data["demand"]["arrivals"] = [{"unit": "A", "rate": 2.0, "source": "ED"},
                                  {"unit": "A", "rate": 1.6, "source": "theatre"}]
    stays = _run(data).stays
    wait_ed = stays["wait"][_code(stays, "source", "A:ED")]
    wait_theatre = stays["wait"][_code(stays, "source", "A:theatre")]
    assert np.nanmean(wait_theatre) < 0.5 * np.nanmean(wait_ed)


def _staffed_unit(day: int, night: int, beds: int = 20) -> dict:
    data = one_unit(beds, 8.0, {"dist": "exponential", "mean": "2d"}, on_full="queue", horizon="30d", warmup="0d")
    data["layout"]["staff"] = {"nurses": {"units": ["A"], "patients_per_staff": 2, "shifts": {
        "day": {"start": "7h", "length": "12h", "weekday": day},
        "night": {"start": "19h", "length": "12h", "weekday": night}}}}
    return data


def test_staffed_beds_follow_the_roster_and_a_drop_never_evicts():
    result = _run(_staffed_unit(day=8, night=5))
    census = result.census
    hour = census["time_h"] % 24
    assert np.all(census["staffed"][(hour >= 7) & (hour < 19)] == 16)
    assert np.all(census["staffed"][(hour >= 19) | (hour < 7)] == 10)
    assert np.any(census["occupied"] > census["staffed"]), "night census exceeds the night ratio"
    stays = result.stays
    starts = stays["start"][~np.isnan(stays["start"])]
    occupied_at_start = [np.sum((stays["start"] < t) & (np.nan_to_num(stays["end"], nan=np.inf) > t)) for t in starts]
    staffed_at_start = np.where(((starts % 24) >= 7) & ((starts % 24) < 19), 16, 10)
    assert np.all(np.array(occupied_at_start) < staffed_at_start), "admitted only into a staffed bed"
    assert kpi_dict(result)[("A", "over_ratio_h")] > 0


def test_bed_closure_stops_admissions_without_evicting():
    data = one_unit(10, 6.0, {"dist": "fixed", "mean": "3d"}, on_full="queue", horizon="40d", warmup="0d")
    data["changes"] = {"beds": [{"unit": "A", "beds": 0, "from": "10d", "until": "20d"}]}
    result = _run(data)
    starts = result.stays["start"]
    assert not np.any((starts > 240) & (starts < 480))
    census = result.census
    assert census["occupied"][census["time_h"] == 241][0] > 0, "patients admitted before stay on"
    assert np.all(census["physical"][(census["time_h"] >= 240) & (census["time_h"] < 480)] == 0)


def test_demand_multiplier_and_surge_scale_arrivals():
    base = one_unit(500, 20.0, FIXED, horizon="60d", warmup="0d")
    base["changes"] = {"demand": [{"multiplier": 2.0, "from": "20d", "until": "40d"}]}
    arrive = _run(base).stays["arrive"]
    before, during = np.sum(arrive < 480), np.sum((arrive >= 480) & (arrive < 960))
    assert during / before == pytest.approx(2.0, abs=4 * np.sqrt(2.0 * (1 / before + 1 / during)) * 2)
    surge = one_unit(500, 20.0, FIXED, horizon="60d", warmup="0d")
    surge["changes"] = {"demand": [{"surge": {"peak": 3.0, "at": "30d", "sd": "2d"}}]}
    arrive = _run(surge).stays["arrive"]
    peak_day = np.sum((arrive >= 29 * 24) & (arrive < 31 * 24)) / 2
    assert peak_day > 2.2 * 20


def test_scheduled_admissions_arrive_by_weekday():
    data = one_unit(500, 1.0, FIXED, horizon="28d", warmup="0d")
    data["demand"]["arrivals"] = [{"unit": "A", "schedule": {"mon": 5, "wed": 3}, "at": "7h30min", "source": "elective"}]
    arrive = _run(data).stays["arrive"]
    days = (arrive // 24).astype(int) % 7  # the run starts on a Monday
    assert np.sum(days == 0) == 4 * 5 and np.sum(days == 2) == 4 * 3 and len(arrive) == 32
    assert np.all(arrive % 24 == pytest.approx(7.5))


def test_ventilator_demand_beyond_the_pool_is_counted_unmet():
    data = one_unit(100, 6.0, {"dist": "fixed", "mean": "5d"}, horizon="120d")
    data["layout"]["equipment"] = {"ventilator": {"count": 4}}
    data["demand"]["units"]["A"]["equipment"] = {"ventilator": {"p": 0.5, "duration": {"dist": "exponential", "mean": "3d"}}}
    result = _run(data)
    equipment = result.equipment
    assert np.all(equipment["in_use"] <= equipment["capacity"])
    assert np.any(equipment["demand"] > equipment["capacity"])
    kpis = kpi_dict(result)
    assert 0 < kpis[("ventilator", "unmet_fraction")] < 1
    devices = result.devices
    assert np.all(devices["end"] - devices["start"] <= 5 * 24 + 1e-9), "episodes end with the stay"


def test_ecls_escalates_from_ventilation_and_its_team_limits_runs():
    data = one_unit(100, 4.0, {"dist": "fixed", "mean": "10d"}, horizon="120d")
    data["layout"]["equipment"] = {"ventilator": {"count": 100}, "ecls": {"count": 5, "team": "ecls_team"}}
    data["layout"]["staff"] = {"ecls_team": {"patients_per_staff": 1, "shifts": {
        "day": {"start": "8h", "length": "12h", "weekday": 2}, "night": {"start": "20h", "length": "12h", "weekday": 1}}}}
    data["demand"]["units"]["A"]["equipment"] = {
        "ventilator": {"p": 0.6, "duration": {"dist": "fixed", "mean": "6d"}},
        "ecls": {"p": 0.3, "given": "ventilator", "after": {"dist": "fixed", "mean": "1d"},
                 "duration": {"dist": "fixed", "mean": "3d"}}}
    result = _run(data)
    devices, equipment = result.devices, result.equipment
    ecls = _code(devices, "pool", "ecls")
    vent = _code(devices, "pool", "ventilator")
    vent_start = dict(zip(devices["patient"][vent], devices["start"][vent]))
    assert all(devices["start"][ecls][i] == pytest.approx(vent_start[p] + 24)
               for i, p in enumerate(devices["patient"][ecls]))
    ecls_hours = _code(equipment, "pool", "ecls")
    assert set(np.unique(equipment["capacity"][ecls_hours])) == {1, 2}
    met = ecls & devices["met"]
    starts, ends = devices["start"][met], devices["end"][met]
    for t in starts:
        running = np.sum((starts < t) & (ends > t))
        team = 2 if 8 <= t % 24 < 20 else 1
        assert running < team, "a run starts only when the team on shift can take it"
    assert kpi_dict(result)[("ecls", "unmet_fraction")] > 0


def test_a_diverted_patient_goes_to_a_linked_hospital_after_the_transfer_delay():
    data = {"name": "net", "layout": {
        "hospitals": {"north": {}, "south": {}},
        "units": {"N_ICU": {"beds": 2, "on_full": "divert", "hospital": "north", "kind": "icu"},
                  "S_ICU": {"beds": 30, "on_full": "divert", "hospital": "south", "kind": "icu"}},
        "links": [{"from": "north", "to": "south", "delay": "2h"}]},
        "demand": {"arrivals": [{"unit": "N_ICU", "rate": 4}],
                   "units": {"N_ICU": {"los": {"dist": "fixed", "mean": "2d"}},
                             "S_ICU": {"los": {"dist": "fixed", "mean": "2d"}}}},
        "run": {"horizon": "60d", "replications": 1, "seed": 2}}
    result = _run(data)
    stays = result.stays
    diverted = _code(stays, "outcome", "diverted") & _code(stays, "intended_unit", "N_ICU")
    linked = _code(stays, "source", "(link)")
    assert linked.sum() == diverted.sum() > 0
    divert_time = dict(zip(stays["patient"][diverted], stays["arrive"][diverted]))
    assert all(t == pytest.approx(divert_time[p] + 2) for p, t in zip(stays["patient"][linked], stays["arrive"][linked]))
    assert kpi_dict(result)[("south", "network_arrivals_per_day")] > 0


def test_an_episode_that_extends_the_stay_keeps_the_patient_until_it_ends():
    data = one_unit(100, 3.0, {"dist": "fixed", "mean": "2d"}, horizon="120d")
    data["layout"]["equipment"] = {"ecls": {"count": 100}}
    data["demand"]["units"]["A"]["equipment"] = {
        "ecls": {"p": 1.0, "duration": {"dist": "fixed", "mean": "5d"}, "extends_stay": True}}
    result = _run(data)
    stays, devices = result.stays, result.devices
    done = ~np.isnan(stays["end"])
    np.testing.assert_allclose((stays["end"] - stays["start"])[done], 120.0)
    np.testing.assert_allclose((devices["end"] - devices["start"]), 120.0)


def test_a_day_by_day_roster_sets_the_head_count_of_one_shift():
    data = _staffed_unit(day=8, night=5)
    data["changes"] = {"staff": [{"group": "nurses", "shift": "night", "count": 2, "from": "2d", "until": "3d"}]}
    census = _run(data).census
    t = census["time_h"]
    assert np.all(census["staffed"][(t >= 48 + 19) & (t < 72 + 7)] == 4), "the night starting on day 2 has 2 nurses"
    assert np.all(census["staffed"][(t >= 24 + 19) & (t < 48 + 7)] == 10)


def test_a_link_carries_at_most_its_daily_limit():
    data = {"name": "net", "layout": {
        "hospitals": {"north": {}, "south": {}},
        "units": {"N_ICU": {"beds": 1, "on_full": "divert", "hospital": "north", "kind": "icu"},
                  "S_ICU": {"beds": 50, "on_full": "divert", "hospital": "south", "kind": "icu"}},
        "links": [{"from": "north", "to": "south", "delay": "1h", "max_per_day": 2}]},
        "demand": {"arrivals": [{"unit": "N_ICU", "rate": 8}],
                   "units": {"N_ICU": {"los": {"dist": "fixed", "mean": "3d"}},
                             "S_ICU": {"los": {"dist": "fixed", "mean": "1d"}}}},
        "run": {"horizon": "30d", "replications": 1, "seed": 2}}
    stays = _run(data).stays
    linked = _code(stays, "source", "(link)")
    per_day = np.bincount(((stays["arrive"][linked] - 1) // 24).astype(int))
    assert per_day.max() == 2 and linked.sum() > 30


def test_staffed_beds_at_the_horizon_come_from_the_shift_starting_then():
    data = _staffed_unit(day=8, night=5)
    data["run"]["horizon"] = "1d7h"  # ends as a day shift starts
    census = _run(data).census
    assert census["staffed"][-1] == 16


def test_patients_waiting_from_outside_leave_after_max_wait_but_boarders_do_not():
    data = _two_units({"beds": 3, "on_full": "queue", "max_wait": "2h"}, {"beds": 2, "on_full": "queue"}, {"ICU": 1.0}, rate=20)
    result = _run(data)
    stays = result.stays
    left = _code(stays, "outcome", "left")
    assert left.sum() > 0 and np.all(_code(stays, "intended_unit", "ED")[left])
    np.testing.assert_allclose((stays["end"] - stays["arrive"])[left], 2.0)
    assert np.all(np.isnan(stays["start"][left]))
    assert np.nanmax(stays["wait"][_code(stays, "intended_unit", "ED")]) <= 2.0 + 1e-9
    assert np.nanmax(stays["wait"][_code(stays, "intended_unit", "ICU")]) > 2.0, "boarders keep waiting"
    kpis = kpi_dict(result)
    assert 0 < kpis[("ED", "left_fraction")] < 1
    census = result.census
    ed = census["unit"] == 0
    assert census["waiting"][ed].max() <= 20, "the waiting room empties as patients leave"


def test_shift_changes_leave_no_instant_without_staff():
    data = _staffed_unit(day=8, night=5)
    data["run"]["origin"] = "2025-07-06T23:58:17.3"  # an origin that is no whole hour
    model = compile_scenario(scenario_from_dict(data))
    from hospitaltwin.engine.realise import realise

    cap = realise(model, 1, 0).units[0]
    within = cap.times <= model.horizon  # after the last shift ends, past the horizon, no one is on
    assert cap.staffed[within].min() > 0, (cap.times[:6], cap.staffed[:6])
    assert np.all(np.diff(cap.times) > 1e-6)
