"""The rule book, table-driven, on SQLite and PostgreSQL: each row a report in a known situation, and what every
rule must say of it — in SQL (data_access/rulebook/rules.py) and in its plain-Python twin (core/rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import case, insert, literal, select

from core import rules as words
from data_access.queries import overdue_by_opd, report_list
from data_access.rulebook import rules
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import Report, ReportEvent
from tests.support import rule_twins as twins

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
H = timedelta(hours=1)
HORIZON = NOW + 24 * H

# name: (status, response due, resolution due, first response, resolved, hold began, OPD now, earlier OPD and
#        when it handed over)  →  expected (overdue, at risk, response outcome, resolution outcome, state,
#        OPD the resolution counts against)
CASES = {
    "silent_past_response_due": (("baru", -1, 48, None, None, None, "PUPR", None),
                                 (True, False, "missed", "pending", "breached", "PUPR")),
    # Moved on without a response time (an import of history): answered, when unknown; never late.
    "response_time_unknown": (("diproses", -1, 48, None, None, None, "PUPR", None),
                              (False, False, "unknown", "pending", "on_time", "PUPR")),
    "finished_times_unknown": (("selesai", -100, -50, None, None, None, "DINKES", None),
                               (False, False, "unknown", "unknown", "on_time", "DINKES")),
    "held_before_due": (("ditunda", -4, -2, -6, None, -5, "PUPR", None),
                        (False, False, "met", "pending", "on_time", "PUPR")),
    "held_response_time_unknown": (("ditunda", -3, 48, None, None, -1, "PUPR", None),
                                   (False, False, "unknown", "pending", "on_time", "PUPR")),
    "held_after_resolution_due": (("ditunda", -60, -3, -61, None, -1, "DINKES", None),
                                  (True, False, "met", "missed", "breached", "DINKES")),
    "answered_late_still_in_time_to_resolve": (("diproses", -12, 48, -10, None, None, "PUPR", None),
                                               (False, False, "missed", "pending", "on_time", "PUPR")),
    "answered_on_time": (("diproses", -12, 48, -13, None, None, "PUPR", None),
                         (False, False, "met", "pending", "on_time", "PUPR")),
    "due_soon": (("baru", 10, 72, None, None, None, "DLH", None),
                 (False, True, "pending", "pending", "at_risk", "DLH")),
    "rejected_after_due": (("ditolak", -20, -10, -30, None, None, "DLH", None),
                           (False, False, "excluded", "excluded", "excluded", "DLH")),
    "finished_late": (("selesai", -100, -50, -101, -40, None, "DINKES", None),
                      (False, False, "met", "missed", "breached", "DINKES")),
    "transferred_after_breach": (("diproses", -30, -5, -31, None, None, "DINKES", ("PUPR", -2)),
                                 (True, False, "met", "missed", "breached", "PUPR")),
    "transferred_before_due": (("diproses", -30, 20, -31, None, None, "DINKES", ("PUPR", -20)),
                               (False, True, "met", "pending", "at_risk", "DINKES")),
}


def at(hours: float | None) -> datetime | None:
    return None if hours is None else NOW + hours * H


@pytest.fixture
def store(empty_store):
    """One report per case, written straight into the tables (as intake systems may), with its timeline."""
    ids = {}
    with empty_store.begin() as conn:
        for name, ((status, resp_due, res_due, responded, resolved, hold, opd, earlier), _) in CASES.items():
            created = NOW - 200 * H
            first_opd = earlier[0] if earlier else opd
            report_id = conn.execute(insert(Report).values(
                source="rules", external_id=name, category_code="jalan", title=name, status=status,
                opd_code=opd, created_at=created, response_due_at=at(resp_due), resolution_due_at=at(res_due),
                first_response_at=at(responded), resolved_at=at(resolved), updated_at=NOW,
            ).returning(Report.id)).scalar_one()
            events = [(created, "baru", first_opd)]
            if earlier:
                events.append((at(earlier[1]), "diproses", opd))
            if hold is not None:
                events.append((at(hold), "ditunda", opd))
            for when, to_status, holder in events:
                conn.execute(insert(ReportEvent).values(report_id=report_id, at=when, kind="status",
                                                        to_status=to_status, opd_code=holder, actor="test"))
            ids[name] = report_id
    return empty_store, ids


def outcome_sql(kind: str):
    return case((rules.is_excluded(), literal("excluded")), (rules.met(kind), literal("met")),
                (rules.missed(kind, NOW), literal("missed")), (rules.unknown(kind), literal("unknown")),
                else_=literal("pending"))


def test_every_rule_says_what_the_table_says(store):
    """Overdue, at risk, met/missed/pending, the state and the accountable OPD: SQL agrees with the table."""
    engine, ids = store
    stmt = select(Report.external_id, case((rules.overdue(NOW), True), else_=False),
                  case((rules.at_risk(NOW, HORIZON), True), else_=False), outcome_sql("response"),
                  outcome_sql("resolution"), rules.sla_state(NOW, HORIZON), rules.accountable_opd("resolution"))
    with engine.connect() as conn:
        got = {row[0]: (bool(row[1]), bool(row[2]), *row[3:]) for row in conn.execute(stmt)}
    for name, (_, want) in CASES.items():
        assert got[name] == want, name


def test_the_python_twins_say_the_same(store):
    """The plain-Python twins (tests/support/rule_twins.py) of is_overdue and compliance agree with the table."""
    for name, ((status, resp_due, res_due, responded, resolved, hold, *_), want) in CASES.items():
        responded_at = at(responded) or at(resolved)
        hold_at = at(hold) if status == "ditunda" else None
        overdue = (twins.is_overdue("response", status, at(resp_due), responded_at, hold_at, NOW)
                   or twins.is_overdue("resolution", status, at(res_due), at(resolved), hold_at, NOW))
        assert overdue == want[0], name
        assert twins.compliance("response", status, at(resp_due), responded_at, hold_at, NOW) == want[2], name
        assert twins.compliance("resolution", status, at(res_due), at(resolved), hold_at, NOW) == want[3], name


def test_a_breach_counts_against_the_opd_that_held_the_report(store):
    """The wall's overdue-by-OPD counts the transferred report against PUPR, where its due time passed."""
    engine, _ = store
    by_opd = overdue_by_opd(engine, Filters(), Scope.wall(), NOW)
    counts = by_opd.groupby("opd_code")["reports"].sum().to_dict()
    assert counts == {"PUPR": 2, "DINKES": 1}  # silent, transferred; DINKES: held after the resolution due


def test_the_new_holder_sees_the_transfer_in_its_work_list(store):
    """DINKES's work list shows the report it took over, marked as transferred from PUPR."""
    engine, ids = store
    rows = report_list(engine, Filters(), Scope.opd_head("DINKES"), NOW, states=("breached", "at_risk"),
                       open_only=True)
    marked = dict(zip(rows["id"], rows["transferred_from"], strict=True))
    assert marked[ids["transferred_after_breach"]] == "PUPR"
    assert pd.isna(marked[ids["held_after_resolution_due"]])  # its breach happened at DINKES itself


@pytest.mark.parametrize(("access", "remote"), [("jalan", False), ("sungai", True), ("laut", True),
                                                ("udara", True), (None, False), ("", False)])
def test_remote_is_anything_but_a_road(access, remote):
    """A district reached by river, sea or air is remote; by road, or unknown, it is not."""
    assert words.is_remote(access) is remote
