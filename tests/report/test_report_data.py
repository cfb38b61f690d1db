"""What the charts draw, checked against plain pandas on the same files, and text layout."""

from __future__ import annotations

from datetime import datetime

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

from hospitaltwin.report.backtest_pages import pooled
from hospitaltwin.report.clock import day_index
from hospitaltwin.report.forecast_pages import series
from hospitaltwin.report.load import load_result
from hospitaltwin.report.run_data import diversions_by_day, p_full_by_day
from hospitaltwin.report.text import Table, text_pages


def test_fan_quantiles_are_across_replications_per_hour(run):
    result, data = run
    census = result.tables["census"]
    after = census[census["time_h"] >= data.warmup_h]
    expected = after.groupby(["unit", "time_h"], observed=True)["occupied"].quantile(0.75)
    i = data.census.names.index("ICU")
    ours = np.quantile(data.census.values["occupied"][i], 0.75, axis=1)
    theirs = expected.loc["ICU"].to_numpy()
    assert np.allclose(ours, theirs)
    assert data.census.hours[0] == data.warmup_h and data.census.replications == 3


def test_p_full_by_day_is_the_share_of_replications_full_at_some_hour(run):
    result, data = run
    census = result.tables["census"]
    after = census[census["time_h"] >= data.warmup_h].copy()
    after["day"] = day_index(data.origin, after["time_h"].to_numpy())
    after["full"] = after["occupied"] >= after["staffed"]
    brute = after.groupby(["unit", "day", "replication"], observed=True)["full"].any().groupby(
        ["unit", "day"], observed=True).mean()
    probs, days = p_full_by_day(data)
    i = data.census.names.index("WARD_A")
    assert np.allclose(probs[i], brute.loc["WARD_A"].reindex(days).to_numpy())
    assert 0 < probs.mean() < 1


def test_diversions_per_day_match_the_stays(run):
    result, data = run
    names, per_day, days = diversions_by_day(data)
    stays = result.tables["stays"]
    diverted = stays[(stays["outcome"] == "diverted") & (stays["arrive"] >= data.warmup_h)]
    assert per_day.sum() * data.census.replications == pytest.approx(len(diverted))
    assert per_day.shape == (len(names), len(days))


def test_forecast_times_are_drawn_in_the_hospitals_local_time(results):
    result = load_result(results["forecast"])
    first = series(result)[("ED", "staffed_beds")]
    assert first.x[0] == pytest.approx(mdates.date2num(datetime(2024, 10, 26, 6, 0)))
    assert len(first.x) == 336
    hours = np.diff(first.x) * 24
    assert np.allclose(hours, 1.0), "wall-clock hours, the change from BST to GMT on 27 Oct included"


def test_backtest_scores_are_pooled_weighted_by_n():
    scores = pd.DataFrame({"resource": ["A", "B"], "kind": ["beds"] * 2, "lead_h": [24, 24], "method": ["model"] * 2,
                           "n": [30.0, 10.0], "mae": [1.0, 3.0], "coverage50": [0.5, np.nan],
                           "coverage80": [0.8, 0.6], "coverage95": [1.0, 0.9], "crps": [2.0, 6.0],
                           "brier": [0.1, 0.3]})
    out = pooled(scores, ["method"]).iloc[0]
    assert out["crps"] == pytest.approx(3.0) and out["coverage80"] == pytest.approx(0.75)
    assert out["coverage50"] == pytest.approx(0.5), "a missing score is left out, not counted as zero"


def test_long_tables_continue_on_new_pages_with_their_header():
    rows = tuple((f"unit-{i:03d}", str(i)) for i in range(120))
    figures = text_pages("Long", "test", [Table(("unit", "beds"), rows, "lr")])
    assert len(figures) >= 4
    for fig in figures:
        texts = [t.get_text() for t in fig.texts]
        assert any(t.startswith("unit ") and "beds" in t for t in texts), "header repeated"
    shown = [t.get_text().split()[0] for f in figures for t in f.texts if t.get_text().startswith("unit-")]
    assert shown == [r[0] for r in rows], "every row once, in order"


def test_provenance_gives_checksums_of_files_and_other_inputs_as_they_are():
    from pathlib import Path

    from hospitaltwin.report.load import Result
    from hospitaltwin.report.provenance import input_rows

    digest = "ab" * 32
    scenario = {"layout": {"timezone": "America/Chicago"}}
    manifest = {"kind": "surge", "scenario": scenario, "inputs": {"scenario.yaml": digest, "store": "sqlite:///twin.db",
                                                                   "as_of": "2024-03-06T12:00:00+00:00"}}
    rows = input_rows(Result(Path("x"), "surge", manifest))
    assert ("surge", "scenario.yaml", f"sha256 {digest}") in rows
    items = {name: value for _, name, value in rows}
    assert items["store"] == "sqlite:///twin.db" and items["as of"] == "Wed 6 Mar 2024, 06:00 CST", "local time"
