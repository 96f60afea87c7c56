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

  // Wall: the district's name at its label point, and its number (properties.n) for when the name does not fit
  // (declutterLabels chooses). Drawn above the markers (the tooltip pane), so a cluster never covers a label; the
  // size comes from the stylesheet (--fs-min), like every text on the wall.
  M.districtLabel = function (feature, latlng) {
    var p = feature.properties || {};
    var name = document.createElement("span");
    name.className = "district-name";
    name.textContent = p.name || "";
    var num = document.createElement("span");
    num.className = "district-num";
    num.textContent = p.n === undefined ? "" : String(p.n);
    num.style.visibility = "hidden";
    var leader = document.createElement("i");  // from the district's point to its number, when that moved off it
    leader.className = "district-leader";
    leader.style.visibility = "hidden";
    var icon = L.divIcon({ html: leader.outerHTML + name.outerHTML + num.outerHTML, className: "wall-district-label",
                           iconSize: null });
    var marker = L.marker(latlng, { icon: icon, interactive: false, keyboard: false, pane: "tooltipPane" });
    marker.on("add", function () {  // the key beside the map writes the short name ("M. Barat Tengah")
      var el = marker.getElement();
      if (el) { el.setAttribute("data-short", p.short || p.name || ""); }
    });
    return marker;
  };

  function rectOf(el) {
    var r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  }

  // Each district is named on the map, or numbered there and named in the key beside it (#wall-map-key): a name
  // goes where it touches no other label and no report marker (at its point, else above, below, right or left of
  // it), else its number does, as near its point as it finds room, with a leader when it had to move; a number
  // with no free place anywhere still shows, on top of the markers. First come, first placed: the features come in code order, so every screen with the same data places them alike.
  var keyShown = null, placedFor = null;
  M.declutterLabels = function () {
    var map = document.getElementById("wall-map");
    if (!map) { return; }
    var bounds = map.getBoundingClientRect();
    if (!bounds.width) { return; }
    var s = M.scale(), pad = 3 * s, gap = 6 * s;
    var taken = [];
    map.querySelectorAll(".wall-cluster, .wall-point").forEach(function (el) {
      var r = rectOf(el);
      if (r.right > r.left) { taken.push(r); }
    });
    var overlaps = function (r, boxes) {
      return boxes.some(function (k) {
        return r.left < k.right + pad && r.right > k.left - pad && r.top < k.bottom + pad && r.bottom > k.top - pad;
      });
    };
    var inside = function (r) {
      return r.left >= bounds.left + pad && r.right <= bounds.right - pad && r.top >= bounds.top + pad &&
        r.bottom <= bounds.bottom - pad;
    };
    var spotsFor = function (w, h, rings) {
      var out = [[-w / 2, -h / 2]];
      for (var k = 1; k <= rings; k++) {
        var g = gap + (k - 1) * h;
        out.push([-w / 2, -h - g], [-w / 2, g], [g, -h / 2], [-w - g, -h / 2],
                 [g, -h - g], [-w - g, -h - g], [g, g], [-w - g, g]);
      }
      return out;
    };
    var at = function (x, y, spot, w, h) {
      return { dx: spot[0], dy: spot[1], rect: { left: x + spot[0], top: y + spot[1], right: x + spot[0] + w,
                                                  bottom: y + spot[1] + h } };
    };
    var centre = function (r) { return [(r.left + r.right) / 2, (r.top + r.bottom) / 2]; };
    // A leader is drawn when a number sits further than its own height from its district's point.
    var leaderOf = function (x, y, rect) {
      var c = centre(rect);
      return Math.hypot(c[0] - x, c[1] - y) > rect.bottom - rect.top ? [x, y, c[0], c[1]] : null;
    };
    // Does the segment pass through any of ``boxes``? Its own number's box (``own``) aside, and the first
    // ``skip`` pixels from the district's point: where another label already covers the point, every leader
    // starts under it.
    var throughBoxes = function (seg, own, boxes, skip) {
      var length = Math.hypot(seg[2] - seg[0], seg[3] - seg[1]);
      for (var i = 1; i < 32; i++) {
        var px = seg[0] + (seg[2] - seg[0]) * i / 32, py = seg[1] + (seg[3] - seg[1]) * i / 32;
        if (own && px >= own.left && px <= own.right && py >= own.top && py <= own.bottom) { continue; }
        if (skip && length * i / 32 < skip) { continue; }
        if (boxes.some(function (k) { return px > k.left && px < k.right && py > k.top && py < k.bottom; })) {
          return true;
        }
      }
      return false;
    };
    var turn = function (ax, ay, bx, by, cx, cy) { return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax); };
    var cut = function (p, q) {  // two segments cross (touching ends aside)
      var d1 = turn(q[0], q[1], q[2], q[3], p[0], p[1]), d2 = turn(q[0], q[1], q[2], q[3], p[2], p[3]);
      var d3 = turn(p[0], p[1], p[2], p[3], q[0], q[1]), d4 = turn(p[0], p[1], p[2], p[3], q[2], q[3]);
      return d1 * d2 < 0 && d3 * d4 < 0;
    };
    var names = [];  // placed labels: nothing may cover them, markers included
    var leaders = [];  // the leaders drawn so far: [x1, y1, x2, y2]
    // What a number at ``p`` costs, or null where it may not go (outside the map, on a label): crossing a label
    // with its leader costs most, then crossing another leader or having one drawn through it, then covering a
    // report marker (labels are drawn above them, so the marker's count would be hidden), then distance.
    var cost = function (x, y, p) {
      if (!inside(p.rect) || overlaps(p.rect, names)) { return null; }
      var h = p.rect.bottom - p.rect.top, seg = leaderOf(x, y, p.rect), c = centre(p.rect);
      var total = Math.hypot(c[0] - x, c[1] - y) / h;
      if (seg && throughBoxes(seg, p.rect, names, h / 2)) { total += 1000; }
      if (seg && leaders.some(function (o) { return cut(seg, o); })) { total += 300; }
      if (leaders.some(function (o) { return throughBoxes(o, null, [p.rect]); })) { total += 300; }
      if (overlaps(p.rect, taken)) { total += 100; }
      return total;
    };
    // Spots for a number, nearest first: on its point, then on circles every half a number's height out to
    // ``reach`` heights, sixteen directions each (from straight up, clockwise): short leaders, any direction.
    var numberSpots = function (w, h, reach) {
      var out = [[-w / 2, -h / 2]];
      for (var r = h; r <= reach * h; r += h / 2) {
        for (var k = 0; k < 16; k++) {
          var a = -Math.PI / 2 + k * Math.PI / 8;
          out.push([r * Math.cos(a) - w / 2, r * Math.sin(a) - h / 2]);
        }
      }
      return out;
    };
    // The cheapest of ``spots`` (the nearest among equals), or null when none may be used.
    var cheapest = function (x, y, w, h, spots) {
      var best = null, bestCost = Infinity;
      spots.forEach(function (spot) {
        var p = at(x, y, spot, w, h), c = cost(x, y, p);
        if (c !== null && c < bestCost) { best = p; bestCost = c; }
      });
      return best;
    };
    // The first of ``spots`` inside the map and clear of ``boxes``, or null (a name's place).
    var first = function (x, y, w, h, spots, boxes) {
      for (var i = 0; i < spots.length; i++) {
        var p = at(x, y, spots[i], w, h);
        if (inside(p.rect) && !overlaps(p.rect, boxes)) { return p; }
      }
      return null;
    };
    var labels = [];
    map.querySelectorAll(".wall-district-label").forEach(function (icon) {
      var name = icon.querySelector(".district-name"), num = icon.querySelector(".district-num");
      if (!name || !num || !name.offsetWidth) { return; }
      var a = icon.getBoundingClientRect();
      labels.push({ icon: icon, name: name, num: num, x: a.left, y: a.top, spot: null, shown: null });
    });
    // Placing is a search (a few milliseconds): done again only when a point, a marker or a label element changed
    // (a label drawn anew has no placement yet).
    var situation = function () {
      return JSON.stringify([bounds.width, bounds.height, taken, labels.map(function (l) {
        return [l.x, l.y, l.name.style.visibility, l.name.style.transform, l.num.style.transform];
      })]);
    };
    if (situation() === placedFor) { return; }
    // Names first, each at its own point where it is free there (so one pushed aside cannot take a neighbour's
    // place), then beside its point; the rest as numbers, each at the cheapest place clear of every label within
    // eight heights of its point (``cost``), else at the point whatever it meets.
    [[0, 1], [1, 9]].forEach(function (range) {
      labels.forEach(function (l) {
        if (l.spot) { return; }
        var w = l.name.offsetWidth, h = l.name.offsetHeight;
        var spot = first(l.x, l.y, w, h, spotsFor(w, h, 1).slice(range[0], range[1]), taken.concat(names));
        if (spot) { l.spot = spot; l.shown = "name"; names.push(spot.rect); }
      });
    });
    // The most hemmed-in numbers first (most other districts' points near theirs; code order among equals): they
    // have the fewest places, the others can go round them.
    var near = function (l) {
      var reach = 3 * l.num.offsetHeight;
      return labels.filter(function (o) { return o !== l && Math.hypot(o.x - l.x, o.y - l.y) < reach; }).length;
    };
    labels.filter(function (l) { return !l.spot; }).map(function (l, i) { return [near(l), i, l]; })
      .sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; }).forEach(function (item) {
      var l = item[2];
      var w = l.num.offsetWidth, h = l.num.offsetHeight;
      l.spot = cheapest(l.x, l.y, w, h, numberSpots(w, h, 8)) || at(l.x, l.y, [-w / 2, -h / 2], w, h);
      l.shown = "num";
      names.push(l.spot.rect);
      var seg = leaderOf(l.x, l.y, l.spot.rect);
      if (seg) { leaders.push(seg); }
    });
    var numbered = [];
    labels.forEach(function (l) {
      var shown = l.shown === "name" ? l.name : l.num, hidden = l.shown === "name" ? l.num : l.name;
      shown.style.transform = "translate(" + l.spot.dx + "px, " + l.spot.dy + "px)";
      shown.style.visibility = "";  // "" inherits: a hidden group (rotation) hides its names
      hidden.style.visibility = "hidden";
      var leader = l.icon.querySelector(".district-leader");
      if (leader) {
        var cx = l.spot.dx + shown.offsetWidth / 2, cy = l.spot.dy + shown.offsetHeight / 2;
        var far = l.shown === "num" && Math.hypot(cx, cy) > shown.offsetHeight;
        leader.style.width = Math.hypot(cx, cy) + "px";
        leader.style.transform = "rotate(" + Math.atan2(cy, cx) + "rad)";
        leader.style.visibility = far ? "" : "hidden";
      }
      if (l.shown === "num") {
        numbered.push([parseInt(l.num.textContent, 10), l.icon.getAttribute("data-short") || l.name.textContent]);
      }
    });
    placedFor = situation();
    numbered.sort(function (a, b) { return a[0] - b[0]; });
    var text = JSON.stringify(numbered);
    var key = document.getElementById("wall-map-key");
    if (!key || text === keyShown) { return; }
    keyShown = text;
    key.textContent = "";
    numbered.forEach(function (item) {
      var row = document.createElement("div");
      row.className = "map-key-item";
      var n = document.createElement("span");
      n.className = "map-key-num";
      n.textContent = String(item[0]);
      var label = document.createElement("span");
      label.textContent = item[1];
      row.appendChild(n);
      row.appendChild(label);
      key.appendChild(row);
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
                                          className: fresh ? "wall-point wall-point-new" : "wall-point" });
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
    var size = Math.round((n < 10 ? 38 : n < 100 ? 46 : 56) * s);  // room for the count at --fs-min
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
        else if (k === "entrywidth" && parentKey === "legend") { obj[k] = v * s; }
        else if (k === "standoff" && parentKey === "title") { obj[k] = v * s; }
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
