"""#25 item 2, change for every KPI: open, overdue and at risk as they stood a day and a week ago, read from the
timeline (rules.py "As of an earlier moment"), on both backends; and the wall's change line says the difference."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from data_access.intake.writer import ReportWriter
from data_access.queries import headline_kpis
from data_access.rulebook.scope import Filters, Scope
from data_access.rulebook.sla import WorkCalendar
from layouts import wall
from tests.support import NOW, oracle

DAY, WEEK = NOW - timedelta(days=1), NOW - timedelta(days=7)


def _write(store) -> None:
    """Seven reports whose state a day ago differs from today's in every way the timeline can tell."""
    writer = ReportWriter(store, WorkCalendar())
    with Session(store) as session, session.begin():
        def report(title, created, *moves, category="jalan"):  # jalan: 2 and 14 working days
            r = writer.create(session, category_code=category, title=title, created_at=created)
            for status, at in moves:
                writer.transition(session, r, status, at)
        # Unanswered a day ago (its response long due), answered an hour after.
        report("a", DAY - timedelta(days=10), ("diverifikasi", DAY + timedelta(hours=1)))
        # Finished before both moments.
        report("b", DAY - timedelta(days=10), ("didisposisikan", DAY - timedelta(days=9)),
               ("selesai", DAY - timedelta(days=5)))
        # Finished a day ago, reopened since.
        report("c", DAY - timedelta(days=10), ("didisposisikan", DAY - timedelta(days=9)),
               ("selesai", DAY - timedelta(days=2)), ("diproses", DAY + timedelta(hours=2)))
        # Not yet written a day ago.
        report("d", NOW - timedelta(hours=1))
        # On hold a day ago, and still.
        report("e", DAY - timedelta(days=3), ("didisposisikan", DAY - timedelta(days=2)),
               ("ditunda", DAY - timedelta(days=1)))
        # At risk a day ago (its 4-hour response due two hours after), answered in time since.
        report("f", DAY - timedelta(hours=2), ("didisposisikan", DAY + timedelta(hours=1)), category="ketertiban")
        # Put on hold after its resolution fell due: overdue then and now, the hold hides nothing.
        report("g", DAY - timedelta(days=30), ("didisposisikan", DAY - timedelta(days=29)),
               ("ditunda", DAY - timedelta(days=1)))


def test_the_counts_of_what_was_open_a_day_and_a_week_ago(empty_store):
    """Open then: a, e, f and g a day ago (c was finished, d not written), a, b, c and g a week ago; a was overdue
    for its response a day ago and is answered now, f was at risk, g overdue for its resolution then and now. The
    store agrees with the oracle's replay of the timelines, and the wall's change lines say so."""
    _write(empty_store)
    scope = Scope.wall()
    now = headline_kpis(empty_store, Filters(), scope, NOW).iloc[0]
    day = headline_kpis(empty_store, Filters(), scope, DAY, past=True).iloc[0]
    week = headline_kpis(empty_store, Filters(), scope, WEEK, past=True).iloc[0]
    assert (now["open"], day["open"], week["open"]) == (6, 4, 4)
    assert (now["overdue_response"], day["overdue_response"]) == (0, 1)
    assert (now["overdue_resolution"], day["overdue_resolution"]) == (1, 1)
    assert (now["at_risk"], day["at_risk"]) == (0, 1)
    rows = oracle.raw(empty_store)
    for moment, got in ((DAY, day), (WEEK, week)):
        expected = oracle.kpis_then(rows, Filters(), scope, moment)
        assert {k: int(got[k]) for k in oracle.STATE_KEYS} == {k: expected[k] for k in oracle.STATE_KEYS}, moment
    # Without ``past`` an earlier moment weighs today's open reports: what the wall showed before this change.
    assert int(headline_kpis(empty_store, Filters(), scope, DAY).iloc[0]["open"]) == 6

    before = {"day": day.to_frame().T, "week": week.to_frame().T}
    tiles = wall.kpi_tiles(now.to_frame().T, {}, before, "id")
    assert tiles[wall.kpi_change_id("kpi-open")] == "▲ +2 vs kemarin\n▲ +2 vs 7 hari lalu"
    assert tiles[wall.kpi_change_id("kpi-overdue-response")].startswith("▼ −1 vs kemarin\n")
    assert tiles[wall.kpi_change_id("kpi-overdue-resolution")].startswith("= 0 vs kemarin\n")
    assert tiles[wall.kpi_change_id("kpi-at-risk")].startswith("▼ −1 vs kemarin\n")
