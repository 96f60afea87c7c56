"""#22: one number, one definition — the same measure for the same period and scope is the same number on every
view. Started with "laporan masuk" and the per-district rows; each measure of the catalog joins here."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from core.i18n import WIT
from data_access.queries import period_comparison, reports_by_district
from data_access.queries.performance import monthly_performance
from data_access.queries.public import public_figures
from data_access.rulebook.scope import Filters, Scope
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
    """#22 item 3: an OPD with more reports overdue now than resolutions decided in the period has its percentage
    withheld on every view of the league and is never ranked; the demo store has such OPDs (its long-SLA
    agencies), so the rule is exercised, not assumed."""
    from data_access.queries import compliance_by_opd
    from layouts.briefing import league_frame, resolution_shown

    league = compliance_by_opd(seeded, Filters(), Scope.wall(), NOW)
    sitting = league[league["overdue"] > league["resolution_sample"]]
    assert len(sitting), "the seeded store should hold an OPD that sits on its reports"
    assert sitting["withheld"].all() and not sitting["ranked"].any()
    shown = dict(zip(league["opd_code"], resolution_shown(league), strict=True))
    assert all(shown[code] is None for code in sitting["opd_code"])
    frame = league_frame(league, "id")
    column = frame.columns[2]
    assert frame.loc[league["withheld"].to_numpy(), column].isna().all()
    ranked = league[league["ranked"]]
    assert (ranked["overdue"] <= ranked["resolution_sample"]).all()
