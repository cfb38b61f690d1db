"""The service's settings: one frozen value, checked before anything starts.

:func:`load_settings` reads and validates every file the service will use (scenario, unit
map, alerts), parses ``HOST:PORT`` addresses and durations, and loads the pseudonymisation key,
so that a mistake ends ``hospitaltwin serve`` at once with one clear message, not minutes
later inside a worker.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from hospitaltwin.core.errors import HospitaltwinError

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Settings:
    """Everything ``hospitaltwin serve`` was told (see ``hospitaltwin serve --help``)."""

    store: str
    scenario: Path
    runs: Path
    http_host: str = LOOPBACK
    http_port: int = 8000
    mllp_host: str | None = None
    mllp_port: int | None = None
    unit_map: Path | None = None
    timezone: str = "UTC"
    forecast_every_h: float = 1.0
    horizon_h: float = 168.0
    replications: int = 200
    seed: int = 1
    alerts: Path | None = None
    whatif_workers: int = 1
    whatif_queue: int = 4
    backtest_at: str = "02:30"
    key: bytes = field(default=b"", repr=False)

    @property
    def debounce_s(self) -> float:
        """How long new events wait for more before they trigger a forecast."""
        return min(60.0, max(2.0, self.forecast_every_h * 3600 / 4))


def address(text: str, option: str, default_host: str = LOOPBACK) -> tuple[str, int]:
    """``HOST:PORT`` (or ``:PORT`` / ``PORT``) as a host and a port number."""
    host, _, port = text.rpartition(":") if ":" in text else ("", "", text)
    host = host.strip("[]") or default_host
    try:
        number = int(port)
    except ValueError:
        raise HospitaltwinError(f"{option} {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8000") from None
    if not 0 <= number <= 65535:
        raise HospitaltwinError(f"{option} {text!r}: the port must be 0-65535")
    return host, number


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_files(settings: Settings) -> None:
    """Read and validate the scenario, unit map and alerts (errors name file, key and line)."""
    from hospitaltwin.config.load import read_scenario
    from hospitaltwin.eventlog.mapping import load_unit_map
    from hospitaltwin.eventlog.times import check_timezone
    from hospitaltwin.service.alerts import read_alerts

    scenario = read_scenario(settings.scenario)
    check_timezone(settings.timezone)
    load_unit_map(settings.unit_map)
    if settings.alerts is not None:
        read_alerts(settings.alerts, scenario.layout, settings.horizon_h)
