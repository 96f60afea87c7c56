"""Every page under its Content-Security-Policy in headless Chromium: the policy is sent, scripts run only from
the server or by hash (no 'unsafe-inline' for scripts), and nothing the pages need is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from data_access.store.engine import make_engine
from data_access.store.schema import Report
from tests.browser.support import CHROMIUM, account, log_in, seeded_store_file, serve_dashboard

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")

# Every securitypolicyviolation event of the page, recorded by a script the browser adds itself (not subject to
# the page's policy), so a refused style or image counts as well as a refused script.
WATCH = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
         "e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));")
PAGES = [  # (path, what shows once the page has drawn)
    ("/wall", "#wall-tilegrid .wall-tile"),
    ("/briefing", "#briefing-league-table tbody tr"),
    ("/opd", "#opd-row-PUPR"),
    ("/opd/PUPR", "#opd-grid .ag-row"),
    ("/sla", "#sla-heatmap .main-svg"),
    ("/explorer", "#explorer-legend .legend-item"),
    ("/report/{id}", "#report-timeline li"),
    ("/publik", "main .tiles .tile"),
]


@pytest.fixture(scope="module")
def store_file(tmp_path_factory) -> Path:
    return seeded_store_file(tmp_path_factory.mktemp("csp-browser"), seed=9, days=30)


@pytest.fixture(scope="module")
def server(store_file):
    yield from serve_dashboard(store_file)


def _watched(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.add_init_script(WATCH)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" or "Content Security Policy" in m.text
            else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    return context, page, problems


def _visit(page, url: str, ready: str) -> str:
    """The page's Content-Security-Policy header, once ``ready`` shows and the page has settled."""
    response = page.goto(url)
    policy = response.headers.get("content-security-policy", "")
    page.wait_for_selector(ready, timeout=20_000)
    page.wait_for_timeout(1000)  # charts, the map and the grid finish drawing
    return policy


def test_item14_every_page_loads_under_its_policy_without_a_violation(browser, server, store_file):
    """/login, then every page a logged-in viewer opens: a policy with no 'unsafe-inline' script, no violation
    reported by the browser, no console error, and the page drawn."""
    engine = make_engine(f"sqlite:///{store_file}")
    with engine.connect() as conn:
        report_id = conn.execute(select(Report.id).order_by(Report.id.desc()).limit(1)).scalar_one()
    engine.dispose()
    context, page, problems = _watched(browser)
    try:
        policy = _visit(page, server + "/login", "form.login")
        assert "default-src 'none'" in policy and "script-src" not in policy, policy  # no script at all
        assert page.evaluate("window.__csp") == [] and problems == [], problems
        log_in(page, server, *account(store_file, "admin"))
        for path, ready in PAGES:
            policy = _visit(page, server + path.format(id=report_id), ready)
            assert policy, f"{path}: no Content-Security-Policy"
            script_src = next((d for d in policy.split(";") if d.strip().startswith("script-src")), "")
            assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, (path, policy)
            violations = page.evaluate("window.__csp")
            assert violations == [] and problems == [], (path, violations, problems)
    finally:
        context.close()
