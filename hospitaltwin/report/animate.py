"""Animated patient flow: one replication of a run or a forecast as one HTML file that plays offline.

:func:`animate` is the whole ``hospitaltwin animate`` stage: it reads a result directory, takes
one replication's flow events (:func:`hospitaltwin.experiment.flow.flow_events`) and hourly
capacity, lays them out as a scene (:func:`hospitaltwin.report.flow_frames.flow_scene`) and
writes a single self-contained HTML file: the scene as JSON, the player (``assets/flow.js``)
and plotly.js from the plotly package, inline, so the file plays with no network and can be
e-mailed. A run's directory holds every replication's stays; a forecast's holds none, so its
replication is simulated again from the store's state at the forecast's time
(:func:`hospitaltwin.forecast.replay.replay_forecast`). The dashboard draws the same scene with
the same player.

Plotly is used directly rather than through vidigi or salabim: the dashboard already serves
plotly.js for its charts, the player needs only dots, boxes and text, and a scene of stays
(one row per segment) stays small where per-frame snapshots of every patient would not.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from pathlib import Path

import pandas as pd

from hospitaltwin.config.layout import Layout
from hospitaltwin.config.load import scenario_from_dict
from hospitaltwin.core.errors import HospitaltwinError
from hospitaltwin.core.outputs import output_file
from hospitaltwin.experiment.flow import flow_events
from hospitaltwin.report.flow_frames import flow_scene

DEFAULT_HOURS = 7 * 24.0


def asset(name: str) -> str:
    """The text of a player asset (``flow.js``, ``flow.css``)."""
    return (resources.files("hospitaltwin.report") / "assets" / name).read_text(encoding="utf-8")


def units_of(layout: Layout) -> list[dict]:
    """The units to draw, in the layout's order."""
    return [{"id": uid, "name": unit.name or uid, "hospital": layout.hospital_of(uid),
             "beds": unit.beds} for uid, unit in layout.units.items()]


def capacity_of(census: pd.DataFrame, start_h: float, end_h: float) -> dict:
    """Hourly staffed and physical beds per unit within the window."""
    window = census[(census["time_h"] >= start_h) & (census["time_h"] <= end_h)]
    out = {}
    for unit, part in window.groupby(window["unit"].astype(str), observed=True, sort=False):
        part = part.sort_values("time_h")
        out[unit] = {"staffed": part["staffed"].round(2).tolist(),
                     "physical": part["physical"].round(2).tolist()}
    return out


def scene_of(stays, census: pd.DataFrame, layout: Layout, origin: datetime, start_h: float,
             end_h: float) -> dict:
    """The scene of one replication's stays and census within ``[start_h, end_h]``."""
    clock = {"origin": origin.replace(tzinfo=None).isoformat(timespec="minutes"),
             "timezone": layout.timezone}
    return flow_scene(flow_events(stays), units_of(layout), start_h, end_h,
                      capacity_of(census, start_h, end_h), clock)


def _manifest(result_dir: Path) -> dict:
    path = result_dir / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HospitaltwinError(f"{path}: not a readable result manifest ({exc})") from None


def _window(start_h: float | None, hours: float | None, first: float, last: float) -> tuple:
    start = first if start_h is None else start_h
    end = min(last, start + (DEFAULT_HOURS if hours is None else hours))
    if not first <= start < last:
        raise HospitaltwinError(f"--start: the run covers hours {first:g} to {last:g}")
    return start, end


def run_scene(result_dir: str | Path, replication: int = 0, start_h: float | None = None,
              hours: float | None = None) -> dict:
    """The scene of replication ``replication`` of a run's result directory (by default the
    first week after the warmup)."""
    folder = Path(result_dir)
    manifest = _manifest(folder)
    scenario = scenario_from_dict(manifest["scenario"], folder, f"{folder}/manifest.json")
    if not 0 <= replication < scenario.run.replications:
        raise HospitaltwinError(f"--replication {replication}: the run has "
                                f"{scenario.run.replications} (0 to {scenario.run.replications - 1})")
    where = [("replication", "==", replication)]
    stays = pd.read_parquet(folder / "stays.parquet", filters=where)
    census = pd.read_parquet(folder / "census.parquet", filters=where)
    start, end = _window(start_h, hours, scenario.run.warmup, scenario.run.horizon)
    origin = datetime.fromisoformat(manifest.get("origin") or scenario.run.origin.isoformat())
    return scene_of(stays, census, scenario.layout, origin, start, end)


def forecast_scene(folder: str | Path, state, replication: int = 0) -> dict:
    """The scene of replication ``replication`` of a forecast, replayed from ``state``."""
    from hospitaltwin.forecast.replay import replay_forecast

    rep, scenario, origin = replay_forecast(folder, state, replication)
    return scene_of(rep.stays, rep.census.to_pandas(), scenario.layout, origin, 0.0,
                    scenario.run.horizon)


def animation_html(scene: dict, title: str, note: str = "") -> str:
    """One self-contained HTML page playing ``scene`` (plotly.js and the player inline)."""
    from plotly.offline import get_plotlyjs

    data = json.dumps(scene, separators=(",", ":")).replace("</", "<\\/")
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            'content="width=device-width, initial-scale=1">'
            f'<title>{_escape(title)}</title><style>body{{margin:0;padding:1rem;background:#fff}}'
            f'h1{{font:600 1.4rem system-ui,sans-serif;margin:0 0 .3rem}}{asset("flow.css")}'
            f'</style></head><body><main><h1>{_escape(title)}</h1>'
            f'<p class="flow-legend">{_escape(note)}</p><div id="flow" class="flow"></div></main>'
            f'<script id="flow-data" type="application/json">{data}</script>'
            f'<script>{get_plotlyjs()}</script><script>{asset("flow.js")}</script></body></html>')


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def animate(result_dir: str | Path, out: str | Path, replication: int = 0,
            start_h: float | None = None, hours: float | None = None,
            store: str | None = None) -> Path:
    """Write the animation of one replication of a run or a forecast as one HTML file.

    Parameters
    ----------
    result_dir : str or Path
        A run's result directory, or a forecast's (then ``store`` is needed).
    out : str or Path
        The HTML file to write (its folder is created).
    replication : int
        Which replication to draw.
    start_h, hours : float, optional
        The window of a run to draw (default: a week from the end of the warmup).
    store : str, optional
        For a forecast: the state store it started from.

    Returns
    -------
    Path
        The file written.
    """
    folder = Path(result_dir)
    kind = _manifest(folder).get("kind")
    if kind == "run":
        scene = run_scene(folder, replication, start_h, hours)
        note = f"Replication {replication} of {folder.name}"
    elif kind == "forecast":
        scene = _forecast_from_store(folder, store, replication)
        note = f"Replication {replication} of the forecast {folder.name}"
    else:
        raise HospitaltwinError(f"{folder}: a {kind!r} result has no patient flow to animate "
                                "(give a run's or a forecast's result directory)")
    title = f"Patient flow: {folder.name}"
    with output_file(out) as tmp:
        tmp.write_text(animation_html(scene, title, note + ". One dot per patient."),
                       encoding="utf-8")
    return Path(out)


def _forecast_from_store(folder: Path, store: str | None, replication: int) -> dict:
    if store is None:
        raise HospitaltwinError(f"{folder} is a forecast: give --store URL, the state store it "
                                "started from, to replay one of its replications")
    from hospitaltwin.store import Store

    as_of = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["as_of"]
    with Store.open(store) as opened:
        state = opened.state_at(as_of)
    return forecast_scene(folder, state, replication)
