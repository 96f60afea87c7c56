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
