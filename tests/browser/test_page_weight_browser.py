"""The wall's first load in Chromium on the wire: at most 800 KB, with every chart drawn by our plotly bundle
(benchmarks/bench_page_weight.py measures every page the same way)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_page_weight import WALL_TARGET, measure
from tests.browser.support import CHROMIUM, account, seeded_store_file, serve_dashboard

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")


@pytest.fixture(scope="module")
def store_file(tmp_path_factory) -> Path:
    return seeded_store_file(tmp_path_factory.mktemp("weight-browser"), seed=9, days=60, per_day=45.0)


@pytest.fixture(scope="module")
def server(store_file):
    yield from serve_dashboard(store_file)


def test_the_walls_first_load_fits_a_poor_link(server, store_file):
    """≤ 800 KB on the wire for the wall, AG Grid left out, plotly's full bundle never fetched; a grid page
    still gets its grid library."""
    wall, grid_page = measure(server, ("/wall", "/opd/PUPR"), account(store_file, "operator"))
    assert wall.wire <= WALL_TARGET, (wall.wire, wall.largest)
    assert not wall.plotly_js_of_its_own
    assert not any("dash_ag_grid" in u for _, u in wall.largest)
    assert any("dash_ag_grid" in u for _, u in grid_page.largest)


def test_the_wall_draws_its_charts_with_the_light_bundle(browser, server, store_file):
    """Every wall chart is drawn (window.Plotly is ours) and the console stays clean."""
    from tests.browser.support import log_in

    # Playwright's wait_for_function evals its predicate, which the pages' CSP forbids;
    # tests/browser/test_csp_browser.py checks the policy itself.
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        log_in(page, server, *account(store_file, "operator"))
        page.goto(server + "/wall")
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4", timeout=20_000)
        from plotly.offline import get_plotlyjs_version

        assert page.evaluate("window.Plotly && window.Plotly.version") == get_plotlyjs_version()
        page.goto(server + "/sla")
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot .heatmaplayer image, "
                               ".js-plotly-plot .hm').length > 0", timeout=20_000)
        assert not errors, errors[:3]
    finally:
        context.close()
