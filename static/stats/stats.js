// Draws the dashboard's charts with ECharts from the JSON the page embeds (json_script, no inline script).
// Every chart is also a table on the page: without this script or ECharts the tables stay, open.
(function () {
  "use strict";
  var source = document.getElementById("stats-charts");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var narrow = window.matchMedia("(max-width: 40rem)").matches;
  var drawn = [];

  function seriesOf(chart) {
    return chart.series.map(function (index) {
      var onRight = chart.y2.indexOf(index) !== -1;
      return {
        name: chart.columns[index],
        type: chart.type === "line" ? "line" : "bar",
        yAxisIndex: onRight ? 1 : 0,
        data: chart.rows.map(function (row) { return row[index]; })
      };
    });
  }

  function options(chart) {
    var labels = chart.rows.map(function (row) { return String(row[0]); });
    if (chart.type === "pie") {
      return {
        tooltip: { trigger: "item" },
        legend: { type: "scroll", bottom: 0 },
        // On a phone the slices' labels would be cut: the legend names them.
        series: [{ type: "pie", radius: narrow ? "55%" : "65%", label: { show: !narrow }, data: chart.rows.map(function (row) {
          return { name: String(row[0]), value: row[1] };
        }) }]
      };
    }
    if (chart.type === "map") {
      // Stations by position (longitude, latitude), the dot's size by visits: no tiles needed.
      var most = Math.max.apply(null, chart.rows.map(function (row) { return row[4]; }).concat([1]));
      return {
        tooltip: { formatter: function (p) { return p.data[2] + ": " + p.data[3]; } },
        xAxis: { type: "value", scale: true, name: chart.columns[2] },
        yAxis: { type: "value", scale: true, name: chart.columns[3] },
        series: [{ type: "scatter", data: chart.rows.map(function (row) { return [row[2], row[3], row[0], row[4]]; }),
                   symbolSize: function (value) { return 6 + 24 * Math.sqrt(value[3] / most); } }]
      };
    }
    var axes = [{ type: "value" }];
    if (chart.y2.length) { axes.push({ type: "value", splitLine: { show: false } }); }
    return {
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 8, right: 8, top: 24, bottom: 64, containLabel: true },
      xAxis: { type: "category", data: labels, axisLabel: { rotate: narrow && labels.length > 4 ? 40 : 0, hideOverlap: true } },
      yAxis: axes,
      series: seriesOf(chart)
    };
  }

  function draw(chart, element) {
    element.hidden = false;
    var instance = window.echarts.init(element, null, { renderer: "canvas" });
    instance.setOption(options(chart));
    drawn.push(instance);
  }

  // The stations' visits on the finder's map tiles, a circle per station sized by its visits. Tiles that do not
  // come (a blocked or unreachable tile server): the map gives way to the chart by position.
  function visitsMap(chart, element) {
    var holder = document.getElementById("stats-visits-map");
    var markers = data.visit_markers || [];
    if (!holder || typeof L === "undefined" || !markers.length) { return false; }
    holder.hidden = false;
    var note = document.getElementById("stats-visits-map-note");
    if (note) { note.hidden = false; }  // the page says which server the map's pictures come from
    var map = L.map(holder, { scrollWheelZoom: false });
    map.attributionControl.setPrefix("Leaflet");
    var layer = L.tileLayer(holder.getAttribute("data-tile-url"), {
      maxZoom: 18, subdomains: holder.getAttribute("data-subdomains") || "abc",
      attribution: holder.getAttribute("data-attribution")
    }).addTo(map);
    var loaded = 0, failed = 0;
    layer.on("tileload", function () { loaded += 1; });
    layer.on("tileerror", function () {
      failed += 1;
      if (failed >= 4 && loaded === 0 && !holder.hidden) {
        map.remove();
        holder.hidden = true;
        if (note) { note.hidden = true; }
        draw(chart, element);
      }
    });
    var most = Math.max.apply(null, markers.map(function (m) { return m[3]; }).concat([1]));
    markers.forEach(function (m) {
      L.circleMarker([m[0], m[1]], { radius: 4 + 10 * Math.sqrt(m[3] / most), color: "#b3261e", weight: 1,
                                     fillOpacity: 0.5 })
        .bindTooltip(m[2] + ": " + m[3]).addTo(map);
    });
    map.fitBounds(markers.map(function (m) { return [m[0], m[1]]; }), { padding: [24, 24], maxZoom: 15 });
    element.hidden = true;
    return true;
  }

  data.charts.forEach(function (chart) {
    var element = document.getElementById("chart-" + chart.id);
    if (!element || !chart.rows.length) { return; }
    if (!(chart.type === "map" && visitsMap(chart, element))) { draw(chart, element); }
    // The chart is drawn: its table folds away, one tap to open it again.
    var table = element.nextElementSibling;
    if (table && table.tagName === "DETAILS") { table.open = false; }
  });
  window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
})();
