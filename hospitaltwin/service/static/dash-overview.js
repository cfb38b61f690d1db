/* Overview: a tile per hospital, unit and equipment pool, from /api/v1/state and the latest
 * forecast's risks; active alerts. Polls /api/v1/health and redraws in place (no reload, the
 * scroll stays) when a new forecast lands or new events were judged; also every minute (or
 * every N seconds with ?refresh=N). */
(function () {
  "use strict";
  var asked = +new URLSearchParams(window.location.search).get("refresh");  // seconds, e.g. ?refresh=30
  var POLL_MS = 5000, FULL_MS = asked >= 5 ? asked * 1000 : 60000;
  var seen = null, lastFull = 0;
  var unitsBox = document.getElementById("units");
  var layout = JSON.parse(unitsBox.getAttribute("data-layout"));

  function risksOf(forecast) {
    var out = {};
    ((forecast && forecast.risks) || []).forEach(function (r) {
      if (r.kind !== "staffed_beds" && r.kind !== "equipment") { return; }
      out[r.resource] = out[r.resource] || {};
      out[r.resource][r.within_h] = r.probability;
    });
    return out;
  }

  function chip(label, p) {
    return HT.el("span", {"class": "chip risk-" + HT.level(p), title: "P(reach capacity within " + label + ")"},
                 label + " " + HT.pct(p));
  }

  function tile(kind, key, title, sub, numbers, risk, link) {
    var t = HT.el(link ? "a" : "div", {"class": "tile", ["data-" + kind]: key});
    if (link) { t.setAttribute("href", link); }
    var head = HT.el("div", {"class": "tile-head"});
    head.appendChild(HT.el("span", {"class": "tile-name"}, title));
    if (sub) { head.appendChild(HT.el("span", {"class": "tile-sub"}, sub)); }
    t.appendChild(head);
    var big = HT.el("div", {"class": "big"});
    big.appendChild(HT.el("span", {"class": numbers.main[0]}, numbers.main[1]));
    big.appendChild(HT.el("span", {"class": "of"}, " / "));
    big.appendChild(HT.el("span", {"class": numbers.cap[0]}, numbers.cap[1]));
    t.appendChild(big);
    var small = HT.el("div", {"class": "small"});
    numbers.more.forEach(function (m, i) {
      if (i) { small.appendChild(document.createTextNode(" · ")); }
      small.appendChild(document.createTextNode(m[2] + " "));
      small.appendChild(HT.el("span", {"class": m[0]}, m[1]));
    });
    t.appendChild(small);
    var chips = HT.el("div", {"class": "chips"});
    chips.appendChild(chip("24 h", risk ? risk[24] : null));
    chips.appendChild(chip("72 h", risk ? risk[72] : null));
    t.appendChild(chips);
    if (numbers.full) { t.classList.add("at-capacity"); }
    return t;
  }

  function replace(box, tiles) {
    box.textContent = "";
    tiles.forEach(function (t) { box.appendChild(t); });
  }

  function drawUnits(state, risks) {
    var byId = {};
    state.units.forEach(function (u) { byId[u.unit] = u; });
    var order = layout.map(function (u) { return u.id; });
    state.units.forEach(function (u) { if (order.indexOf(u.unit) < 0) { order.push(u.unit); } });
    var names = {};
    layout.forEach(function (u) { names[u.id] = u.name; });
    replace(unitsBox, order.filter(function (id) { return byId[id]; }).map(function (id) {
      var u = byId[id];
      return tile("unit", id, id, names[id] !== id ? names[id] : "", {
        main: ["occupied", u.occupied], cap: ["staffed", u.staffed], full: u.occupied >= u.staffed && u.staffed > 0,
        more: [["physical", u.physical, "physical"], ["waiting", u.waiting, "waiting"], ["boarding", u.boarding, "boarding"]]
      }, risks[id], "/forecast/" + encodeURIComponent(id));
    }));
  }

  function drawHospitals(state, risks) {
    var sums = {};
    state.units.forEach(function (u) {
      var h = sums[u.hospital] = sums[u.hospital] || {occupied: 0, staffed: 0, physical: 0, waiting: 0, boarding: 0, worst: {}};
      ["occupied", "staffed", "physical", "waiting", "boarding"].forEach(function (k) { h[k] += u[k]; });
      var r = risks[u.unit] || {};
      [24, 72].forEach(function (w) { if (r[w] !== undefined) { h.worst[w] = Math.max(h.worst[w] || 0, r[w]); } });
    });
    replace(document.getElementById("hospitals"), Object.keys(sums).sort().map(function (name) {
      var h = sums[name];
      var t = tile("hospital", name, name === "main" ? "Hospital" : name, "all units", {
        main: ["occupied", h.occupied], cap: ["staffed", h.staffed],
        more: [["physical", h.physical, "physical"], ["waiting", h.waiting, "waiting"], ["boarding", h.boarding, "boarding"]]
      }, h.worst, null);
      t.querySelector(".chips").setAttribute("title", "the highest risk of any of its units");
      return t;
    }));
  }

  function drawEquipment(state, risks) {
    replace(document.getElementById("equipment"), state.equipment.map(function (e) {
      return tile("pool", e.kind, e.kind, "devices", {
        main: ["in-use", e.in_use], cap: ["devices", e.devices], full: e.in_use >= e.devices && e.devices > 0,
        more: [["free", Math.max(0, e.devices - e.in_use), "free"]]
      }, risks[e.kind], "/forecast/" + encodeURIComponent(e.kind));
    }));
  }

  function drawAlerts(alerts) {
    var box = document.getElementById("alerts");
    box.textContent = "";
    var open = (alerts.alerts || []).filter(function (a) { return !a.cleared; });
    if (!open.length) {
      box.appendChild(HT.el("p", {"class": "calm"}, "No active alerts."));
      return;
    }
    open.forEach(function (a) {
      var p = HT.el("p", {"class": "alert", role: "alert"});
      p.appendChild(HT.el("strong", {}, a.rule + ": "));
      p.appendChild(document.createTextNode((a.text || "") + " (" + HT.pct(a.fired_value) + ", since " + HT.when(a.fired) + ")"));
      box.appendChild(p);
    });
  }

  function drawWarnings(forecast) {
    // The forecast's own warnings (a stale state, units missing from the counts): a wall screen
    // must not show an old picture as if it were today's.
    var warnings = (forecast && forecast.summary && forecast.summary.warnings) || [];
    var box = document.getElementById("alerts");
    warnings.forEach(function (w) {
      box.appendChild(HT.el("p", {"class": "warning", role: "status"}, "Forecast warning: " + w));
    });
  }

  function refresh() {
    return Promise.all([
      HT.getJSON("/api/v1/state"),
      HT.getJSON("/api/v1/forecasts/latest").catch(function (e) { if (e.status === 404) { return null; } throw e; }),
      HT.getJSON("/api/v1/alerts?active=true")
    ]).then(function (got) {
      var state = got[0], forecast = got[1], risks = risksOf(forecast);
      drawHospitals(state, risks);
      drawUnits(state, risks);
      drawEquipment(state, risks);
      drawAlerts(got[2]);
      drawWarnings(forecast);
      var text = "State at " + HT.when(state.as_of) + " · " + (forecast ?
        "forecast from " + HT.when(forecast.as_of) + " (made " + HT.when(forecast.finished) + ")" :
        "no forecast yet");
      var asof = document.getElementById("asof");
      asof.textContent = text;
      asof.setAttribute("data-forecast", forecast ? forecast.id : "");
      document.body.setAttribute("data-loaded", String(Date.now()));
      lastFull = Date.now();
    }).catch(function (e) {
      document.getElementById("asof").textContent = "Could not load: " + e.message;
    });
  }

  function poll() {
    fetch("/api/v1/health", {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (h) {
      var now = [h.latest_forecast, h.pending_events].join("|");
      if ((seen !== null && now !== seen) || Date.now() - lastFull > FULL_MS) { refresh(); }
      seen = now;
    }).catch(function () { /* the next poll tries again */ });
  }

  refresh();
  window.setInterval(poll, POLL_MS);
}());
