"""The exports benchmark runs through on a small store (figures are printed, never asserted).

Its main() is called in this process: the script drives the app through Flask's test client (the files are built in
the export runner's children, as in the server), so a child interpreter would add its start-up and nothing the
smoke test checks.
"""

from __future__ import annotations

from benchmarks import bench_exports

EXPORTS = ("briefing PDF", "briefing XLSX", "/opd/PUPR work list XLSX", "/opd/PUPR work list CSV")
PERIODS = ("10 years (3,660 days)", "month", "10 years + 1 day", "starts 1999-12-31", "ends tomorrow")


def test_a_row_for_each_export_and_period_the_memory_figure_and_every_download(tmp_path, capsys,
                                                                                fresh_page_registry):
    """bench_exports.py building its own 300-report store, one repeat, two exports between the memory readings:
    exit 0, one row per export and period (the periods out of bounds refused with the message), the memory figure,
    no download callback without a case, and the store kept for the next run. One test, not one per row: the rows
    are of one run, and xdist would otherwise run it once per worker that drew one of them."""
    data = tmp_path / "data"
    assert bench_exports.main(["--reports", "300", "--repeats", "1", "--memory-exports", "2", "--data", str(data),
                               "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for export in EXPORTS:
        for period in PERIODS:
            rows = [line for line in out.splitlines() if line.startswith(f"| {export} | {period} |")]
            assert len(rows) == 1, (export, period, out[-3000:])
            if "1999" in period or "tomorrow" in period or "+ 1 day" in period:
                assert "refused: “Ekspor tidak dibuat:" in rows[0], rows[0]
    files = list((tmp_path / "results").glob("exports_*.md"))
    assert len(files) == 1 and files[0].read_text(encoding="utf-8").startswith("# Exports benchmark")
    assert "Resident memory (VmRSS)" in out
    assert "Download callbacks without a case" not in out
    assert (data / "bench_300.db").exists()  # the store is kept for the next run
