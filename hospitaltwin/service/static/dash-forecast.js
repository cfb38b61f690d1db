/* Forecast view of one resource: fan chart (median, 50% and 90% bands, staffed and physical
 * capacity), daily probability of reaching capacity, the demand level assumed, and the latest
 * backtest's coverage. Data: /dash/forecast/RESOURCE (the latest forecast). */
(function () {
  "use strict";
  var resource = document.getElementById("resource").textContent;
  var CONFIG = {displayModeBar: false, responsive: true};
  var FONT = {family: "system-ui, sans-serif", size: 14};

  document.getElementById("pick").addEventListener("change", function (e) {
    window.location.assign("/forecast/" + encodeURIComponent(e.target.value));
  });

  function band(x, lo, hi, colour, name) {
    return [{x: x, y: hi, mode: "lines", line: {width: 0}, hoverinfo: "skip", showlegend: false},
            {x: x, y: lo, mode: "lines", line: {width: 0}, fill: "tonexty", fillcolor: colour, name: name}];
  }

  function fan(data) {
    var main = data.series.staffed_beds || data.series.equipment || data.series.beds;
    var x = main.time;
    var traces = band(x, main.p05, main.p95, "rgba(31,111,235,0.15)", "90% band")
      .concat(band(x, main.p25, main.p75, "rgba(31,111,235,0.35)", "50% band"));
    traces.push({x: x, y: main.p50, mode: "lines", line: {color: "#1f6feb", width: 3}, name: "median"});
    if (data.series.staffed_beds) {
      traces.push({x: x, y: data.series.staffed_beds.capacity, mode: "lines", name: "staffed capacity",
                   line: {color: "#b42318", width: 2, shape: "hv"}});
    }
    if (data.series.beds) {
      traces.push({x: x, y: data.series.beds.capacity, mode: "lines", name: "physical beds",
                   line: {color: "#57606a", width: 2, dash: "dash", shape: "hv"}});
    }
    if (data.series.equipment) {
      traces.push({x: x, y: data.series.equipment.capacity, mode: "lines", name: "devices",
                   line: {color: "#b42318", width: 2, shape: "hv"}});
    }
    Plotly.newPlot("fan", traces, {margin: {l: 50, r: 10, t: 10, b: 40}, font: FONT, height: 360,
      legend: {orientation: "h", y: -0.18}, yaxis: {rangemode: "tozero", title: {text: data.series.equipment ? "devices" : "beds"}},
      hovermode: "x unified"}, CONFIG);
  }

  function daily(data) {
    var d = data.daily.staffed_beds || data.daily.equipment || data.daily.beds;
    if (!d) { return; }
    Plotly.newPlot("daily", [{type: "bar", x: d.date, y: d.p_full_any.map(function (p) { return 100 * p; }),
      marker: {color: d.p_full_any.map(function (p) { return p >= 0.5 ? "#b42318" : p >= 0.2 ? "#E69F00" : "#1f6feb"; })},
      text: d.p_full_any.map(HT.pct), textposition: "outside", hovertemplate: "%{x}: %{text}<extra></extra>"}],
      {margin: {l: 50, r: 10, t: 10, b: 40}, font: FONT, height: 360,
       yaxis: {range: [0, 110], title: {text: "P(full) that day, %"}}}, CONFIG);
  }

  function fact(list, term, value) {
    list.appendChild(HT.el("dt", {}, term));
    list.appendChild(HT.el("dd", {}, value));
  }

  function signed(x) {
    return (x >= 0 ? "+" : "−") + Math.abs(100 * x).toFixed(1) + "%";
  }

  function facts(data) {
    var list = document.getElementById("assumed");
    list.textContent = "";
    var lv = data.demand_level, fit = data.demand_fit;
    if (fit && fit.model === "trend" && fit.level_per_day !== undefined) {
      fact(list, "Demand assumed", fit.level_per_day.toFixed(1) + " arrivals a day now, trend " +
        signed(fit.trend_per_day) + " a day (90%: " + signed(fit.trend_per_day_band[0]) + " to " +
        signed(fit.trend_per_day_band[1]) + "), from the last " + fit.weeks + " weeks; each simulated future follows its own demand path");
    } else if (fit && fit.model === "level" && fit.level_ratio_band) {
      fact(list, "Demand assumed", "× " + fit.multiplier.toFixed(2) + " of the usual arrivals (90%: × " +
        fit.level_ratio_band[0].toFixed(2) + " to × " + fit.level_ratio_band[1].toFixed(2) +
        "), each simulated future with its own level; no trend read from so few arrivals a day");
    } else if (fit && fit.multiplier) {
      fact(list, "Demand assumed", "× " + fit.multiplier.toFixed(2) + " of the usual arrivals" +
        (fit.fallback ? " (" + fit.fallback + ")" : ""));
    } else fact(list, "Demand assumed", lv ?
      "× " + lv.multiplier.toFixed(2) + " of the usual arrivals (" + lv.observed + " arrivals in the last four weeks, " + lv.expected + " expected)" :
      (data.demand_multiplier && data.demand_multiplier !== 1 ? "× " + data.demand_multiplier : "the scenario's usual demand (no recent arrivals of its own to scale by)"));
    var c = data.coverage;
    fact(list, "How well recent forecasts held up", c ?
      "the 50% band held the actual level " + HT.pct(c.coverage50) + " of the time, the 95% band " + HT.pct(c.coverage95) +
      " (backtest over " + c.origins + " forecasts, " + HT.when(c.finished) + ")" :
      "no backtest yet: the service scores its forecasts every night");
    var r24 = data.risks.filter(function (r) { return r.within_h === 24 && r.kind !== "beds"; })[0];
    var r72 = data.risks.filter(function (r) { return r.within_h === 72 && r.kind !== "beds"; })[0];
    fact(list, "Reaches capacity", "within 24 h: " + (r24 ? HT.pct(r24.probability) : "–") +
         " · within 72 h: " + (r72 ? HT.pct(r72.probability) : "–"));
    document.getElementById("fc-facts").textContent = "Forecast from " + HT.when(data.as_of) + ", " +
      data.replications + " replications (run " + data.run + ").";
  }

  HT.getJSON("/dash/forecast/" + encodeURIComponent(resource)).then(function (data) {
    fan(data);
    daily(data);
    facts(data);
    document.body.setAttribute("data-loaded", "1");
  }).catch(function (e) {
    document.getElementById("fc-facts").textContent = e.status === 404 ?
      "No forecast yet: " + e.message + "." : "Could not load the forecast: " + e.message;
    document.body.setAttribute("data-loaded", "0");
  });
}());
