"""The page callbacks benchmark runs through on a small store (figures are printed, never asserted).

Its main() is called in this process on a copy of a template store: the script only drives the app through Flask's
test client, so a child interpreter would add its start-up and nothing the smoke test checks.
"""

from __future__ import annotations

from benchmarks import bench_pages
from demo.seed import DemoConfig
from tests.support import NOW

PAGES = ("/briefing: page", "/opd: index table", "/opd/PUPR: page", "/sla: page", "/explorer: map shading",
         "/explorer: map click → district", "/explorer: district panel 94.04.01", "/report/",
         "/briefing: filter bar apply")
EXPORTS = ("export: briefing PDF", "export: briefing XLSX", "export: /opd/PUPR XLSX", "export: /opd/PUPR CSV")


def test_a_row_for_each_page_and_export_and_every_page_callback_covered(make_store, tmp_path, capsys,
                                                                       fresh_page_registry):
    """One run of 30 days of demo reports, one warm run per case: exit 0, a table row per page and export, the
    results file written, and no page callback left without a case. One test, not one per row: the rows are of one
    run, and xdist would otherwise run it once per worker that drew one of them."""
    engine = make_store("sqlite", demo=DemoConfig(seed=5, days=30, per_day=12.0, now=NOW))
    db = engine.url.database
    engine.dispose()
    assert bench_pages.main(["--db", db, "--runs", "1", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Command: ")
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    for name in PAGES + EXPORTS:
        assert any(line.startswith(f"| {name}") for line in rows), (name, out[-3000:])
    files = list((tmp_path / "results").glob("pages_*.md"))
    assert len(files) == 1 and files[0].read_text(encoding="utf-8").startswith("# Page callbacks benchmark")
    assert "Page callbacks without a case" not in out
