"""#22: one number, one definition — the same measure for the same period and scope is the same number on every
view. Started with "laporan masuk" and the per-district rows; each measure of the catalog joins here."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy.orm import Session

from core.i18n import WIT
from data_access.queries import period_comparison, reports_by_district
from data_access.queries.performance import monthly_performance
from data_access.queries.public import public_figures
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import Report
from tests.support import NOW

OCTOBER = Filters(datetime(2026, 10, 1, tzinfo=WIT), datetime(2026, 11, 1, tzinfo=WIT))


@pytest.mark.parametrize("scope", [Scope.wall(), Scope.opd_head("PUPR")], ids=["regency", "pupr"])
def test_reports_received_in_a_month_agree_everywhere(seeded, scope):
    """Briefing tile = monthly report = /publik's month = the districts plus "Tanpa lokasi"."""
    briefing = period_comparison(seeded, OCTOBER, scope, NOW)
    tile = int(briefing.loc[briefing["measure"] == "reports", "current"].iloc[0])
    monthly = monthly_performance(seeded, Filters(), scope, NOW, month="2026-10").regency["reports"]
    districts = int(reports_by_district(seeded, OCTOBER, scope, NOW)["reports"].sum())
    assert tile == monthly == districts
    if scope.opds is None:  # /publik is the regency's
        public = public_figures(seeded, Filters(), Scope(None, False, "publik", public=True), NOW).regency
        assert int(public.loc[public["month"] == "2026-10", "reports"].iloc[0]) == tile


def test_districts_and_no_location_add_up_to_the_open_and_overdue_headline(seeded):
    from data_access.queries import headline_kpis

    kpis = headline_kpis(seeded, Filters(), Scope.wall(), NOW).iloc[0]
    districts = reports_by_district(seeded, Filters(), Scope.wall(), NOW)
    assert int(districts["open"].sum()) == kpis["open"]
    assert int(districts["overdue"].sum()) == kpis["overdue"]


@pytest.mark.parametrize("code", ["PUPR", "DINKES", "DINSOS"])
def test_an_opd_head_sees_the_rank_among_every_opd(seeded, code):
    """#22 item 3: an OPD head's league has one row, with its rank in the regency's league ("9 dari 19"), never a
    rank among the one OPD they see."""
    from data_access.queries import compliance_by_opd
    from layouts.briefing import league_ranks

    regency = compliance_by_opd(seeded, Filters(), Scope.wall(), NOW)
    mine = compliance_by_opd(seeded, Filters(), Scope.opd_head(code), NOW)
    assert list(mine["opd_code"]) == [code]
    want = regency.loc[regency["opd_code"] == code, "rank"].iloc[0]
    assert (pd.isna(want) and pd.isna(mine["rank"].iloc[0])) or mine["rank"].iloc[0] == want
    ranked = int(regency["ranked"].sum())
    assert league_ranks(mine, "id") == ["–" if pd.isna(want) else f"{int(want)} dari {ranked}"]
    assert league_ranks(regency, "id")[:ranked] == list(range(1, ranked + 1))


def test_an_opd_sitting_on_reports_never_reads_100_percent(seeded):
    """#22 item 3 on the demo store: every OPD whose overdue count exceeds its decided sample has its percentage
    withheld on every view of the league and is never ranked; a ranked OPD never has more overdue than decided."""
    from data_access.queries import compliance_by_opd
    from layouts.briefing import league_frame, resolution_shown

    league = compliance_by_opd(seeded, Filters(), Scope.wall(), NOW)
    sitting = league[league["overdue"] > league["resolution_sample"]]
    assert sitting["withheld"].all() and not sitting["ranked"].any()
    shown = dict(zip(league["opd_code"], resolution_shown(league), strict=True))
    assert all(shown[code] is None for code in sitting["opd_code"])
    frame = league_frame(league, "id")
    assert frame.loc[league["withheld"].to_numpy(), frame.columns[2]].isna().all()
    ranked = league[league["ranked"]]
    assert (ranked["overdue"] <= ranked["resolution_sample"]).all()
    assert not ((league["resolution_compliance_pct"] == 100.0) & (league["resolution_met"] < league[
        "resolution_sample"])).any()


def test_an_opd_that_finishes_nothing_reads_its_missed_targets_not_100_percent(empty_store, workcal):
    """#22 item 3: an agency with 25 reports past their resolution due time in the period, still open, and one
    resolved on time (all received before the period) reads 1 of 26: judged in the period its due time fell in.
    Judged by the creation day, as before, none was in a 30-day period's sample, and with a later quick one the
    agency read "100,0 %" (n = 1)."""
    from data_access.intake.writer import ReportWriter
    from data_access.queries import compliance_by_opd, headline_kpis
    from data_access.queries.performance import monthly_performance

    writer = ReportWriter(empty_store, workcal)
    with Session(empty_store) as session:
        for i in range(25):
            report = writer.create(session, category_code="bansos", title=f"Bansos {i}",
                                   created_at=NOW - timedelta(days=75, hours=i))
            writer.transition(session, report, "didisposisikan", report.created_at + timedelta(hours=2))
        quick = writer.create(session, category_code="bansos", title="Bansos cepat",
                              created_at=NOW - timedelta(days=70))
        writer.transition(session, quick, "didisposisikan", quick.created_at + timedelta(hours=1))
        writer.transition(session, quick, "selesai", quick.created_at + timedelta(days=1))
        session.commit()
        dues = [r.resolution_due_at for r in session.query(Report).where(Report.title.like("Bansos %"))]
    period = Filters(NOW - timedelta(days=30), NOW)
    assert all(period.start <= due < NOW for due in dues), "the 25 fell due inside the period"
    row = compliance_by_opd(empty_store, period, Scope.wall(), NOW).set_index("opd_code").loc["DINSOS"]
    assert (row["resolution_met"], row["resolution_sample"]) == (1, 26)
    assert row["resolution_compliance_pct"] == pytest.approx(100 / 26)
    kpis = headline_kpis(empty_store, period, Scope.wall(), NOW).iloc[0]
    assert (kpis["resolution_sample"], kpis["resolution_compliance_pct"]) == (26, pytest.approx(100 / 26))
    month = f"{NOW.astimezone(WIT):%Y-%m}"
    monthly = monthly_performance(empty_store, Filters(), Scope.wall(), NOW, month=month).regency
    in_month = sum(1 for due in dues if due.astimezone(WIT).strftime("%Y-%m") == month)
    assert monthly["resolution_sample"] == in_month


def test_compliance_of_a_month_agrees_everywhere_and_with_the_raw_rows(seeded):
    """Response and resolution on time in October: the briefing's headline, the monthly report, the league summed
    over every OPD, /publik's October row and the oracle's count from the raw rows (each target judged in the
    period its due time falls in) give the same met and sample."""
    from data_access.queries import compliance_by_opd, headline_kpis
    from tests.support import oracle

    rows = oracle.raw(seeded)
    headline = headline_kpis(seeded, OCTOBER, Scope.wall(), NOW).iloc[0]
    monthly = monthly_performance(seeded, Filters(), Scope.wall(), NOW, month="2026-10").regency
    league = compliance_by_opd(seeded, OCTOBER, Scope.wall(), NOW)
    public = public_figures(seeded, Filters(), Scope(None, False, "publik", public=True), NOW).regency
    october = public[public["month"] == "2026-10"].iloc[0]
    for kind in ("response", "resolution"):
        judged = [r for r in rows if r["status"] not in oracle.EXCLUDED
                  and oracle.judged_in(r, kind, OCTOBER.start, OCTOBER.end)]
        outcomes = [oracle.outcome(r, kind, NOW) for r in judged]
        met, sample = outcomes.count("met"), outcomes.count("met") + outcomes.count("missed")
        assert sample > 100 and outcomes.count("missed") > 0
        assert int(headline[f"{kind}_sample"]) == monthly[f"{kind}_sample"] == int(league[f"{kind}_sample"].sum()) \
            == october[f"{kind}_sample"] == sample, kind
        assert monthly[f"{kind}_met"] == int(league[f"{kind}_met"].sum()) == october[f"{kind}_met"] == met, kind
        assert headline[f"{kind}_compliance_pct"] == pytest.approx(100 * met / sample)


def test_after_a_transfer_an_opds_tiles_and_its_league_row_count_the_same_targets(empty_store, workcal):
    """A report PUPR answered late and then passed to DLH: the late response counts against PUPR (who held it when
    its due time passed) on PUPR's own tiles as in the league, not on DLH's, which holds the report now."""
    from data_access.intake.writer import ReportWriter
    from data_access.queries import compliance_by_opd, headline_kpis

    writer = ReportWriter(empty_store, workcal)
    with Session(empty_store) as session:
        report = writer.create(session, category_code="jalan", title="Jalan rusak",
                               created_at=NOW - timedelta(days=20))
        assert report.opd_code == "PUPR"
        writer.transition(session, report, "diverifikasi", report.response_due_at + timedelta(days=2))
        writer.transition(session, report, "didisposisikan", NOW - timedelta(days=5), opd_code="DLH")
        session.commit()
    league = compliance_by_opd(empty_store, Filters(), Scope.wall(), NOW).set_index("opd_code")
    for code, sample in (("PUPR", 1), ("DLH", 0)):
        tiles = headline_kpis(empty_store, Filters(), Scope.opd_head(code), NOW).iloc[0]
        assert int(tiles["response_sample"]) == int(league.loc[code, "response_sample"]) == sample, code
    assert int(headline_kpis(empty_store, Filters(), Scope.opd_head("DLH"), NOW).iloc[0]["open"]) == 1
