/* Bar charts on Fangkong pages. A chart is a <div data-chart-source="ID"> whose data lives in
   <script type="application/json" id="ID"> (Django's json_script): {title, labels, values, seriesName}.
   Kept out of templates so the Content-Security-Policy can forbid inline scripts. */
(function () {
  "use strict";

  function readData(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function render(el) {
    if (typeof echarts === "undefined" || el.dataset.chartReady) { return; }
    var data = readData(el.dataset.chartSource);
    if (!data || !data.labels || data.labels.length === 0) { return; }
    el.dataset.chartReady = "1";
    // Long lists of places read better as horizontal bars on a phone.
    var horizontal = data.labels.length > 8;
    el.style.height = (horizontal ? Math.max(240, data.labels.length * 22 + 60) : 280) + "px";
    var chart = echarts.init(el, null, { renderer: "svg" });
    var categoryAxis = { type: "category", data: data.labels, axisLabel: { interval: 0, hideOverlap: true } };
    var valueAxis = { type: "value", minInterval: 1 };
    chart.setOption({
      title: { text: data.title, textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 16, bottom: 8, top: 36, containLabel: true },
      xAxis: horizontal ? valueAxis : Object.assign({}, categoryAxis, { axisLabel: { rotate: data.labels.length > 4 ? 30 : 0 } }),
      yAxis: horizontal ? Object.assign({}, categoryAxis, { inverse: true }) : valueAxis,
      series: [{ name: data.seriesName, type: "bar", data: data.values, itemStyle: { color: "#b3261e" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function renderAll(root) {
    (root || document).querySelectorAll("[data-chart-source]").forEach(render);
  }

  document.addEventListener("DOMContentLoaded", function () { renderAll(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { renderAll(evt.target); });
})();
