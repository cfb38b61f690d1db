/* hospitaltwin patient-flow player.
 *
 * Draws one replication as patients moving between units: each unit a box of bed squares
 * with a waiting strip below it; a dot per patient (blue in a bed, orange boarding: ready to
 * leave but holding the bed, vermillion waiting for a bed). A clock, play / pause, a speed
 * and a time slider drive it. The scene comes from hospitaltwin.report.flow_frames: inline in
 * <script id="flow-data" type="application/json"> (the offline file that `hospitaltwin
 * animate` writes) or fetched from the element's data-src (the dashboard). Uses Plotly only.
 */
(function () {
  "use strict";
  var COLOURS = ["#D55E00", "#0072B2", "#E69F00"]; // waiting, in a bed, boarding
  var STATES = ["waiting for a bed", "in a bed", "boarding (ready to leave, holding the bed)"];
  var SPEEDS = [[1, "1 hour a second"], [4, "4 hours a second"], [12, "12 hours a second"],
                [24, "1 day a second"], [72, "3 days a second"]];
  var TICK_MS = 250;
  var DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function clockText(scene, h) {
    var origin = scene.clock && scene.clock.origin;
    var day = Math.floor((h - scene.start_h) / 24) + 1;
    if (!origin) { return "hour " + h.toFixed(1) + " · day " + day; }
    var p = origin.match(/^(\d+)-(\d+)-(\d+)T(\d+):(\d+)/);
    var ms = Date.UTC(+p[1], +p[2] - 1, +p[3], +p[4], +p[5]) + h * 3600000;
    var d = new Date(ms);
    return DAYS[d.getUTCDay()] + " " + d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" +
      pad(d.getUTCDate()) + " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) +
      " · day " + day + (scene.clock.timezone ? " (" + scene.clock.timezone + ")" : "");
  }

  function Player(root, scene) {
    this.root = root;
    this.scene = scene;
    this.t = scene.start_h;
    this.speed = 4;
    this.timer = null;
    this.build();
    this.draw(false);
  }

  Player.prototype.build = function () {
    var self = this, scene = this.scene;
    var bar = el("div", {"class": "flow-controls"});
    this.play = el("button", {type: "button", "class": "flow-play", "aria-label": "Play"}, "Play");
    this.pause = el("button", {type: "button", "class": "flow-pause", "aria-label": "Pause"}, "Pause");
    var speed = el("select", {"class": "flow-speed", "aria-label": "Speed"});
    SPEEDS.forEach(function (s) {
      var option = el("option", {value: String(s[0])}, s[1]);
      if (s[0] === self.speed) { option.selected = true; }
      speed.appendChild(option);
    });
    this.slider = el("input", {type: "range", "class": "flow-slider", "aria-label": "Time",
                               min: String(scene.start_h), max: String(scene.end_h), step: "0.25",
                               value: String(scene.start_h)});
    this.clock = el("output", {"class": "flow-clock", "aria-live": "off"});
    [this.play, this.pause, speed, this.slider].forEach(function (n) { bar.appendChild(n); });
    var legend = el("div", {"class": "flow-legend"});
    STATES.forEach(function (label, k) {
      var key = el("span", {"class": "flow-key flow-key-" + k}, "\u25CF ");
      legend.appendChild(key);
      legend.appendChild(document.createTextNode(label + "  "));
    });
    this.plot = el("div", {"class": "flow-plot"});
    [this.clock, bar, legend, this.plot].forEach(function (n) { self.root.appendChild(n); });
    this.play.addEventListener("click", function () { self.start(); });
    this.pause.addEventListener("click", function () { self.stop(); });
    speed.addEventListener("change", function () { self.speed = +speed.value; });
    this.slider.addEventListener("input", function () { self.t = +self.slider.value; self.draw(false); });
    window.addEventListener("resize", function () { self.resize(); });
    this.root.setAttribute("data-state", "paused");
    this.newPlot();
  };

  Player.prototype.layoutBoxes = function () {
    var scene = this.scene, width = this.plot.clientWidth || 800;
    var columns = Math.max(1, Math.min(8, Math.floor(width / 170)));
    var heights = [], gap = 1.5;
    for (var c = 0; c < columns; c += 1) { heights.push(0); }
    scene.units.forEach(function (box) {
      var col = heights.indexOf(Math.min.apply(null, heights));
      box.x = col * (scene.box_columns + gap);
      box.y = heights[col] + 1.6;
      heights[col] += 1.6 + box.rows + 0.4 + scene.queue_rows + gap;
    });
  };

  Player.prototype.place = function (u, k, s) {
    var box = this.scene.units[u], cols = this.scene.box_columns;
    var y0 = k === 0 ? box.y + box.rows + 0.4 : box.y;
    return [box.x + (s % cols) + 0.5, y0 + Math.floor(s / cols) + 0.5];
  };

  Player.prototype.extent = function () {
    var w = 0, h = 0, scene = this.scene;
    scene.units.forEach(function (b) {
      w = Math.max(w, b.x + scene.box_columns);
      h = Math.max(h, b.y + b.rows + 0.4 + scene.queue_rows);
    });
    return [w, h];
  };

  Player.prototype.dotSize = function () {
    var width = this.plot.clientWidth || 800;
    return Math.max(3, Math.min(14, 0.8 * width / (this.extent()[0] + 1)));
  };

  Player.prototype.newPlot = function () {
    var self = this, scene = this.scene, bx = [], by = [], shapes = [];
    this.layoutBoxes();
    scene.units.forEach(function (b, u) {
      for (var s = 0; s < b.size; s += 1) {
        var at = self.place(u, 1, s);
        bx.push(at[0]); by.push(at[1]);
      }
      shapes.push({type: "rect", x0: b.x, x1: b.x + scene.box_columns, y0: b.y,
                   y1: b.y + b.rows, line: {color: "#8c959f", width: 1}});
      shapes.push({type: "rect", x0: b.x, x1: b.x + scene.box_columns, y0: b.y + b.rows + 0.4,
                   y1: b.y + b.rows + 0.4 + scene.queue_rows,
                   line: {color: "#d0d7de", width: 1, dash: "dot"}});
    });
    var size = this.dotSize(), ext = this.extent();
    var height = Math.max(240, Math.min(3000, (this.plot.clientWidth || 800) * (ext[1] + 2) / (ext[0] + 1)));
    var layout = {margin: {l: 4, r: 4, t: 4, b: 4}, height: height, showlegend: false,
                  hovermode: "closest", plot_bgcolor: "#ffffff", paper_bgcolor: "#ffffff",
                  xaxis: {visible: false, range: [-0.5, ext[0] + 0.5], fixedrange: true},
                  yaxis: {visible: false, range: [ext[1] + 0.5, -1.5], fixedrange: true},
                  shapes: shapes, font: {family: "system-ui, sans-serif"}};
    var frame = this.frame();
    var data = [
      {type: "scatter", mode: "markers", x: bx, y: by, hoverinfo: "skip",
       marker: {symbol: "square", size: size, color: "#eef1f4"}},
      {type: "scatter", mode: "markers", x: frame.x, y: frame.y, ids: frame.ids, text: frame.text,
       hovertemplate: "%{text}<extra></extra>", marker: {size: size * 0.8, color: frame.colour}},
      {type: "scatter", mode: "text", x: frame.lx, y: frame.ly, text: frame.labels,
       textposition: "top right", hoverinfo: "skip", textfont: {size: 12, color: "#1d2733"}}
    ];
    this.ready = Plotly.newPlot(this.plot, data, layout, {displayModeBar: false, responsive: false,
                                                         staticPlot: false});
    this.showClock();
  };

  Player.prototype.resize = function () {
    var self = this;
    window.clearTimeout(this.resizing);
    this.resizing = window.setTimeout(function () { Plotly.purge(self.plot); self.newPlot(); }, 200);
  };

  Player.prototype.frame = function () {
    var sg = this.scene.segments, t = this.t, out = {x: [], y: [], ids: [], colour: [], text: []};
    var units = this.scene.units, held = units.map(function () { return 0; });
    var waiting = units.map(function () { return 0; });
    var shown = this.scene.box_columns * this.scene.queue_rows;
    for (var i = 0; i < sg.p.length; i += 1) {
      if (sg.t0[i] > t || sg.t1[i] <= t) { continue; }
      var u = sg.u[i], k = sg.k[i], s = sg.s[i];
      if (k === 0) { waiting[u] += 1; if (s >= shown) { continue; } } else { held[u] += 1; }
      var at = this.place(u, k, s);
      out.x.push(at[0]); out.y.push(at[1]); out.ids.push(String(sg.p[i]));
      out.colour.push(COLOURS[k]);
      out.text.push("patient " + sg.p[i] + ": " + STATES[k] + " · " + units[u].id);
    }
    var hour = Math.floor(t - this.scene.start_h);
    out.lx = []; out.ly = []; out.labels = [];
    units.forEach(function (b, u) {
      var cap = b.capacity, staffed = cap && cap.staffed ? cap.staffed[Math.min(hour, cap.staffed.length - 1)] : null;
      var label = "<b>" + b.id + "</b> " + held[u] + "/" + (staffed !== null && staffed !== undefined ? Math.round(staffed) : b.beds);
      if (waiting[u]) { label += " · " + waiting[u] + " waiting"; }
      out.lx.push(b.x); out.ly.push(b.y - 0.2); out.labels.push(label);
    });
    this.counts = {held: held, waiting: waiting};
    return out;
  };

  Player.prototype.showClock = function () {
    this.clock.textContent = clockText(this.scene, this.t);
    this.slider.value = String(this.t);
    this.root.setAttribute("data-time", this.t.toFixed(2));
  };

  Player.prototype.draw = function (smooth) {
    var self = this;
    if (!this.ready) { return; }
    var f = this.frame();
    this.showClock();
    var update = {data: [{x: f.x, y: f.y, ids: f.ids, text: f.text, "marker.color": f.colour},
                         {text: f.labels}], traces: [1, 2]};
    if (smooth) {
      Plotly.animate(this.plot, update, {transition: {duration: TICK_MS * 0.9, easing: "linear"},
                                         frame: {duration: TICK_MS, redraw: false},
                                         mode: "immediate"});
    } else {
      Plotly.react(this.plot, [self.plot.data[0],
        Object.assign({}, self.plot.data[1], {x: f.x, y: f.y, ids: f.ids, text: f.text,
                                              marker: Object.assign({}, self.plot.data[1].marker, {color: f.colour})}),
        Object.assign({}, self.plot.data[2], {text: f.labels})], self.plot.layout);
    }
  };

  Player.prototype.start = function () {
    var self = this;
    if (this.timer) { return; }
    if (this.t >= this.scene.end_h) { this.t = this.scene.start_h; }
    this.root.setAttribute("data-state", "playing");
    this.timer = window.setInterval(function () {
      self.t = Math.min(self.scene.end_h, self.t + self.speed * TICK_MS / 1000);
      self.draw(true);
      if (self.t >= self.scene.end_h) { self.stop(); }
    }, TICK_MS);
  };

  Player.prototype.stop = function () {
    if (this.timer) { window.clearInterval(this.timer); }
    this.timer = null;
    this.root.setAttribute("data-state", "paused");
  };

  function boot(root) {
    var inline = document.getElementById("flow-data");
    if (inline) {
      root.player = new Player(root, JSON.parse(inline.textContent));
      return;
    }
    var src = root.getAttribute("data-src");
    root.setAttribute("data-state", "loading");
    fetch(src, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { return r.json().then(function (b) { throw new Error(b.error || r.statusText); }); }
      return r.json();
    }).then(function (scene) {
      root.textContent = "";
      root.player = new Player(root, scene);
    }).catch(function (e) {
      root.setAttribute("data-state", "failed");
      root.textContent = "The animation could not be loaded: " + e.message;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("flow");
    if (root) { boot(root); }
  });
}());
