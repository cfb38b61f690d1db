"""What the charts and page 1 are built from: part days, whole periods, the graph's spacing,
what changed since the last report, legends that name only what is drawn."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

import synthetic
from hospitaltwin.report import forecast_pages, graph, surge_pages
from hospitaltwin.report.clock import day_index
from hospitaltwin.report.forecast_days import dropped_days, forecast_days
from hospitaltwin.report.load import load_result
from hospitaltwin.report.previous import changes, significant
from hospitaltwin.report.run_periods import full_by_weekday, period_mean, periods, stationary
from hospitaltwin.report.style import report_style


def test_a_forecast_day_covered_in_part_is_named_so_and_one_covered_for_minutes_is_left_out(results, tmp_path):
    days = forecast_days(load_result(results["forecast"]))
    assert days[0].label == "Sat 26 Oct from 06:00" and days[0].hours == pytest.approx(18)
    assert all(d.whole for d in days[1:-1]) and days[-1].label == "Sat 9 Nov until 06:00"
    assert [d.whole for d in days if d.date == "2024-10-27"] == [True], "the day the clocks go back is whole"
    late = synthetic.write_forecast(tmp_path / "late", synthetic.teaching_scenario(), hours=48, replications=20,
                                    as_of="2024-10-26T23:58:00+01:00")
    result = load_result(late)
    assert dropped_days(result) == ["2024-10-26"], "two minutes of Saturday are not Saturday's risk"
    assert forecast_days(result)[0].label == "Sun 27 Oct"


def test_long_runs_are_drawn_by_whole_days_or_weeks_and_the_means_are_right(run):
    result, data = run
    hours = data.census.hours
    days = periods(data, hours, "day")
    assert (days.lengths >= 23).all() and len(days) + days.left_out == len(np.unique(day_index(data.origin, hours)))
    weeks = periods(data, hours, "week")
    assert (weeks.lengths >= 167).all() and len(weeks) == 6, "46 days after the warm-up hold six whole weeks"
    means = period_mean(data.census.values["occupied"], days)
    census = result.tables["census"]
    after = census[census["time_h"] >= data.warmup_h].copy()
    after["day"] = day_index(data.origin, after["time_h"].to_numpy())
    brute = after[after["unit"] == "ICU"].groupby(["day", "replication"])["occupied"].mean().unstack()
    i, first = data.census.names.index("ICU"), day_index(data.origin, days.first_hours)
    assert np.allclose(means[i], brute.loc[first].to_numpy())


def test_a_run_that_changes_nothing_shows_its_chance_of_being_full_by_weekday(run):
    result, data = run
    assert stationary(result)
    probs, labels = full_by_weekday(data)
    assert labels[0] == "Mon" and probs.shape == (len(data.census.names), 7)
    census = result.tables["census"]
    after = census[census["time_h"] >= data.warmup_h].copy()
    after["day"] = day_index(data.origin, after["time_h"].to_numpy())
    after = after[after.groupby("day")["time_h"].transform("size") >= 23 * data.census.replications * len(data.census.names)]
    after["full"] = after["occupied"] >= after["staffed"]
    daily = after.groupby(["unit", "day", "replication"], observed=True)["full"].any().reset_index()
    daily["weekday"] = (data.origin.weekday() + daily["day"]) % 7
    brute = daily.groupby(["unit", "weekday"], observed=True)["full"].mean()
    i = data.census.names.index("WARD_A")
    assert np.allclose(probs[i], brute.loc["WARD_A"].reindex(range(7)).to_numpy())


@pytest.mark.parametrize("beds", [150, 600])
def test_layout_graph_nodes_never_overlap(beds):
    layout = synthetic.academic_layout(beds)
    units = graph.unit_graph(layout["layout"], layout["demand"])
    for width, height in ((10.0, 4.6), (6.0, 3.0)):
        pos = graph.flow_positions(units, ["ED"], width, height)
        sizes = graph.node_sizes(units, pos)
        nodes = list(units)
        diameter = np.sqrt(sizes) / 72  # inches
        for a in range(len(nodes)):
            assert 0 <= pos[nodes[a]][0] <= width and 0 <= pos[nodes[a]][1] <= height
            for b in range(a + 1, len(nodes)):
                gap = np.linalg.norm(pos[nodes[a]] - pos[nodes[b]])
                assert gap >= (diameter[a] + diameter[b]) / 2, (nodes[a], nodes[b])


def test_what_changed_since_the_last_forecast_is_beyond_sampling_noise_only(results, tmp_path):
    now = load_result(results["forecast"])
    assert changes([now], [now], given=True)[0].text.endswith("no unit's risk has changed beyond sampling noise.")
    earlier = shutil.copytree(results["forecast"], tmp_path / "earlier")
    summary = json.loads((earlier / "summary.json").read_text())
    for risk in summary["risks"]:
        if risk["resource"] == "HDU" and risk["kind"] == "staffed_beds" and risk["within_h"] == 168:
            old = risk["probability"]
            risk["probability"] = round(old - 0.4, 4)
        if risk["resource"] == "ED" and risk["kind"] == "staffed_beds" and risk["within_h"] == 168:
            risk["probability"] = round(risk["probability"] - 0.01, 4)
    summary["as_of"] = "2024-10-25T06:00:00+01:00"
    (earlier / "summary.json").write_text(json.dumps(summary))
    text = changes([now], [load_result(earlier)], given=True)[0].text
    assert text.startswith("Since the forecast as of Fri 25 Oct 2024, 06:00 BST: the risk of filling up HDU rose from")
    assert "ED" not in text, "a change of one point in 100 replications is noise"
    assert significant(0.5, 500, 0.6, 500) and not significant(0.5, 100, 0.55, 100)
    assert changes([now], [], given=False)[0].note


def test_legends_name_only_what_is_drawn(results, tmp_path):
    with report_style():
        chart = surge_pages.beds_page(load_result(results["surge"])).figure
        labels = [t.get_text() for ax in chart.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
        assert labels == ["WING_4W → WARD_A"], "a closed option has no bars and no legend entry"
        forecast = shutil.copytree(results["forecast"], tmp_path / "fc")
        table = pd.read_csv(forecast / "forecast.csv")
        table.loc[table["kind"] == "equipment", "p_full"] = 0.0
        table.to_csv(forecast / "forecast.csv", index=False)
        result = load_result(forecast)
        data = forecast_pages.series(result)
        figure = forecast_pages.equipment_pages(result, data, "x")[0].figure
        shown = [t.get_text() for legend in figure.legends for t in legend.get_texts()]
        shown += [t.get_text() for ax in figure.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
        assert "devices available" in shown and "P(all in use)" not in shown
