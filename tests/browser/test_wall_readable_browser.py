"""The wall read from across the room: every text on it, at 1920×1080 and 3840×2160, measured as drawn.

The limits are issue #25's: at 4K no text below 40 px (20 px at 1080p), the KPI numbers at least 140 px at 4K; the
map attribution aside, which nobody reads from the room. Every visible text counts — HTML elements with text of
their own (computed font size times any CSS scale on the way up) and SVG <text> (Plotly's ticks, legends, bar
labels and notes: font size times the SVG's scale on screen) — so an element added to the wall later is measured
too. No text is cut: no element that clips its content holds more than its box (an ellipsis, a half line). Every one
of the 18 districts is named on the map or numbered there and named in the key beside it, no two labels meet, and no
report marker covers a label.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.support import CHROMIUM, kiosk_path, seeded_store_file, serve_dashboard
from tests.support import OUTPUT

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")

SCREENSHOTS = OUTPUT / "screenshots"
DISTRICTS = 18
# (width, height, smallest text, smallest KPI number) in CSS pixels
SIZES = [(1920, 1080, 20.0, 70.0), (3840, 2160, 40.0, 140.0)]

# Every visible text on the page with its drawn size. An element counts when it has text of its own (a text node
# child), is visible (visibility, display, opacity up the tree), has a box and lies on the screen.
MEASURE = """() => {
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || r.right <= 0 || r.bottom <= 0 || r.left >= innerWidth || r.top >= innerHeight) {
      return false;
    }
    if (getComputedStyle(el).visibility !== "visible") { return false; }
    for (let a = el; a; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.display === "none" || parseFloat(s.opacity) === 0) { return false; }
    }
    return true;
  };
  const cssScale = (el) => {
    let s = 1;
    for (let a = el; a; a = a.parentElement) {
      const t = getComputedStyle(a).transform;
      if (t && t !== "none") { const m = new DOMMatrix(t); s *= Math.hypot(m.a, m.b); }
    }
    return s;
  };
  const where = (el) => {
    const cls = typeof el.className === "string" ? el.className : (el.className && el.className.baseVal) || "";
    const panel = el.closest("[id]");
    return el.tagName.toLowerCase() + (cls ? "." + cls.trim().split(/\\s+/).join(".") : "") +
      (panel ? " in #" + panel.id : "");
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el instanceof SVGElement || ["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE"].includes(el.tagName)) { continue; }
    const own = [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join("").trim();
    if (!own || !shown(el)) { continue; }
    out.push({svg: false, px: parseFloat(getComputedStyle(el).fontSize) * cssScale(el), text: own.slice(0, 60),
              where: where(el), exempt: !!el.closest(".map-attribution")});
  }
  for (const el of document.querySelectorAll("svg text")) {
    const own = el.textContent.trim();
    if (!own || !shown(el)) { continue; }
    const m = el.getScreenCTM();
    out.push({svg: true, px: parseFloat(getComputedStyle(el).fontSize) * (m ? Math.hypot(m.a, m.b) : 1),
              text: own.slice(0, 60), where: where(el), exempt: false});
  }
  return out;
}"""

# Every element that clips what it holds and holds more than its box: a text cut, ellipsised or half hidden. Leaflet's
# container is left out (its panes hold the whole world, clipped to the view by design), and the KPI tiles' rolling
# line is checked across only: its lines take turns in one line's height (wall.css kpi-roll).
CUT = """() => {
  const out = [];
  for (const el of document.querySelectorAll("#wall-root *")) {
    if (el instanceof SVGElement || el.closest(".leaflet-container")) { continue; }
    const s = getComputedStyle(el);
    if (s.visibility !== "visible" || s.display === "none" || !el.textContent.trim()) { continue; }
    if (s.overflowX === "visible" && s.overflowY === "visible") { continue; }
    const across = el.scrollWidth > el.clientWidth + 1;
    const down = el.scrollHeight > el.clientHeight + 1 && !el.classList.contains("kpi-info");
    if (across || down) {
      out.push({where: (el.id ? "#" + el.id : "") + "." + String(el.className).trim().split(/\\s+/).join("."),
                text: el.textContent.trim().slice(0, 60), box: [el.clientWidth, el.clientHeight],
                content: [el.scrollWidth, el.scrollHeight]});
    }
  }
  return out;
}"""

# The map's labels: per district the name or number shown, its box, and the boxes of the report markers.
MAP_LABELS = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  const visible = (el) => getComputedStyle(el).visibility === "visible" && el.getBoundingClientRect().width > 0;
  const labels = [...document.querySelectorAll("#wall-map .wall-district-label")].map(icon => {
    const name = icon.querySelector(".district-name"), num = icon.querySelector(".district-num");
    const shown = [name, num].filter(e => e && visible(e));
    return {name: name ? name.textContent : "", number: num ? num.textContent : "",
            shown: shown.map(e => e.className), boxes: shown.map(box),
            z: parseInt(getComputedStyle(icon.closest(".leaflet-pane")).zIndex, 10)};
  });
  const markers = [...document.querySelectorAll("#wall-map .wall-cluster, #wall-map .wall-point")].filter(visible);
  const markerZ = markers.map(m => parseInt(getComputedStyle(m.closest(".leaflet-pane")).zIndex, 10));
  const key = [...document.querySelectorAll("#wall-map-key .map-key-item")].map(
    item => [item.querySelector(".map-key-num").textContent, item.textContent]);
  return {labels, markers: markers.map(box), markerZ, key};
}"""


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.fixture(scope="module")
def store_file(tmp_path_factory) -> Path:
    return seeded_store_file(tmp_path_factory.mktemp("wall-readable"), seed=11, days=21)


@pytest.fixture(scope="module")
def server(store_file):
    kiosk = kiosk_path(store_file, "browser-wall-readable")
    for url in serve_dashboard(store_file, REFRESH_SECONDS="2", STALE_AFTER_MINUTES="600"):
        yield url, kiosk


@pytest.mark.parametrize("width,height,smallest,kpi_px", SIZES, ids=["1920", "3840"])
def test_every_text_on_the_wall_is_readable_across_the_room(browser, server, width, height, smallest, kpi_px):
    url, kiosk = server
    page = browser.new_page(viewport={"width": width, "height": height}, bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url + kiosk)
        page.goto(url + "/wall")
        page.wait_for_function(
            "document.querySelectorAll('#wall-tilegrid .wall-tile').length > 0"
            " && document.getElementById('kpi-open').innerText !== '–'"
            " && document.querySelectorAll('.wall-graph .main-svg text').length > 20"
            " && document.querySelectorAll('#wall-map .wall-district-label').length > 0", timeout=30_000)
        page.wait_for_timeout(3000)  # the map fitted, the clusters indexed and the labels placed (every second)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"wall_readable_{width}.png"))

        texts = page.evaluate(MEASURE)
        assert len(texts) > 150, texts  # the whole wall was measured, not an empty frame
        assert any(t["svg"] for t in texts) and any(not t["svg"] for t in texts)
        small = sorted((round(t["px"], 1), t["text"], t["where"]) for t in texts
                       if t["px"] < smallest and not t["exempt"])
        assert not small, f"{len(small)} texts below {smallest} px at {width}×{height}: {small[:25]}"
        cut = page.evaluate(CUT)
        assert not cut, f"{len(cut)} texts cut at {width}×{height}: {cut[:12]}"
        kpis = page.evaluate("[...document.querySelectorAll('.kpi-value')].map(e => parseFloat("
                             "getComputedStyle(e).fontSize))")
        assert len(kpis) >= 7 and min(kpis) >= kpi_px, kpis

        # Every district is on the map: its name, or its number with the name in the key beside the map.
        found = page.evaluate(MAP_LABELS)
        labels = found["labels"]
        assert len(labels) == DISTRICTS, labels
        keyed = {number: text for number, text in found["key"]}
        for label in labels:
            assert len(label["shown"]) == 1, label  # one of the two, never both, never none
            if "district-num" in label["shown"][0]:
                assert label["number"] in keyed, (label, keyed)
                words = label["name"].split()
                assert words[-1] in keyed[label["number"]], (label, keyed)  # "M. Barat Tengah" for Mimika Barat …
        assert len(keyed) == sum("district-num" in label["shown"][0] for label in labels), keyed
        boxes = [label["boxes"][0] for label in labels]
        clashes = [(a, b) for i, a in enumerate(labels) for b in labels[i + 1:]
                   if _overlap(a["boxes"][0], b["boxes"][0])]
        assert not clashes, clashes
        # No marker covers a label: every label is drawn above every marker, and a name never sits on one.
        assert found["markers"], "no report markers on the map: nothing was checked"
        assert min(label["z"] for label in labels) > max(found["markerZ"]), (labels[0]["z"], found["markerZ"])
        named = [b for b, label in zip(boxes, labels, strict=True) if "district-name" in label["shown"][0]]
        on_markers = [(b, m) for b in named for m in found["markers"] if _overlap(b, m)]
        assert not on_markers, on_markers
        assert not errors, errors
    finally:
        page.close()
