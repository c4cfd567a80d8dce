// 效能监督: the trend and department charts (Apache ECharts, vendored in static/vendor/echarts).
// The same numbers are in the tables below each chart.
(function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var labels = data.labels;
  // No animation for a reader who asked for less motion (WCAG 2.3.3); the page's own CJK font on the
  // canvas, which does not inherit the CSS one (ECharts' default "sans-serif" may pick a font without
  // Chinese glyphs).
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var common = {
    animation: !still,
    textStyle: { fontFamily: getComputedStyle(document.body).fontFamily }
  };
  var charts = [];
  function draw(box, option) {
    var chart = echarts.init(box);
    chart.setOption(Object.assign({}, common, option));
    charts.push(chart);
  }
  var trendBox = document.getElementById("trend-chart");
  if (trendBox && data.trend.length) {
    draw(trendBox, {
      tooltip: { trigger: "axis" },
      legend: { data: [labels.concluded, labels.good_rate] },
      xAxis: { type: "category", data: data.trend.map(function (r) { return r.month; }) },
      // Counts are whole numbers: no "0.5" ticks. A bar stays a bar when there is one month only, and
      // the rate's point shows without a line to draw.
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100 }],
      series: [
        { name: labels.concluded, type: "bar", barMaxWidth: 48, data: data.trend.map(function (r) { return r.concluded; }) },
        { name: labels.good_rate, type: "line", yAxisIndex: 1, symbolSize: 8, data: data.trend.map(function (r) { return r.good_rate; }) }
      ]
    });
  }
  var departmentBox = document.getElementById("department-chart");
  if (departmentBox && data.departments.length) {
    draw(departmentBox, {
      tooltip: { trigger: "axis" },
      legend: { data: [labels.given, labels.negative] },
      grid: { containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.departments.map(function (r) { return r.department; }) },
      series: [
        { name: labels.given, type: "bar", barMaxWidth: 24, data: data.departments.map(function (r) { return r.given; }) },
        { name: labels.negative, type: "bar", barMaxWidth: 24, data: data.departments.map(function (r) { return r.negative; }) }
      ]
    });
  }
  // A phone turned sideways, a window made narrower: the canvas follows its box.
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
