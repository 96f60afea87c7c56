/* Mimika Center wall: map style functions (read by dash-leaflet through {variable: "mimika.…"}), chart scaling,
 * the WIT clock, panel rotation, district spotlight and the scheduled soft reload.
 * No outside scripts: everything here runs from the dashboard's own assets. */
(function () {
  "use strict";
  var M = (window.mimika = window.mimika || {});
  var BASE_W = 1920, BASE_H = 1080;

  M.scale = function () {
    var s = Math.min(window.innerWidth / BASE_W, window.innerHeight / BASE_H);
    return Math.max(0.6, Math.min(s, 4));
  };

  // In rotation one group fills the wall (a chart is about twice as wide and tall): its text grows with it.
  var ROTATING_CHART_GAIN = 1.6;
  M.chartScale = function () {
    return M.scale() * (document.querySelector(".wall-rotating") ? ROTATING_CHART_GAIN : 1);
  };

  function classOf(hideout, code) {
    var cls = hideout ? hideout[code] : undefined;
    return typeof cls === "number" ? cls : -1;
  }

  // District polygons: colour from the class index the server put in hideout; -1 is "no data", never zero.
  // The district picked on the explorer (hideout.selected) gets a thick white outline.
  M.districtStyle = function (feature, context) {
    var h = (context && context.hideout) || {};
    var code = feature.properties && feature.properties.code;
    var cls = classOf(h, code);
    var s = M.scale();
    feature.__hideout = h;  // what the hover tooltip reads (districtTooltip): styles run again on every refresh
    var style;
    if (cls < 0) {
      style = { fillColor: h.nodata || "#5b6474", fillOpacity: 0.35, color: "#c9d1de", weight: 1.2 * s,
                dashArray: 4 * s + " " + 4 * s, opacity: 0.8 };
    } else {
      style = { fillColor: (h.colors || [])[cls], fillOpacity: 0.88, color: "#0b0f17", weight: 1.4 * s,
                opacity: 1, dashArray: null };
    }
    if (h.selected && h.selected === code) {
      style.color = "#ffffff"; style.weight = 4 * s; style.dashArray = null; style.opacity = 1;
    }
    return style;
  };

  // Explorer: a tooltip on hover with the district's name and its value of the measure shown, read when the
  // tooltip opens (so it follows every refresh), and the picked district drawn on top of its neighbours.
  M.districtTooltip = function (feature, layer) {
    var name = (feature.properties && feature.properties.name) || "";
    layer.bindTooltip(function () {
      var h = feature.__hideout || {};
      var code = feature.properties && feature.properties.code;
      var text = (h.texts && h.texts[code]) || h.nodata_text || "";
      var div = document.createElement("div");
      var strong = document.createElement("strong");
      strong.textContent = name;
      div.appendChild(strong);
      if (text) { div.appendChild(document.createElement("br")); div.appendChild(document.createTextNode(
        (h.measure_label ? h.measure_label + ": " : "") + text)); }
      return div;
    }, { sticky: true, direction: "top", className: "district-tooltip" });
    layer.on("add", function () {
      var h = feature.__hideout || {};
      if (h.selected && feature.properties && h.selected === feature.properties.code && layer.bringToFront) {
        layer.bringToFront();
      }
    });
  };

  // Wall: the district's name at its label point, under the clusters (shadow pane), sized with the screen.
  M.districtLabel = function (feature, latlng) {
    var s = M.scale();
    var name = (feature.properties && feature.properties.name) || "";
    var span = document.createElement("span");
    span.textContent = name;
    span.style.fontSize = Math.round(12 * s) + "px";
    var icon = L.divIcon({ html: span.outerHTML, className: "wall-district-label", iconSize: null });
    return L.marker(latlng, { icon: icon, interactive: false, keyboard: false, pane: "shadowPane" });
  };

  // Names that would overlap one already shown are hidden (Timika's four small districts lie close together;
  // the tile grid names every district). First come, first shown: the features come in code order.
  M.declutterLabels = function () {
    var labels = document.querySelectorAll(".wall-district-label span");
    var kept = [];
    labels.forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (!r.width) { return; }
      var pad = 4 * M.scale();
      var clash = kept.some(function (k) {
        return r.left < k.right + pad && r.right > k.left - pad && r.top < k.bottom + pad && r.bottom > k.top - pad;
      });
      el.style.visibility = clash ? "hidden" : "";  // "" inherits: a hidden group (rotation) hides its names
      if (!clash) { kept.push(r); }
    });
  };

  // The clusters' radius in screen pixels grows with the screen, like their circles (supercluster counts its
  // radius in 512ths of a 256-pixel tile, hence the 2).
  var clusterScale = null;
  M.clusterOptions = function (radius) {
    var s = M.scale();
    if (clusterScale === s) { return window.dash_clientside.no_update; }
    clusterScale = s;
    return { radius: Math.round(radius * 2 * s), maxZoom: 12 };
  };

  // Without polygons: a proportional circle per district label point.
  M.districtCircle = function (feature, latlng, context) {
    var h = (context && context.hideout) || {};
    var code = feature.properties && feature.properties.code;
    var cls = classOf(h, code);
    var s = M.scale();
    var v = h.values ? h.values[code] : null;
    var max = h.max || 0;
    var r = (cls < 0 || v === null || v === undefined || !max) ? 7 : 7 + 28 * Math.sqrt(Math.max(v, 0) / max);
    return L.circleMarker(latlng, {
      radius: r * s, weight: 1.5 * s, color: cls < 0 ? "#c9d1de" : "#0b0f17",
      dashArray: cls < 0 ? "3 3" : null,
      fillColor: cls < 0 ? (h.nodata || "#5b6474") : (h.colors || [])[cls], fillOpacity: cls < 0 ? 0.35 : 0.85,
    });
  };

  M.reportPoint = function (feature, latlng) {
    var s = M.scale();
    var fresh = feature.properties && feature.properties["new"] !== undefined;
    var marker = L.circleMarker(latlng, { radius: 5 * s, weight: 1.2 * s, color: "#0b0f17",
                                          fillColor: "#E69F00", fillOpacity: 0.95,
                                          className: fresh ? "wall-point-new" : "" });
    if (fresh) {  // a report of the last minute: its ring fades out over what is left of the minute
      marker.on("add", function () {
        var el = marker.getElement();
        if (el) { el.style.animationDelay = "-" + feature.properties["new"] + "s"; }
      });
    }
    return marker;
  };

  M.reportCluster = function (feature, latlng) {
    var s = M.scale();
    var n = feature.properties.point_count || 0;
    var size = Math.round((n < 10 ? 30 : n < 100 ? 36 : 42) * s);
    var icon = L.divIcon({
      html: "<div><span>" + (feature.properties.point_count_abbreviated || n) + "</span></div>",
      className: "wall-cluster", iconSize: L.point(size, size),
    });
    return L.marker(latlng, { icon: icon, interactive: false, keyboard: false });
  };

  function legendItemWidth(v, s) { return Math.max(30, v * s); }

  // Plotly fonts, margins and lines are in pixels: the server builds for 1920×1080, the screen scales them.
  var SIZE_PARENTS = { font: 1, tickfont: 1, textfont: 1, marker: 1 };
  function scaleInPlace(obj, s, parentKey) {
    if (Array.isArray(obj)) { obj.forEach(function (x) { scaleInPlace(x, s, parentKey); }); return; }
    if (!obj || typeof obj !== "object") { return; }
    Object.keys(obj).forEach(function (k) {
      var v = obj[k];
      if (typeof v === "number") {
        if (k === "size" && SIZE_PARENTS[parentKey]) { obj[k] = v * s; }
        else if (parentKey === "margin" && (k === "l" || k === "r" || k === "t" || k === "b" || k === "pad")) {
          obj[k] = v * s;
        } else if (k === "width" && parentKey === "line") { obj[k] = v * s; }
        else if (k === "itemwidth" && parentKey === "legend") { obj[k] = legendItemWidth(v, s); }
      } else if (v && typeof v === "object") {
        scaleInPlace(v, s, k);
      }
    });
  }

  M.scaleFigures = function (figs, ids) {
    var noUpdate = window.dash_clientside.no_update;
    if (!figs) { return ids.map(function () { return noUpdate; }); }
    var s = M.chartScale();
    publishScale();
    return ids.map(function (id) {
      var fig = figs[id];
      if (!fig) { return noUpdate; }
      fig = JSON.parse(JSON.stringify(fig));
      scaleInPlace(fig, s, "");
      return fig;
    });
  };

  // Fit the regency into the map when the map's box has changed size since the last fit (first data, rotation).
  var fittedSize = null;
  M.fitMap = function (bounds) {
    var el = document.getElementById("wall-map");
    var size = el ? el.clientWidth + "x" + el.clientHeight : null;
    if (!size || size === fittedSize || !el.clientWidth) { return window.dash_clientside.no_update; }
    fittedSize = size;
    return { bounds: bounds, options: { padding: [4, 4] } };
  };

  // ---- page behaviour: set up once per wall root ----
  var clockFormat = null;
  function witTime() {
    try {
      clockFormat = clockFormat || new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Jayapura", hour: "2-digit",
        minute: "2-digit", second: "2-digit", hour12: false });
      return clockFormat.format(new Date());
    } catch (e) {  // no time-zone data: WIT is UTC+9 all year
      var d = new Date(Date.now() + 9 * 3600 * 1000);
      var p = function (n) { return (n < 10 ? "0" : "") + n; };
      return p(d.getUTCHours()) + ":" + p(d.getUTCMinutes()) + ":" + p(d.getUTCSeconds());
    }
  }

  function tickClock() {
    var el = document.getElementById("wall-clock");
    if (el) { el.textContent = witTime(); }
  }

  function startRotation(root) {
    var groups = (root.getAttribute("data-rotate") || "").split(",").filter(function (g) { return g; });
    if (!groups.length) { return; }
    var dwell = Math.max(5, parseInt(root.getAttribute("data-dwell") || "30", 10)) * 1000;
    var i = 0;
    var show = function () {
      root.setAttribute("data-show", groups[i % groups.length]);
      i += 1;
      // Leaflet and Plotly size themselves on window resize; a group that was hidden has no size yet.
      window.dispatchEvent(new Event("resize"));
    };
    show();
    setInterval(show, dwell);
  }

  function startSpotlight(root) {
    if (!root.getAttribute("data-spotlight")) { return; }
    var i = 0;
    setInterval(function () {
      var tiles = document.querySelectorAll("#wall-tilegrid .wall-tile");
      if (!tiles.length) { return; }
      tiles.forEach(function (t) { t.classList.remove("tile-spot"); });
      tiles[i % tiles.length].classList.add("tile-spot");
      i += 1;
    }, 6000);
  }

  function scheduleSoftReload(root) {
    var ms = parseInt(root.getAttribute("data-reload-ms") || "0", 10);
    if (!ms) { return; }
    var tryReload = function () {
      // Reload only when the server answers: a reload into a dead link would leave a browser error page.
      fetch(window.location.pathname, { method: "HEAD", cache: "no-store" })
        .then(function (r) { if (r.ok) { window.location.reload(); } else { setTimeout(tryReload, 60000); } })
        .catch(function () { setTimeout(tryReload, 60000); });
    };
    setTimeout(tryReload, ms);
  }

  // CSS reads the scale too (legend symbols of the charts are fixed-size SVG in Plotly).
  function publishScale() {
    document.documentElement.style.setProperty("--wall-scale", String(M.scale()));
    document.documentElement.style.setProperty("--chart-scale", String(M.chartScale()));
    // Where Plotly centres a legend symbol: half the (scaled, see scaleInPlace) item width of 30 px, plus 5.
    document.documentElement.style.setProperty("--legend-symbol-x", (legendItemWidth(30, M.chartScale()) / 2 + 5) + "px");
  }
  window.addEventListener("resize", publishScale);

  function init() {
    var root = document.getElementById("wall-root");
    if (!root || root.getAttribute("data-started")) { return; }
    root.setAttribute("data-started", "1");
    publishScale();
    tickClock();
    startRotation(root);
    startSpotlight(root);
    scheduleSoftReload(root);
  }

  setInterval(function () { tickClock(); init(); M.declutterLabels(); }, 1000);
  document.addEventListener("DOMContentLoaded", function () { setTimeout(init, 300); });
})();
