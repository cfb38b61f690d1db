"""Scheduled forecasts from live events, alerts fired to a loopback webhook, alert files."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hospitaltwin.config.load import read_scenario
from hospitaltwin.core.errors import ConfigError
from hospitaltwin.service.alerts import read_alerts
from tests.service.adt import message
from tests.service.conftest import SCENARIO, Server, add_user, wait_for
from tests.service.mllp_client import send

ALERTS = """\
webhook:
  url: {url}
  retries: 3
  timeout: 5s
rules:
  - name: icu-full-24h
    resource: ICU
    kind: staffed_beds
    within: 24h
    at_least: 0.3
  - name: ventilators-72h
    resource: ventilator
    kind: equipment
    within: 72h
    at_least: 0.99
"""


class Receiver:
    """A webhook receiver on loopback that fails its first POST (to exercise the retries)."""

    def __init__(self):
        self.posts: list[dict] = []
        self.attempts = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                outer.attempts += 1
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = 503 if outer.attempts == 1 else 200
                if status == 200:
                    outer.posts.append(body)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def fill_icu(beds: int = 12) -> list[str]:
    """Admissions that fill the ICU's beds (recent times, one patient each)."""
    start = datetime.now() - timedelta(hours=6)
    return [message("A01", f"FILL{i}", start + timedelta(minutes=i), f"MRNFILL{i:03d}", "ICU")
            for i in range(beds)]


def test_new_events_bring_a_forecast_and_a_crossing_fires_the_webhook(store_url, tmp_path):
    receiver = Receiver()
    rules = tmp_path / "alerts.yaml"
    rules.write_text(ALERTS.format(url=receiver.url))
    token = add_user(store_url, "watcher", "viewer")
    server = Server(store_url, tmp_path, "--forecast-every", "2min", "--horizon", "3d",
                    "--alerts", str(rules))
    try:
        with server.client(token) as client:
            assert client.get("/api/v1/forecasts/latest").status_code == 404
            sent_at = time.monotonic()
            acks = asyncio.run(send("127.0.0.1", server.mllp_port, fill_icu()))
            assert set(acks.codes.values()) == {"AA"}
            latest = wait_for(lambda: _latest(client), 120, what="a forecast after new events")
            assert time.monotonic() - sent_at <= 120  # within --forecast-every
            wait_for(lambda: receiver.posts, 30, what="the webhook's POST")
            alerts = client.get("/api/v1/alerts").json()
            csv_text = client.get(f"/api/v1/forecasts/{latest['id']}/forecast.csv")
    finally:
        server.stop()
        server.kill()
        receiver.close()
    icu = next(r for r in latest["risks"] if r["resource"] == "ICU" and r["kind"] == "staffed_beds"
               and r["within_h"] == 24)
    assert icu["probability"] >= 0.99
    assert latest["events"] == 12 and latest["checksums"]["state"]
    assert str(SCENARIO) in latest["provenance"]["inputs"]
    assert (tmp_path / "runs" / latest["id"] / "summary.json").is_file()
    post = receiver.posts[0]
    assert post["event"] == "fired" and post["alert"]["rule"] == "icu-full-24h"
    assert receiver.attempts >= 2  # the first POST failed and was tried again
    fired = [a for a in alerts["alerts"] if a["active"]]
    assert [a["rule"] for a in fired] == ["icu-full-24h"] and fired[0]["fired_value"] >= 0.99
    assert "P(ICU reaches its staffed capacity within 1d) >= 0.3" in {r["text"] for r in alerts["rules"]}
    rows = list(csv.DictReader(io.StringIO(csv_text.text)))
    assert csv_text.headers["content-type"].startswith("text/csv")
    assert list(rows[0]) == ["resource", "kind", "time", "mean", "p05", "p25", "p50", "p75",
                             "p95", "capacity", "p_full"]


def _latest(client):
    answer = client.get("/api/v1/forecasts/latest")
    return answer.json() if answer.status_code == 200 and answer.json()["events"] else None


def test_a_stop_during_a_forecast_leaves_no_half_written_run(store_url, tmp_path):
    server = Server(store_url, tmp_path, "--forecast-every", "1min", "--replications", "400",
                    "--horizon", "14d")
    try:
        asyncio.run(send("127.0.0.1", server.mllp_port, fill_icu()))
        wait_for(lambda: "forecast f" in server.text() and "started" in server.text(), 60,
                 what="a forecast to start")
        assert server.stop() == 0
    finally:
        server.kill()
    runs = tmp_path / "runs"
    assert not [p for p in runs.iterdir() if p.name.endswith(".partial")]
    from hospitaltwin.store import Store

    table = Store.open(store_url).table("forecast_runs")
    assert set(table["state"]) <= {"done", "failed"}
    for row in table.itertuples():
        assert (runs / row.id).is_dir() == (row.state == "done")


BAD_RULES = ("rules:\n  - name: a\n    resource: NICU\n    within: 24h\n    at_least: 0.3\n"
             "  - name: a\n    resource: ventilator\n    kind: equipment\n    within: 30d\n"
             "    at_least: {at_least}\n{extra}")


def problems_of(path, text: str) -> str:
    """The message of the ConfigError an alerts file with ``text`` raises."""
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_alerts(path, read_scenario(SCENARIO).layout, horizon_h=168)
    return str(caught.value)


def test_alert_files_are_checked_like_every_file(tmp_path):
    path = tmp_path / "alerts.yaml"
    text = problems_of(path, BAD_RULES.format(at_least=2, extra="    colour: red\n"))
    assert f"{path}: rules.1.colour (line 11): unknown key" in text
    assert "rules.1.at_least (line 10)" in text
    text = problems_of(path, BAD_RULES.format(at_least=0.2, extra=""))
    assert "rules.0.resource (line 3): no unit 'NICU' in the layout" in text
    assert "rules.1.name (line 6): rule name 'a' is used twice" in text
    assert "rules.1.within (line 9): 30d is longer than the forecast horizon (1w)" in text


@pytest.mark.slow
def test_the_nightly_backtest_scores_forecasts_on_the_sample_log(tmp_path):
    from hospitaltwin.service.work import RunSpec, run_backtest_job
    from hospitaltwin.store import Store
    from tests.service.conftest import KEY, ROOT

    url = f"sqlite:///{tmp_path / 'twin.db'}"
    Store.open(url).sync([ROOT / "samples" / "community-adt.csv.gz"], KEY.encode(),
                         unit_map=ROOT / "samples" / "community-units.yaml")
    runs = tmp_path / "runs"
    runs.mkdir()
    spec = RunSpec("b20250101T000000-abcd", url, SCENARIO, runs, 72.0, 20, 1)
    outcome = run_backtest_job(spec)
    summary = json.loads((runs / outcome["folder"] / "summary.json").read_text())
    assert set(summary["by_lead_day"]) == {"1", "2", "3"}
    assert 0 <= summary["by_lead_day"]["1"]["model"]["coverage80"] <= 1
    assert not list(runs.glob(".*.partial"))
