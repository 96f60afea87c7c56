"""The monthly Laporan Kinerja Pelayanan Publik agrees with the briefing's league for the same month, on SQLite and
PostgreSQL — through the query, and through `python -m dashboard report monthly` and its XLSX."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from data_access.queries.compliance import compliance_by_opd
from data_access.queries.performance import AGE_BUCKETS, monthly_performance, parse_month
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import Report
from tests.support import NOW
from tests.support.cli import run_cli
from tests.support.dash_app import sheet_table
from tests.support.pdf_layout import assert_every_page_ends_above_its_foot

MONTHS = ("2026-10", "2026-11")  # a finished month and the one running at NOW


def _league(engine, month: str):
    start, end = parse_month(month, NOW)
    return compliance_by_opd(engine, Filters(start, min(end, NOW)), Scope.wall(), NOW).set_index("opd_code")


@pytest.mark.parametrize("month", MONTHS)
def test_monthly_figures_are_the_briefing_league_of_that_month(seeded, month):
    """Per OPD: the same samples, percentages, median response, rejected share, backlog and overdue as the
    briefing's league over the month; the ages add up to the backlog; the regency totals count every report."""
    figures = monthly_performance(seeded, Filters(), Scope.wall(), NOW, month=month)
    league = _league(seeded, month)
    assert len(figures.by_opd) == len(league) == 19
    for row in figures.by_opd.to_dict("records"):
        theirs = league.loc[row["opd_code"]]
        for column in ("response_sample", "resolution_sample", "backlog", "overdue", "excluded", "period_reports"):
            assert row[column] == int(theirs[column]), (row["opd_code"], column)
        for column in ("response_compliance_pct", "resolution_compliance_pct", "median_response_hours",
                       "excluded_pct"):
            assert row[column] == pytest.approx(theirs[column], nan_ok=True), (row["opd_code"], column)
        assert sum(row[name] for name, *_ in AGE_BUCKETS) == row["backlog"]
    start, end = parse_month(month, NOW)
    with seeded.connect() as conn:
        received = conn.execute(select(func.count()).select_from(Report).where(
            Report.created_at >= start, Report.created_at < min(end, NOW))).scalar_one()
    totals = figures.regency
    assert totals["reports"] == received == int(figures.by_opd["period_reports"].sum())
    assert totals["response_sample"] == int(figures.by_opd["response_sample"].sum())
    assert totals["backlog"] == sum(totals[name] for name, *_ in AGE_BUCKETS)
    assert len(figures.by_district) == 18


def test_one_opd_report_is_that_opds_league_row(seeded):
    """--opd PUPR: one row, and the totals are PUPR's row of the league."""
    figures = monthly_performance(seeded, Filters(), Scope.wall(), NOW, month="2026-10", opd="PUPR")
    theirs = _league(seeded, "2026-10").loc["PUPR"]
    assert list(figures.by_opd["opd_code"]) == ["PUPR"]
    assert figures.regency["resolution_sample"] == int(theirs["resolution_sample"])
    assert figures.regency["overdue"] == int(theirs["overdue"])
    assert figures.regency["reports"] == int(theirs["period_reports"])


@pytest.mark.parametrize("raw", ["2026-13", "2026-1", "nov", "2026-12", "1999-12"])
def test_bad_months_are_refused(raw):
    """Not a month, a month not begun at NOW, or before the store's earliest day: a sentence naming it."""
    with pytest.raises(ValueError, match="--month"):
        parse_month(raw, NOW)


def _cli(*args: str, url: str) -> subprocess.CompletedProcess:
    return run_cli("report", "monthly", *args, env={"DATABASE_URL": url})


@pytest.mark.cli
def test_cli_writes_both_files_named_by_the_wit_month_and_they_agree(seeded, tmp_path):
    """`report monthly --month 2026-10 --out DIR` writes laporan_kinerja_mimika_2026-10.{pdf,xlsx}; the XLSX's OPD
    sheet has the league's samples and overdue counts; a time late on 31 Oct UTC (1 Nov WIT) is November's."""
    url = seeded.url.render_as_string(hide_password=False)
    result = _cli("--month", "2026-10", "--out", str(tmp_path / "out"), "--at", NOW.isoformat(), url=url)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["laporan_kinerja_mimika_2026-10.pdf", "laporan_kinerja_mimika_2026-10.xlsx"]
    assert (tmp_path / "out" / names[0]).read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        assert_every_page_ends_above_its_foot(tmp_path / "out" / names[0])
    book = load_workbook(io.BytesIO((tmp_path / "out" / names[1]).read_bytes()))
    assert book.sheetnames == ["Ringkasan", "Per OPD", "Per distrik", "Respons di setiap distrik", "Keterangan"]
    sheet = book["Per OPD"]
    header, rows = sheet_table(sheet)
    league = _league(seeded, "2026-10")
    by_short = {r["short_name"]: r for r in league.reset_index().to_dict("records")}
    assert sorted(dict(zip(header, row, strict=True))["OPD"] for row in rows) == sorted(by_short)  # every OPD, once
    for row in rows:
        record = dict(zip(header, row, strict=True))
        theirs = by_short[record["OPD"]]
        assert record["n selesai"] == theirs["resolution_sample"]
        assert record["Terlambat"] == theirs["overdue"]
    # months are WIT months: 15:30 UTC on 31 October is already 1 November in Mimika, so November has begun
    result = _cli("--month", "2026-11", "--out", str(tmp_path / "nov"), "--format", "xlsx", "--opd", "pupr",
                  "--at", "2026-10-31T15:30:00+00:00", url=url)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (tmp_path / "nov").iterdir()] == ["laporan_kinerja_mimika_2026-11_PUPR.xlsx"]


@pytest.mark.parametrize("args,fragment", [
    (("--month", "2026-13"), "--month"),
    (("--month", "2027-02"), "has not begun"),
    (("--month", "2026-10", "--opd", "NOPE"), "--opd"),
])
@pytest.mark.cli
def test_cli_bad_input_is_one_error_line(seeded, tmp_path, args, fragment):
    """A bad month or an unknown OPD: one `error:` line, exit 2, no file written."""
    result = _cli(*args, "--out", str(tmp_path), "--at", NOW.isoformat(),
                  url=seeded.url.render_as_string(hide_password=False))
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0]
    assert "Traceback" not in result.stderr and not list(tmp_path.iterdir())


@pytest.mark.cli
def test_cli_unwritable_folder_is_one_error_line(seeded, tmp_path):
    """--out through a file (no folder can be made there): one `error:` line naming --out, exit 2."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = _cli("--month", "2026-10", "--out", str(blocker / "reports"), "--at", NOW.isoformat(),
                  url=seeded.url.render_as_string(hide_password=False))
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: --out"), result.stderr
