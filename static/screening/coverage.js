// Coverage board charts: key persons by clear state per child place (stacked bars) and by category (pie).
(function () {
  var node = document.getElementById("coverage-chart");
  if (!node || !window.echarts) return;
  var data = JSON.parse(node.textContent);
  var bars = echarts.init(document.getElementById("chart-states"));
  bars.setOption({
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 40, right: 10, bottom: 60, top: 40 },
    xAxis: { type: "category", data: data.places, axisLabel: { rotate: 30, interval: 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: data.states.map(function (name, i) {
      return { name: name, type: "bar", stack: "state", data: data.series[i] };
    }),
  });
  var pie = echarts.init(document.getElementById("chart-categories"));
  pie.setOption({
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"], data: data.categories, label: { formatter: "{b}: {c}" } }],
  });
  window.addEventListener("resize", function () { bars.resize(); pie.resize(); });
})();
