"""One replication of a written forecast, simulated again with its own tables.

A forecast keeps only what it aggregates (quantiles, probabilities), not its replications'
stays. Every replication is a pure function of the compiled scenario, the seed, its number and
the start state, so :func:`replay_forecast` gets replication ``r`` back exactly from the
forecast folder's ``manifest.json`` (the resolved scenario as it ran, demand levels included,
and the calendar origin) and the state it started from: for animating one possible future.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from hospitaltwin.config.load import scenario_from_dict
from hospitaltwin.config.scenario import Scenario
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.state import SystemState
from hospitaltwin.engine import Replication, compile_scenario, simulate


def forecast_manifest(folder: str | Path) -> dict:
    """A forecast folder's ``manifest.json`` (an error names the folder if it is none)."""
    path = Path(folder) / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HospitaltwinError(f"{path}: not a readable result manifest ({exc})") from None
    if manifest.get("kind") != "forecast" or "origin" not in manifest:
        raise HospitaltwinError(f"{folder}: not a forecast (its manifest says "
                                f"{manifest.get('kind')!r})")
    return manifest


def replay_forecast(folder: str | Path, state: SystemState,
                    replication: int = 0) -> tuple[Replication, Scenario, datetime]:
    """Replication ``replication`` of the forecast in ``folder``, started from ``state``.

    Returns the replication (stays and hourly census), the scenario as the forecast ran it
    and the calendar time of its hour 0.
    """
    manifest = forecast_manifest(folder)
    scenario = scenario_from_dict(manifest["scenario"], Path(folder), f"{folder}/manifest.json")
    if not 0 <= replication < scenario.run.replications:
        raise HospitaltwinError(f"replication {replication}: the forecast ran "
                                f"{scenario.run.replications} (0 to {scenario.run.replications - 1})")
    origin = datetime.fromisoformat(manifest["origin"])
    model = compile_scenario(scenario, origin=origin)
    rep = simulate(model, scenario.run.seed, replication, state=state, kpis=False)
    return rep, scenario, origin
