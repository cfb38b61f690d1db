"""The dashboard's pages: overview, forecast per resource, what-if, flow animation, downloads.

Each page is a frame (:mod:`.dash_shell`) whose script fills it from the API, so a number on a
page is the API's number. The what-if form is built here from the service's layout (its own
units, staff groups and their current sizes); an analyst or admin gets it, a viewer a note that
what-ifs need the analyst role, and no form. ``POST /whatif/policy.yaml`` turns the form's
policy into a policy file to keep (the same keys ``hospitaltwin compare --policy`` reads),
checked against the layout first.
"""

from __future__ import annotations

import html
import json
from functools import cache

import yaml
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from hospitaltwin.service.auth import allows
from hospitaltwin.service.dash_shell import page, player_asset, plotly_response, signed_in
from hospitaltwin.service.security import csrf_ok, find_identity, service_of

router = APIRouter(include_in_schema=False)


def _units_json(layout) -> str:
    units = [{"id": u, "name": unit.name or u, "hospital": layout.hospital_of(u), "beds": unit.beds}
             for u, unit in layout.units.items()]
    return html.escape(json.dumps(units), quote=True)


@router.get("/")
def overview(request: Request):
    """The wall screen: a tile per hospital, unit and equipment pool; the active alerts."""
    who = signed_in(request)
    if isinstance(who, RedirectResponse):
        return who
    layout = service_of(request).scenario.layout
    body = ('<div class="headline"><h1>Overview</h1><p class="asof" id="asof">Loading…</p></div>'
            '<section id="alerts" class="alerts" aria-live="polite"></section>'
            '<section><h2>Hospitals</h2><div id="hospitals" class="tiles"></div></section>'
            f'<section><h2>Units</h2><div id="units" class="tiles" data-layout="{_units_json(layout)}">'
            '</div></section><section><h2>Equipment</h2><div id="equipment" class="tiles"></div>'
            '</section>')
    return page(request, who, "/", "Overview", body, ("dash-overview.js",))


def _resources(service) -> list[str]:
    layout = service.scenario.layout
    return list(layout.units) + list(layout.equipment)


@router.get("/forecast")
def forecast_index(request: Request):
    """The forecast view of the first unit."""
    who = signed_in(request)
    if isinstance(who, RedirectResponse):
        return who
    return RedirectResponse(f"/forecast/{_resources(service_of(request))[0]}", status_code=303)


@router.get("/forecast/{resource}")
def forecast_view(request: Request, resource: str):
    """One resource's forecast: fan chart, daily risk, demand level, backtest coverage."""
    who = signed_in(request)
    if isinstance(who, RedirectResponse):
        return who
    names = _resources(service_of(request))
    if resource not in names:
        raise HTTPException(404, f"the layout has no unit or equipment pool {resource!r}")
    options = "".join(f'<option value="{html.escape(n)}"{" selected" if n == resource else ""}>'
                      f'{html.escape(n)}</option>' for n in names)
    body = (f'<div class="headline"><h1>Forecast: <span id="resource">{html.escape(resource)}'
            '</span></h1><label class="picker">Resource <select id="pick">'
            f'{options}</select></label></div><p class="asof" id="fc-facts">Loading…</p>'
            '<div class="charts"><figure class="card"><figcaption>Occupied beds (devices in use)'
            ': median, 50% and 90% bands, capacity</figcaption><div id="fan" class="chart"></div>'
            '</figure><figure class="card"><figcaption>Probability of reaching capacity, per day'
            '</figcaption><div id="daily" class="chart"></div></figure></div>'
            '<section class="card"><h2>What the forecast assumed, and how well it held up</h2>'
            '<dl id="assumed" class="facts"></dl></section>')
    return page(request, who, "/forecast", f"Forecast {resource}", body, ("dash-forecast.js",),
                plotly=True)


def _stepper(unit: str, label: str, beds: int) -> str:
    key = html.escape(unit)
    return (f'<tr><th scope="row">{html.escape(label)} <small>{key}</small></th>'
            f'<td class="num">{beds}</td><td><div class="stepper"><button type="button" '
            f'data-step="-1" data-for="beds-{key}" aria-label="One bed fewer in {key}">−</button>'
            f'<input type="number" id="beds-{key}" name="beds" data-unit="{key}" value="0" '
            f'min="-{beds}" max="500" step="1" aria-label="Beds to add in {key}"><button '
            f'type="button" data-step="1" data-for="beds-{key}" aria-label="One bed more in {key}"'
            '>+</button></div></td></tr>')


def _staff_rows(layout) -> str:
    rows = []
    for name, group in layout.staff.items():
        covers = ", ".join(group.units) or "an equipment team"
        rows.append(f'<tr><th scope="row">{html.escape(name)} <small>{html.escape(covers)}, 1:'
                    f'{group.patients_per_staff:g}</small></th><td><input type="number" '
                    f'name="staff" data-group="{html.escape(name)}" value="1" min="0" max="5" '
                    f'step="0.05" aria-label="Head counts of {html.escape(name)}, times"></td></tr>')
    return "".join(rows) or '<tr><td colspan="2">The layout names no staff groups.</td></tr>'


def whatif_form(layout) -> str:
    """The what-if form, built from the layout."""
    beds = "".join(_stepper(u, unit.name or u, unit.beds) for u, unit in layout.units.items())
    units = "".join(f'<option value="{html.escape(u)}">{html.escape(u)}</option>' for u in layout.units)
    return (
        '<form id="whatif" class="whatif" novalidate><div class="grid2">'
        '<fieldset class="card"><legend>Beds per unit</legend><table class="compact"><thead><tr>'
        '<th>Unit</th><th class="num">Beds now</th><th>Add or remove</th></tr></thead><tbody>'
        f'{beds}</tbody></table></fieldset><div>'
        '<fieldset class="card"><legend>Staff: head counts × (1 = as rostered)</legend><table '
        f'class="compact"><tbody>{_staff_rows(layout)}</tbody></table></fieldset>'
        '<fieldset class="card"><legend>Demand</legend><label>Multiplier of every arrival stream '
        '<input type="number" id="demand-mult" value="1" min="0" max="10" step="0.05"></label>'
        '<label><input type="checkbox" id="surge-on"> A surge</label><div class="row3">'
        '<label>Peak × <input type="number" id="surge-peak" value="1.5" min="0.1" max="10" '
        'step="0.1"></label><label>Day of the peak <input type="number" id="surge-at" value="10" '
        'min="0" max="366" step="1"></label><label>Spread (days, sd) <input type="number" '
        'id="surge-sd" value="3" min="0.5" max="60" step="0.5"></label></div></fieldset>'
        '<fieldset class="card"><legend>Closures</legend><div id="closures"></div>'
        f'<template id="closure-row"><div class="row3 closure"><label>Unit <select name="close-unit">'
        f'{units}</select></label><label>From day <input type="number" name="close-from" value="0" '
        'min="0" max="366"></label><label>Until day <input type="number" name="close-until" '
        'value="7" min="1" max="366"></label></div></template><button type="button" '
        'id="add-closure" class="secondary">Add a closure</button></fieldset>'
        '<fieldset class="card"><legend>Run</legend><div class="row3"><label>Name <input type="text" '
        'id="policy-name" value="what-if" maxlength="60"></label><label>Replications <input '
        'type="number" id="reps" value="20" min="2" max="200"></label><label>Days <input '
        'type="number" id="days" value="30" min="1" max="366"></label></div><label>Start from '
        '<select id="start"><option value="now">the hospital now (its state)</option><option '
        'value="empty">empty, with the scenario\'s warmup</option></select></label></fieldset>'
        '</div></div><div class="actions"><button type="submit" id="run-whatif">Compare with '
        'today</button><button type="button" id="download-policy" class="secondary">Download the '
        'policy file</button></div></form>')


@router.get("/whatif")
def whatif_page(request: Request):
    """The what-if form (analysts and admins), its progress and its answer."""
    who = signed_in(request)
    if isinstance(who, RedirectResponse):
        return who
    if not allows(who.role, "analyst"):
        body = ('<h1>What-if</h1><p class="card notice">What-ifs need the analyst role; you are '
                f'logged in as a {who.role}. Ask an admin if you need one.</p>')
        return page(request, who, "/whatif", "What-if", body)
    body = ('<h1>What-if</h1><p class="muted">Each change is compared with the hospital as it '
            'runs today, on the same simulated patients (common random numbers).</p>'
            f'{whatif_form(service_of(request).scenario.layout)}'
            '<form id="policy-form" method="post" action="/whatif/policy.yaml" hidden>'
            '<input type="hidden" name="csrf"><input type="hidden" name="policy"></form>'
            '<section id="progress" class="card" hidden><div class="bar"><div></div></div>'
            '<p id="progress-text" aria-live="polite"></p></section>'
            '<section id="answer" hidden><div class="card sentences"><h2>What changes</h2>'
            '<ul id="changes"></ul><h2>What limited it</h2><ul id="limits"></ul></div>'
            '<div class="charts"><figure class="card"><figcaption>Time at staffed capacity'
            '</figcaption><div id="chart-pfull" class="chart"></div></figure><figure class="card">'
            '<figcaption>Mean wait for a bed (h)</figcaption><div id="chart-wait" class="chart">'
            '</div></figure></div><div class="card"><h2>Every headline KPI</h2><div '
            'class="scroll"><table id="answer-table"></table></div></div></section>')
    return page(request, who, "/whatif", "What-if", body, ("dash-whatif.js",), plotly=True)


@router.post("/whatif/policy.yaml")
def policy_file(request: Request, policy: str = Form(..., max_length=100_000),
                csrf: str = Form("", max_length=100)):
    """The form's policy as a policy YAML file (checked against the layout first)."""
    from hospitaltwin.config.load import validate_model
    from hospitaltwin.config.policy import Policy, apply_policy
    from hospitaltwin.config.yamlio import SourceMap

    who = find_identity(request)
    if who is None or not allows(who.role, "analyst"):
        raise HTTPException(403, "saving a what-if needs the analyst role")
    if not csrf_ok(request, csrf):
        raise HTTPException(403, "the form expired; reload the page")
    try:
        data = json.loads(policy)
    except ValueError:
        raise HTTPException(422, "policy: not JSON") from None
    checked = validate_model(Policy, data, SourceMap("policy"))
    apply_policy(service_of(request).scenario, checked)
    text = ("# A what-if from the hospitaltwin dashboard. Compare it with:\n"
            "#   hospitaltwin compare SCENARIO --policy THIS_FILE\n" +
            yaml.safe_dump(checked.model_dump(mode="json", by_alias=True, exclude_none=True,
                                              exclude_defaults=True), sort_keys=False))
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in checked.name)[:60] or "policy"
    return Response(text, media_type="application/x-yaml",
                    headers={"Content-Disposition": f'attachment; filename="{name}.yaml"'})


def _plain(request: Request, path: str, title: str, body: str, scripts: tuple[str, ...] = (),
           plotly: bool = False):
    """A page whose body is the same for everyone logged in (else a redirect to /login)."""
    who = signed_in(request)
    if isinstance(who, RedirectResponse):
        return who
    return page(request, who, path, title, body, scripts, plotly)


@router.get("/flow")
def flow_page(request: Request):
    """The latest forecast's replication 0 as patients moving between units."""
    body = ('<h1>Patient flow</h1><p class="muted">One possible future of the latest forecast '
            '(its replication 0), from the hospital as it is now: a dot per patient. '
            '<code>hospitaltwin animate</code> writes the same as one file that plays offline.'
            '</p><div id="flow" class="flow card" data-src="/dash/flow/latest">Simulating the '
            'replication…</div>')
    return _plain(request, "/flow", "Patient flow", body, ("/assets/flow.js",), plotly=True)


@router.get("/downloads")
def downloads_page(request: Request):
    """The latest forecast's report, figures, CSV and workbook, one link each."""
    body = ('<h1>Downloads</h1><p class="muted">Of the latest forecast. The report, figures and '
            'workbook are made on the first click (a few seconds) and kept.</p>'
            '<ul id="downloads" class="downloads card"><li>Loading…</li></ul>')
    return _plain(request, "/downloads", "Downloads", body, ("dash-downloads.js",))


@cache
def _plotly():
    return plotly_response()


@router.get("/assets/plotly.min.js")
def plotly_js():
    """plotly.js, from the plotly package."""
    return _plotly()


@router.get("/assets/{name}")
def flow_asset(name: str):
    """The flow player's script and style."""
    if name not in ("flow.js", "flow.css"):
        raise HTTPException(404, "no such asset")
    return player_asset(name)
