"""The architecture of DESIGN.md holds: import-linter's contracts (.importlinter) are all kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support import REPO

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_import_contracts_are_kept():
    """Layers, pure builders, no web below the store, core at the bottom, no cycles: every contract is kept."""
    out = subprocess.run([str(LINT_IMPORTS)], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout
    assert out.stdout.count(" KEPT") >= 5


def loaded_after_importing(modules: str, watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` a fresh interpreter has loaded after importing ``modules`` (comma-separated)."""
    code = f"import sys, {modules}; print(','.join(m for m in {watched!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def test_importing_every_builder_loads_no_database_library():
    """layouts/ builds from DataFrames: importing all of it loads neither SQLAlchemy nor the store's code."""
    builders = ("layouts.wall, layouts.components, layouts.briefing, layouts.opd, layouts.sla, layouts.explorer, "
                "layouts.report, layouts.exports, layouts.pdf_doc, layouts.briefing_pdf, layouts.performance_report")
    assert loaded_after_importing(builders, ("sqlalchemy", "data_access", "psycopg")) == []


def test_geo_and_the_store_load_no_web_framework():
    """geo/ and data_access/ are usable from a worker or a script: no Dash, no Flask."""
    lower = ("geo.boundaries, geo.assign, geo.tilegrid, geo.choropleth, geo.simplify, data_access.queries, "
             "data_access.queries.performance, "
             "data_access.ingest, data_access.query_cache, data_access.accounts, data_access.api_keys, "
             "data_access.open311_store, data_access.outbox, data_access.forwarder")
    assert loaded_after_importing(lower, ("dash", "flask")) == []


def test_links_between_pages_go_through_page_link():
    """A page loads only the script libraries it draws with, so a link into a page that needs one it lacks must be a
    full page load: every link between pages is made by layouts.components.page_link, which decides."""
    offenders = []
    for path in (REPO / "layouts").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "dcc.Link(" in line and not (path.name == "components.py" and "return dcc.Link(" in line):
                offenders.append(f"{path.name}:{number}")
    assert not offenders, offenders
