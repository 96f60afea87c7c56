/* Decision pages: the grid's link from a report number to its page (/report/<id>), sorting as a number. */
(function () {
  "use strict";
  var funcs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});
  funcs.ReportLink = function (props) {
    var suffix = (props.colDef && props.colDef.cellRendererParams && props.colDef.cellRendererParams.suffix) || "";
    return window.React.createElement("a", { href: "/report/" + props.value + suffix, className: "report-link" },
      "#" + props.value);
  };
})();

/* A keyboard user on a grid's report number (the cell has the focus, not its link) opens it with Enter. */
document.addEventListener("keydown", function (event) {
  "use strict";
  if (event.key !== "Enter" || !event.target || !event.target.closest) {
    return;
  }
  var cell = event.target.closest(".ag-cell");
  var link = cell && cell.querySelector("a.report-link");
  if (link) {
    event.preventDefault();
    link.click();
  }
});

/* The explorer names each district it has room for: a name that would cover one already placed (the features come
 * in code order, as on the wall) waits for a closer zoom; the tooltip and the table beside the map name them all. */
(function () {
  "use strict";
  function declutter() {
    var map = document.getElementById("explorer-map");
    if (!map) { return; }
    var placed = [];
    map.querySelectorAll(".wall-district-label .district-name").forEach(function (name) {
      name.style.visibility = "visible";
      var r = name.getBoundingClientRect();
      if (!r.width) { return; }
      var covers = placed.some(function (k) {
        return r.left < k.right + 2 && r.right > k.left - 2 && r.top < k.bottom + 1 && r.bottom > k.top - 1;
      });
      if (covers) { name.style.visibility = "hidden"; } else { placed.push(r); }
    });
  }
  setInterval(declutter, 500);  // after every zoom, pan and redraw: Dash does not hand the Leaflet map to assets
})();
