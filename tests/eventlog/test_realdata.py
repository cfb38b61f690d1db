"""Real data: MIMIC-IV demo and the BPI Sepsis log ingest cleanly, and unit stays match an
independent computation straight from the raw tables."""

from collections import Counter

import pandas as pd
import pytest

from hospitaltwin.eventlog import equipment_episodes, unit_stays
from hospitaltwin.eventlog.ingest import ingest
from tests.eventlog.conftest import data_dir, need

pytestmark = pytest.mark.realdata


def _adds_up(summary):
    t = summary["totals"]
    assert t["read"] == t["accepted"] + t["quarantined"] + t["duplicates"]
    for counts in summary["files"].values():
        assert counts["read"] == counts["accepted"] + counts["quarantined"] + counts["duplicates"]


def _raw_stays(root):
    """Stays per encounter from transfers.csv.gz alone: consecutive rows in the same care unit
    form one stay from the first intime to the last outtime; next is the following unit, or
    death/discharge (admissions.hospital_expire_flag) after the last one."""
    t = pd.read_csv(root / "hosp" / "transfers.csv.gz", parse_dates=["intime", "outtime"])
    adm = pd.read_csv(root / "hosp" / "admissions.csv.gz")
    died = set(adm.loc[adm["hospital_expire_flag"] == 1, "hadm_id"])
    t["enc"] = t["hadm_id"].fillna(-t["transfer_id"])
    t = t[t["careunit"].notna()].sort_values(["enc", "intime"])
    stays = []
    for enc, rows in t.groupby("enc"):
        blocks = []
        for row in rows.itertuples():
            if blocks and blocks[-1][0] == row.careunit:
                blocks[-1][2] = row.outtime
            else:
                blocks.append([row.careunit, row.intime, row.outtime])
        exit_ = "death" if enc in died else "discharge"
        for i, (unit, start, end) in enumerate(blocks):
            nxt = blocks[i + 1][0] if i + 1 < len(blocks) else exit_
            stays.append((unit, int((end - start).total_seconds()), nxt))
    return Counter(stays)


def test_mimic_demo(key):
    root = need(data_dir() / "mimic-iv-demo-2.2")
    result = ingest([root], key)
    _adds_up(result.summary)
    assert result.summary["totals"]["quarantined"] == 0
    stays = unit_stays(result.events)
    assert stays["end"].notna().all()
    got = Counter(zip(stays["unit"], ((stays["end"] - stays["start"]).dt.total_seconds()
                                      .astype(int)), stays["next"]))
    want = _raw_stays(root)
    assert got == want
    assert Counter(zip(stays["unit"], stays["next"])) == Counter((u, n) for u, _, n in want.elements())


def test_mimic_ventilation(key):
    root = need(data_dir() / "mimic-iv-demo-2.2")
    result = ingest([root], key)
    episodes = equipment_episodes(result.events)
    raw = pd.read_csv(root / "icu" / "procedureevents.csv.gz", parse_dates=["starttime", "endtime"])
    raw = raw[raw["itemid"] == 225792]
    assert len(episodes) == len(raw)
    hours = sorted(((episodes["end"] - episodes["start"]).dt.total_seconds() // 60).astype(int))
    assert hours == sorted(((raw["endtime"] - raw["starttime"]).dt.total_seconds() // 60).astype(int))
    assert episodes["unit"].notna().mean() > 0.9


def test_sepsis_log(key):
    path = need(data_dir() / "sepsis-cases" / "sepsis-cases.xes.gz")
    result = ingest([path], key)
    _adds_up(result.summary)
    summary = result.summary
    assert summary["totals"]["read"] + summary["totals"]["skipped"] == 15214
    assert summary["patients"] == 1050
    stays = unit_stays(result.events)
    assert set(stays["unit"]) == {"ED", "NC", "IC"}
    # every release closes a stay; nobody is released twice without coming back
    releases = (result.events["event"] == "discharge").sum()
    assert (stays["next"] == "discharge").sum() == releases
