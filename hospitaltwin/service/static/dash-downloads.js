/* Downloads: the latest forecast's PDF report, PNG figures, forecast CSV and Excel workbook. */
(function () {
  "use strict";
  var list = document.getElementById("downloads");
  HT.getJSON("/api/v1/forecasts/latest").then(function (fc) {
    list.textContent = "";
    [["/dash/files/" + fc.id + "/report.pdf", "PDF report", "the planners' report of this forecast"],
     ["/dash/files/" + fc.id + "/figures.zip", "PNG figures", "every chart of the report, 1920 × 1080, zipped"],
     [fc.files["forecast.csv"], "Forecast CSV", "hourly quantiles and risks per resource (forecast.csv)"],
     ["/dash/files/" + fc.id + "/workbook.xlsx", "Excel workbook", "every table, units in the headers"]
    ].forEach(function (d) {
      var li = HT.el("li");
      li.appendChild(HT.el("a", {href: d[0], download: "", "class": "button"}, d[1]));
      li.appendChild(HT.el("span", {"class": "muted"}, " " + d[2]));
      list.appendChild(li);
    });
    list.appendChild(HT.el("li", {"class": "muted"}, "Forecast " + fc.id + ", from the state at " + HT.when(fc.as_of) + "."));
  }).catch(function (e) {
    list.textContent = "";
    list.appendChild(HT.el("li", {}, e.status === 404 ? "No forecast has finished yet." : "Could not load: " + e.message));
  });
}());
