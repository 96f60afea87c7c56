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
