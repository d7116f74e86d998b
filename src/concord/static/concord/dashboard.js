/* The dashboard's charts (ECharts), drawn from the numbers the page embeds as JSON
 * (#dashboard-data). No inline script: the page only carries data, so a strict
 * Content-Security-Policy can forbid inline scripts. */
(function () {
  "use strict";

  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var wall = document.querySelector(".dashboard-wall") !== null;
  var labels = data.labels || {};
  var colour = {};
  var levelLabel = {};
  data.levels.forEach(function (level) {
    colour[level.code] = level.colour;
    levelLabel[level.code] = level.label;
  });
  var LEVELS = data.levels.map(function (level) { return level.code; });
  var font = getComputedStyle(document.body).fontFamily;
  var fontSize = wall ? 16 : 12;
  var narrow = window.matchMedia("(max-width: 575.98px)");

  function base() {
    return {
      backgroundColor: "transparent",
      textStyle: { fontFamily: font, fontSize: fontSize },
      animation: !wall,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      legend: { top: 0, textStyle: { fontSize: fontSize } },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    };
  }

  function emptyNote(total) {
    return total
      ? []
      : [{
          type: "text",
          left: "center",
          top: "middle",
          style: { text: labels.no_data, fontSize: fontSize + 2, fill: "#888" },
        }];
  }

  function levelSeries(rows, type, extra) {
    return LEVELS.map(function (level) {
      return Object.assign(
        {
          name: levelLabel[level],
          type: type,
          stack: "levels",
          itemStyle: { color: colour[level] },
          emphasis: { focus: "series" },
          data: rows.map(function (row) { return row[level]; }),
        },
        extra || {}
      );
    });
  }

  var builders = {
    levels: function () {
      var options = base();
      options.tooltip = { trigger: "item", confine: true };
      options.graphic = emptyNote(data.open_total);
      options.title = data.open_total
        ? {
            text: String(data.open_total),
            subtext: labels.open,
            left: "center",
            top: "center",
            textStyle: { fontSize: wall ? 40 : 26, fontWeight: "bold" },
            subtextStyle: { fontSize: fontSize },
          }
        : undefined;
      options.series = [{
        name: labels.open,
        type: "pie",
        radius: ["48%", "72%"],
        center: ["50%", "55%"],
        // On a phone the legend names the levels and the slices carry their counts.
        label: narrow.matches
          ? { position: "inside", formatter: "{c}", fontSize: fontSize, color: "#fff" }
          : { formatter: "{b}\n{c}", fontSize: fontSize },
        labelLine: { show: !narrow.matches },
        data: LEVELS.filter(function (level) { return data.open_by_level[level]; }).map(
          function (level) {
            return {
              name: levelLabel[level],
              value: data.open_by_level[level],
              itemStyle: { color: colour[level] },
            };
          }
        ),
      }];
      return options;
    },

    categories: function () {
      var rows = data.open_by_category.slice().reverse();
      var options = base();
      options.graphic = emptyNote(rows.length);
      options.xAxis = { type: "value", minInterval: 1 };
      options.yAxis = { type: "category", data: rows.map(function (row) { return row.label; }) };
      options.series = levelSeries(rows, "bar", { barMaxWidth: 22 });
      return options;
    },

    trend: function () {
      var rows = data.week_labels.map(function (_, i) {
        var row = {};
        LEVELS.forEach(function (level) { row[level] = data.trend[level][i]; });
        return row;
      });
      var options = base();
      options.xAxis = { type: "category", data: data.week_labels };
      options.yAxis = { type: "value", minInterval: 1 };
      options.series = levelSeries(rows, "bar", { barMaxWidth: 28 });
      return options;
    },

    clearance: function () {
      var options = base();
      options.tooltip = { trigger: "axis", confine: true };
      options.xAxis = { type: "category", boundaryGap: false, data: data.week_labels };
      options.yAxis = { type: "value", minInterval: 1, min: 0 };
      options.series = [
        {
          name: labels.red_orange,
          type: "line",
          data: data.clearance.total,
          symbolSize: wall ? 10 : 6,
          lineStyle: { width: wall ? 4 : 3, color: colour.orange },
          itemStyle: { color: colour.orange },
          areaStyle: { opacity: 0.15, color: colour.orange },
          label: {
            show: true,
            position: "top",
            fontSize: fontSize,
            formatter: function (p) { return p.value ? String(p.value) : ""; },
          },
          markLine: {
            silent: true,
            symbol: "none",
            lineStyle: { type: "dashed", color: "#2b8a3e", width: 2 },
            label: { formatter: labels.target, position: "insideEndTop", color: "#2b8a3e" },
            data: [{ yAxis: 0 }],
          },
        },
        {
          name: levelLabel.red,
          type: "line",
          data: data.clearance.red,
          symbolSize: wall ? 8 : 5,
          lineStyle: { width: 2, color: colour.red },
          itemStyle: { color: colour.red },
        },
      ];
      return options;
    },

    units: function () {
      var rows = data.top_units.slice().reverse();
      var options = base();
      options.graphic = emptyNote(rows.length);
      options.xAxis = { type: "value", minInterval: 1 };
      options.yAxis = {
        type: "category",
        data: rows.map(function (row) { return row.name; }),
        axisLabel: { width: narrow.matches ? 96 : 160, overflow: "truncate" },
      };
      options.series = levelSeries(rows, "bar", { barMaxWidth: 22, cursor: "pointer" }).filter(
        function (series) { return series.name !== levelLabel.yellow; }
      );
      return options;
    },
  };

  // Axis labels do not follow textStyle: size them for the screen (large on the wall).
  function withAxisFont(options) {
    ["xAxis", "yAxis"].forEach(function (key) {
      if (options[key]) {
        options[key].axisLabel = Object.assign({ fontSize: fontSize }, options[key].axisLabel);
      }
    });
    return options;
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var build = builders[el.dataset.chart];
    if (!build) {
      return;
    }
    var chart = window.echarts.init(el, wall ? "dark" : null, { renderer: "canvas" });
    chart.setOption(withAxisFont(build()));
    if (el.dataset.chart === "units") {
      // A bar drills down to that unit's own dashboard.
      chart.on("click", function (params) {
        var rows = data.top_units.slice().reverse();
        var row = rows[params.dataIndex];
        if (row && row.url) {
          window.location.assign(row.url + (wall ? "&wall=1" : ""));
        }
      });
    }
    charts.push(chart);
  });

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      charts.forEach(function (chart) { chart.resize(); });
    }, 100);
  });
})();
