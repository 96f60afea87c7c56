/* Repairs to the ARIA that Dash 4's own components render (issue #26, WCAG 2.2 AA; tests/browser/test_a11y_browser.py).
 *
 * - RadioItems and Checklist draw a role="listbox" of role="option" labels, each wrapping a real radio or checkbox:
 *   a screen reader hears an unnamed list box whose options contain controls (axe: nested-interactive,
 *   aria-input-field-name). The native inputs already say everything, so the wrapping roles go; the layout names
 *   the group (a role="radiogroup" around it).
 * - DatePickerRange's box carries aria-expanded/aria-haspopup on a plain div (not allowed without a role), and its
 *   "clear" control is an <a> without href: a name on nothing, out of the tab order. The box becomes a named
 *   group (the dates are typed into its two text fields), the clear control a button the keyboard reaches.
 *
 * React sets these attributes again when the component re-renders (aria-selected follows the choice), so the
 * repair runs after every change of them, at most once a frame. */
(function () {
  "use strict";

  function repair() {
    document.querySelectorAll(".dash-radioitems[role=listbox], .dash-checklist[role=listbox]").forEach(function (el) {
      el.removeAttribute("role");
    });
    document.querySelectorAll(".dash-radioitems label[role=option], .dash-checklist label[role=option], " +
                              ".dash-radioitems label[aria-selected], .dash-checklist label[aria-selected]"
    ).forEach(function (el) {
      el.removeAttribute("role");
      el.removeAttribute("aria-selected");
    });
    document.querySelectorAll(".dash-datepicker [aria-haspopup=dialog]:not(button)").forEach(function (el) {
      el.removeAttribute("aria-haspopup");
      el.removeAttribute("aria-expanded");
      el.setAttribute("role", "group");
    });
    document.querySelectorAll(".dash-datepicker [aria-expanded]:not(button)[role=group]").forEach(function (el) {
      el.removeAttribute("aria-expanded");
    });
    document.querySelectorAll("a.dash-datepicker-clear:not([role])").forEach(function (el) {
      el.setAttribute("role", "button");
      el.setAttribute("tabindex", "0");
      el.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          el.click();
        }
      });
    });
  }

  var pending = false;
  function schedule() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () { pending = false; repair(); });
    }
  }

  function start() {
    repair();
    new MutationObserver(schedule).observe(document.body, {
      subtree: true, childList: true, attributes: true,
      attributeFilter: ["role", "aria-selected", "aria-expanded", "aria-haspopup"]
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
