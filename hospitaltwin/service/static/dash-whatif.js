/* What-if: the form becomes a policy (the keys of a policy file), sent to /api/v1/whatif; the
 * job is followed to its end with a progress indicator; the answer comes as sentences first
 * (/dash/whatif/JOB), then charts side by side, then the table (KPIs that changed in no replication left out). The policy can be downloaded
 * as a YAML policy file. */
(function () {
  "use strict";
  var form = document.getElementById("whatif");
  var FONT = {family: "system-ui, sans-serif", size: 13};
  var LABELS = {p_full: "time at staffed capacity", mean_wait_h: "mean wait (h)", boarding_h_per_day: "boarding (h/day)",
                diverted_fraction: "diverted", over_ratio_h: "hours over staff ratio", mean_census: "mean census",
                mean_staffed_beds: "staffed beds", unmet_fraction: "unmet device episodes", diverted_per_day: "diverted per day"};
  var FRACTIONS = {p_full: 1, diverted_fraction: 1, unmet_fraction: 1};

  form.addEventListener("click", function (e) {
    var step = e.target.getAttribute("data-step");
    if (!step) { return; }
    var input = document.getElementById(e.target.getAttribute("data-for"));
    var next = (+input.value || 0) + (+step);
    if (next >= +input.min) { input.value = next; }
    input.dispatchEvent(new Event("change"));
  });

  document.getElementById("add-closure").addEventListener("click", function () {
    var row = document.getElementById("closure-row").content.cloneNode(true);
    document.getElementById("closures").appendChild(row);
  });

  function policy() {
    var changes = {beds: [], staff: [], demand: []};
    form.querySelectorAll("input[data-unit]").forEach(function (i) {
      var add = Math.round(+i.value || 0);
      if (add) { changes.beds.push({unit: i.getAttribute("data-unit"), add: add}); }
    });
    form.querySelectorAll("#closures .closure").forEach(function (row) {
      changes.beds.push({unit: row.querySelector("[name=close-unit]").value, beds: 0,
                         from: (+row.querySelector("[name=close-from]").value) + "d",
                         until: (+row.querySelector("[name=close-until]").value) + "d"});
    });
    form.querySelectorAll("input[data-group]").forEach(function (i) {
      var scale = +i.value;
      if (!isNaN(scale) && scale !== 1) { changes.staff.push({group: i.getAttribute("data-group"), scale: scale}); }
    });
    var mult = +document.getElementById("demand-mult").value;
    if (!isNaN(mult) && mult !== 1) { changes.demand.push({multiplier: mult}); }
    if (document.getElementById("surge-on").checked) {
      changes.demand.push({surge: {peak: +document.getElementById("surge-peak").value,
                                   at: (+document.getElementById("surge-at").value) + "d",
                                   sd: (+document.getElementById("surge-sd").value) + "d"}});
    }
    Object.keys(changes).forEach(function (k) { if (!changes[k].length) { delete changes[k]; } });
    var name = document.getElementById("policy-name").value.trim() || "what-if";
    return {name: name, description: "Made with the hospitaltwin dashboard", changes: changes};
  }

  document.getElementById("download-policy").addEventListener("click", function () {
    var f = document.getElementById("policy-form");
    f.querySelector("[name=csrf]").value = HT.csrf();
    f.querySelector("[name=policy]").value = JSON.stringify(policy());
    f.submit();
  });

  function progress(text, running) {
    var box = document.getElementById("progress");
    box.hidden = false;
    box.classList.toggle("running", !!running);
    document.getElementById("progress-text").textContent = text;
  }

  function follow(job, started) {
    return HT.getJSON("/api/v1/jobs/" + job).then(function (j) {
      var s = Math.round((Date.now() - started) / 1000);
      if (j.state === "done") { return j; }
      if (j.state === "failed") { throw new Error(j.error || "the what-if failed"); }
      progress((j.state === "queued" ? "Waiting for a worker… " : "Simulating both runs on the same patients… ") + s + " s", true);
      return new Promise(function (ok) { window.setTimeout(ok, 1000); }).then(function () { return follow(job, started); });
    });
  }

  function bars(id, rows, kpi) {
    var mine = rows.filter(function (r) { return r.kpi === kpi && r.scope === "unit" &&
      (Math.abs(r.diff_mean || 0) > 1e-9 || (r.baseline_mean || 0) > 0.01); });
    var k = FRACTIONS[kpi] ? 100 : 1;
    var x = mine.map(function (r) { return r.name; });
    var val = function (f) { return mine.map(function (r) { return r[f] === null ? null : k * r[f]; }); };
    Plotly.newPlot(id, [
      {type: "bar", name: "today", x: x, y: val("baseline_mean"), marker: {color: "#8c959f"}},
      {type: "bar", name: "what-if", x: x, y: val("policy_mean"), marker: {color: "#1f6feb"}}
    ], {barmode: "group", margin: {l: 45, r: 10, t: 10, b: 80}, font: FONT, height: 340,
        legend: {orientation: "h", y: 1.12}, yaxis: {rangemode: "tozero", ticksuffix: k === 100 ? "%" : ""}},
    {displayModeBar: false, responsive: true});
  }

  function cell(kpi, v, signed) {
    if (v === null || v === undefined) { return "–"; }
    var x = FRACTIONS[kpi] ? 100 * v : v;
    var text = Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(1) : x.toFixed(2);
    return (signed && x > 0 ? "+" : "") + text + (FRACTIONS[kpi] ? (signed ? " pts" : "%") : "");
  }

  function table(rows) {
    var t = document.getElementById("answer-table");
    t.textContent = "";
    var head = HT.el("tr");
    ["resource", "KPI", "today", "what-if", "difference [95% CI]", "better"].forEach(function (h) { head.appendChild(HT.el("th", {}, h)); });
    t.appendChild(head);
    rows.filter(function (r) { return r.diff_mean || r.diff_lo || r.diff_hi; }).forEach(function (r) {
      var tr = HT.el("tr", {"class": "better-" + r.better});
      [r.name, LABELS[r.kpi] || r.kpi, cell(r.kpi, r.baseline_mean), cell(r.kpi, r.policy_mean),
       cell(r.kpi, r.diff_mean, true) + " [" + cell(r.kpi, r.diff_lo, true) + ", " + cell(r.kpi, r.diff_hi, true) + "]",
       r.better === "none" ? "–" : r.better === "policy" ? "what-if" : "today"].forEach(function (v) { tr.appendChild(HT.el("td", {}, v)); });
      t.appendChild(tr);
    });
  }

  function show(answer) {
    var list = function (id, items) {
      var ul = document.getElementById(id);
      ul.textContent = "";
      (items.length ? items : ["Nothing held the change back that the KPIs show."]).forEach(function (s) { ul.appendChild(HT.el("li", {}, s)); });
    };
    document.getElementById("answer").hidden = false;
    list("changes", answer.changes);
    list("limits", answer.limits);
    bars("chart-pfull", answer.rows, "p_full");
    bars("chart-wait", answer.rows, "mean_wait_h");
    table(answer.rows);
    progress("Done: " + answer.replications + " replications on common random numbers (seed " + answer.seed +
             ", start " + (answer.start === "empty" ? "empty" : "from the state at " + HT.when(answer.start)) + ").", false);
    document.getElementById("answer").scrollIntoView({behavior: "smooth"});
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var button = document.getElementById("run-whatif");
    button.disabled = true;
    document.getElementById("answer").hidden = true;
    progress("Sending…", true);
    var started = Date.now();
    HT.postJSON("/api/v1/whatif", {policy: policy(), replications: +document.getElementById("reps").value,
                                   horizon: (+document.getElementById("days").value) + "d",
                                   start: document.getElementById("start").value})
      .then(function (job) { return follow(job.job, started); })
      .then(function (j) { return HT.getJSON("/dash/whatif/" + j.id); })
      .then(show)
      .catch(function (err) { progress("The what-if did not run: " + err.message, false); })
      .then(function () { button.disabled = false; });
  });
}());
