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

  data.charts.forEach(function (chart) {
    var element = document.getElementById("chart-" + chart.id);
    if (!element || !chart.rows.length) { return; }
    var instance = window.echarts.init(element, null, { renderer: "canvas" });
    instance.setOption(options(chart));
    drawn.push(instance);
    // The chart is drawn: its table folds away, one tap to open it again.
    var table = element.nextElementSibling;
    if (table && table.tagName === "DETAILS") { table.open = false; }
  });
  window.addEventListener("resize", function () { drawn.forEach(function (c) { c.resize(); }); });
})();
