"""Flow events and the animation's scene against the run's own tables: every admitted stay
is a bed event, and at every hour the patients drawn in beds per unit equal the census, and
those drawn waiting equal the census's waiting less those who wait in a bed elsewhere (they
are drawn boarding, in their bed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hospitaltwin.experiment.flow import flow_events
from hospitaltwin.report.animate import run_scene
from tests.service.conftest import ROOT, cli


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("flow") / "run"
    done = cli("run", str(ROOT / "scenarios" / "community-baseline.yaml"), "-r", "2",
               "--horizon", "40d", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_flow_events_account_for_every_stay(run_dir):
    stays = pd.read_parquet(run_dir / "stays.parquet", filters=[("replication", "==", 0)])
    events = flow_events(stays)
    counts = events["event"].value_counts()
    assert counts["bed"] == stays["start"].notna().sum()
    moved = stays["outcome"].astype(str).isin(set(stays["unit"].astype(str)))
    ended = stays["end"].notna() & stays["start"].notna()
    assert counts["move"] == (moved & ended).sum()
    assert counts.get("queue", 0) == ((stays["start"] > stays["arrive"] + 1e-9) |
                                      (stays["start"].isna() & (stays["outcome"] != "diverted"))).sum()
    assert np.all(np.diff(events["time_h"].to_numpy()) >= 0), "sorted by time"
    for move in events[events["event"] == "move"].head(50).itertuples():
        nxt = events[(events["patient"] == move.patient) & (events["event"] == "bed") &
                     (events["time_h"] == move.time_h)]
        assert list(nxt["unit"]) == [move.other], "a move lands in the next unit's bed at once"


def test_the_scene_draws_exactly_the_census_at_every_hour(run_dir):
    scene = run_scene(run_dir, 0, 30 * 24.0, 48.0)
    census = pd.read_parquet(run_dir / "census.parquet", filters=[("replication", "==", 0)])
    stays = pd.read_parquet(run_dir / "stays.parquet", filters=[("replication", "==", 0)])
    stopped = stays["start"].fillna(stays["end"]).fillna(np.inf)
    in_a_bed = stays["source"].astype(str).str.startswith("from:")
    seg = pd.DataFrame(scene["segments"])
    ids = [u["id"] for u in scene["units"]]
    for hour in range(30 * 24, 32 * 24, 7):
        here = seg[(seg["t0"] <= hour) & (seg["t1"] > hour)]
        drawn = here[here["k"] > 0].groupby("u").size()
        now = census[census["time_h"] == hour]
        now = now.set_index(now["unit"].astype(str))
        for index, unit in enumerate(ids):
            assert drawn.get(index, 0) == now.loc[unit, "occupied"], (hour, unit)
            waiting = (here["k"] == 0) & (here["u"] == index)
            asking = (stays["intended_unit"].astype(str) == unit) & (stays["arrive"] <= hour) & \
                (stopped > hour) & (stays["outcome"].astype(str) != "diverted")
            assert asking.sum() == now.loc[unit, "waiting"], "the census counts every request"
            assert waiting.sum() == (asking & ~in_a_bed).sum(), (hour, unit)
    slots = seg[seg["k"] > 0]
    for unit_index, part in slots.groupby("u"):
        assert part["s"].max() < scene["units"][unit_index]["size"]
