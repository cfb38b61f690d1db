"""``hospitaltwin serve``: the live twin (MLLP feed, scheduled forecasts, alerts, HTTP API).

Every file is read and checked before anything listens; a mistake ends the command with one
clear message and exit status 2. Both listeners bind to loopback unless told otherwise; one
bound elsewhere without TLS gets a warning (put a TLS proxy in front, see docs/service.md).
"""

from __future__ import annotations

from pathlib import Path

import typer

from hospitaltwin.cli.common import command, err
from hospitaltwin.cli.run import _duration
from hospitaltwin.core.errors import HospitaltwinError


@command("serve")
def serve_command(
    store: str = typer.Option(..., "--store", help="sqlite:///twin.db (or a path) or postgresql+psycopg://USER:PASS@HOST/DB."),
    scenario: Path = typer.Option(..., "--scenario", help="Scenario: the layout and baseline demand forecasts run from."),
    http: str = typer.Option("127.0.0.1:8000", "--http", metavar="HOST:PORT", help="HOST:PORT of the HTTP API."),
    mllp: str = typer.Option(None, "--mllp", metavar="HOST:PORT", help="HOST:PORT of the HL7 MLLP listener (off unless given; usually 2575)."),
    unit_map: Path = typer.Option(None, "--map", help="Unit-mapping YAML for HL7 locations, as for sync."),
    timezone: str = typer.Option("UTC", "--timezone", help="Zone of HL7 times without an offset."),
    forecast_every: str = typer.Option("1h", "--forecast-every", metavar="DURATION", help="Longest time between forecasts."),
    horizon: str = typer.Option("7d", "--horizon", help="Forecast horizon."),
    replications: int = typer.Option(200, "--replications", "-r", min=2, help="Replications of each forecast."),
    alerts: Path = typer.Option(None, "--alerts", metavar="FILE", help="Alert rules (alerts.yaml)."),
    key_file: Path = typer.Option(None, "--key-file", help="Pseudonymisation key (else $HOSPITALTWIN_PSEUDONYM_KEY)."),
    runs: Path = typer.Option(Path("runs/service"), "--runs", metavar="DIR", help="Folder the service writes its forecasts and what-ifs into."),
    seed: int = typer.Option(1, "--seed", min=0, help="Seed of the forecasts."),
    whatif_workers: int = typer.Option(1, "--whatif-workers", min=1, max=32, metavar="N", help="Processes running what-ifs."),
    whatif_queue: int = typer.Option(4, "--whatif-queue", min=0, max=1000, metavar="N", help="What-ifs that may wait; more get HTTP 429."),
    backtest_at: str = typer.Option("02:30", "--backtest-at", metavar="HH:MM", help="Local time of the nightly backtest (HH:MM)."),
    tls_cert: Path = typer.Option(None, "--tls-cert", metavar="FILE", help="Serve HTTPS with this certificate (PEM)."),
    tls_key: Path = typer.Option(None, "--tls-key", metavar="FILE", help="The certificate's private key (PEM)."),
) -> None:
    """Run the live twin until SIGTERM or Ctrl-C."""
    from hospitaltwin.eventlog.keys import load_key
    from hospitaltwin.service.config import Settings, address, check_files, is_loopback

    http_host, http_port = address(http, "--http")
    mllp_host, mllp_port = address(mllp, "--mllp") if mllp else (None, None)
    if (tls_cert is None) != (tls_key is None):
        raise HospitaltwinError("--tls-cert and --tls-key go together")
    if not _clock(backtest_at):
        raise HospitaltwinError(f"--backtest-at {backtest_at!r}: expected HH:MM, e.g. 02:30")
    settings = Settings(
        store=store, scenario=scenario, runs=runs, http_host=http_host, http_port=http_port,
        mllp_host=mllp_host, mllp_port=mllp_port, unit_map=unit_map, timezone=timezone,
        forecast_every_h=_duration(forecast_every, "--forecast-every"),
        horizon_h=_duration(horizon, "--horizon"), replications=replications, seed=seed,
        alerts=alerts, whatif_workers=whatif_workers, whatif_queue=whatif_queue,
        backtest_at=backtest_at, key=load_key(key_file))
    check_files(settings)
    for option, host in (("--http", http_host), ("--mllp", mllp_host)):
        if host is not None and not is_loopback(host):
            err.print(f"warning: {option} listens on {host}, not only on this machine; "
                      "put TLS in front of it (docs/service.md)", highlight=False, markup=False)
    from hospitaltwin.service.server import serve

    serve(settings, str(tls_cert) if tls_cert else None, str(tls_key) if tls_key else None)


def _clock(text: str) -> bool:
    hour, _, minute = text.partition(":")
    return hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60
