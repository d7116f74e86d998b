/* The grid map (Leaflet): grid boundaries coloured by their most serious open case, drawn on a
 * plain background unless a tile server is configured (an intranet has none). Selecting a grid
 * loads its open cases into #grid-cases. Data comes from #map-data and #map-config (JSON, no
 * inline script). */
(function () {
  "use strict";

  var element = document.getElementById("grid-map");
  var dataNode = document.getElementById("map-data");
  var configNode = document.getElementById("map-config");
  if (!element || !dataNode || !configNode || !window.L) {
    return;
  }
  var data = JSON.parse(dataNode.textContent);
  var config = JSON.parse(configNode.textContent);
  var colours = data.colours;
  var labels = config.labels || {};

  var map = window.L.map(element, {
    minZoom: 3,
    maxZoom: 19,
    zoomSnap: 0.25,
    attributionControl: Boolean(config.tile_url),
  });
  if (config.tile_url) {
    window.L.tileLayer(config.tile_url, {
      maxZoom: 19,
      attribution: config.tile_attribution || "",
    }).addTo(map);
  }

  // Station and village outlines sit above the grids' fills and never take a click.
  map.createPane("outlines");
  map.getPane("outlines").style.zIndex = 450;
  map.getPane("outlines").style.pointerEvents = "none";
  var outlines = window.L.geoJSON(data.outlines, {
    pane: "outlines",
    interactive: false,
    style: function () {
      return { color: "#212529", weight: 2.5, dashArray: "8 5", fill: false };
    },
  }).addTo(map);

  function styleFor(feature, selected) {
    var level = feature.properties.worst_level;
    return {
      color: selected ? "#0d6efd" : "#6c757d",
      weight: selected ? 3 : 0.75,
      fillColor: colours[level] || colours.none,
      fillOpacity: level === "none" ? 0.2 : 0.75,
    };
  }

  function describe(p) {
    var parts = [p.name];
    if (p.open_total) {
      parts.push(
        labels.open + " " + p.open_total + " (" +
        [["red", p.open_red], ["orange", p.open_orange], ["yellow", p.open_yellow]]
          .filter(function (pair) { return pair[1]; })
          .map(function (pair) { return labels[pair[0]] + " " + pair[1]; })
          .join(", ") + ")"
      );
    }
    return parts.join(" · ");
  }

  function loadCases(url) {
    var target = document.getElementById("grid-cases");
    if (window.htmx) {
      window.htmx.ajax("GET", url, { target: target, swap: "innerHTML" });
      return;
    }
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) { target.innerHTML = html; });
  }

  var selected = null;
  var grids = window.L.geoJSON(data.grids, {
    style: function (feature) { return styleFor(feature, false); },
    onEachFeature: function (feature, layer) {
      layer.bindTooltip(describe(feature.properties), { sticky: true });
      layer.on("click", function () {
        if (selected) {
          selected.setStyle(styleFor(selected.feature, false));
        }
        selected = layer;
        layer.setStyle(styleFor(feature, true));
        layer.bringToFront();
        loadCases(feature.properties.cases_url);
      });
      layer.on("add", function () {
        var path = layer.getElement && layer.getElement();
        if (path) {
          path.setAttribute("data-grid", feature.properties.code);
          path.setAttribute("data-level", feature.properties.worst_level);
        }
      });
    },
  }).addTo(map);

  var bounds = grids.getBounds();
  if (!bounds.isValid()) {
    bounds = outlines.getBounds();
  }
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [12, 12] });
  } else {
    map.setView([34.0, 114.0], 8);
  }

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () { map.invalidateSize(); }, 100);
  });
})();
