"""The dashboard's own plotly.js bundle (dashboard/assets/vendor, built by tools/plotly-bundle): the version the
Python plotly package writes figures for, and every trace type a page draws."""

from __future__ import annotations

import re

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs_version

from tests.support import REPO

BUNDLE = REPO / "dashboard" / "assets" / "vendor" / "plotly-mimika.min.js"


def bundle_text() -> str:
    return BUNDLE.read_text(encoding="utf-8")


def test_bundle_is_the_plotly_js_version_the_python_package_expects():
    """Upgrading plotly without rebuilding the bundle would draw figures with another plotly.js than they were
    written for: the banner must name the same version."""
    banner = re.match(r"/\*! plotly\.js v([0-9.]+) ", bundle_text())
    assert banner and banner.group(1) == get_plotlyjs_version()


def test_every_trace_type_the_layouts_draw_is_in_the_bundle():
    """A layout that starts drawing, say, a pie would show an empty chart: the bundle must register it."""
    trace_types = set(go.Figure()._data_validator.class_strs_map)
    used = set()
    for path in (REPO / "layouts").rglob("*.py"):
        for name in re.findall(r"""["']type["']\s*:\s*["'](\w+)["']""", path.read_text(encoding="utf-8")):
            if name in trace_types:
                used.add(name)
    registered = set(re.findall(r'moduleType:"trace",name:"(\w+)"', bundle_text()))
    assert used, "no trace type found in layouts/: the scan is broken"
    assert used <= registered, sorted(used - registered)


def test_a_brotli_copy_beside_it_holds_the_same_bytes():
    """The server sends the prebuilt .br as it is; a stale one would ship another bundle (it is ignored then,
    but the build must keep them together)."""
    import brotli

    packed = BUNDLE.with_name(BUNDLE.name + ".br")
    assert brotli.decompress(packed.read_bytes()) == BUNDLE.read_bytes()
