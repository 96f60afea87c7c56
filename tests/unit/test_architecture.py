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
             "data_access.intake.writer, data_access.queries.cache, data_access.accounts, data_access.intake.api_keys, "
             "data_access.intake.open311_store, outbox.store, outbox.forwarder")
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


def test_demo_writes_only_through_intake():
    """The demo and the simulator build rows and hand them to intake (bulk_load, the writer): no module of demo/
    imports SQLAlchemy's statements that change rows, and none adds, merges or deletes through a session."""
    import ast

    dml = {"insert", "update", "delete", "text"}
    session_writes = {"add", "add_all", "merge", "delete", "bulk_insert_mappings", "bulk_update_mappings"}
    offenders = []
    for path in (REPO / "demo").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                offenders += [f"{path.name}: imports {a.name}" for a in node.names if a.name in dml]
            call = node.func if isinstance(node, ast.Call) else None
            if (isinstance(call, ast.Attribute) and call.attr in session_writes and isinstance(call.value, ast.Name)
                    and call.value.id in {"session", "conn", "connection"}):
                offenders.append(f"{path.name}:{node.lineno}: .{node.func.attr}(…)")
    assert not offenders, offenders


def _layout_folders() -> set[str]:
    """The folders the README's Layout section names, as paths (an indented name is a folder of the one above)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    folders, parents = set(), []
    for line in block.splitlines():
        name = line.split(" ", 1)[0] if not line.startswith(" ") else line.strip().split(" ", 1)[0]
        if not name.endswith("/"):
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        parents = parents[:depth] + [name.rstrip("/")]
        folders.add("/".join(parents))
    return folders


def test_readme_layout_names_every_package_folder_and_no_other():
    """Each folder the README's Layout names exists, and every Python package outside tests/ is named there: the
    map of rooms cannot drift from the house."""
    named = _layout_folders()
    assert {"data_access/store", "data_access/intake/importing", "demo", "outbox"} <= named
    assert not [f for f in named if not (REPO / f).is_dir()], "named in the README but missing"
    packages = {str(p.parent.relative_to(REPO)) for p in REPO.rglob("__init__.py")
                if not {".venv", "tests", ".git"} & set(p.relative_to(REPO).parts)}
    assert packages - named == set(), "packages the README's Layout does not name"
