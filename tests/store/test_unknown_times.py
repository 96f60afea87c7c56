"""#22 item 5, unknown is not late: a time the source did not give is stored as unknown, never as the moment of
the import; the rule book counts such targets apart; stores written before are migrated (0008)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import func, insert, select

from data_access.intake.importing import ImportOptions, import_file
from data_access.queries import headline_kpis
from data_access.rulebook.rules import judged_within
from data_access.rulebook.scope import Filters, Scope
from data_access.store.migrate import alembic_config, upgrade
from data_access.store.schema import Report, ReportEvent
from demo.seed import DemoConfig
from tests.support import NOW

IMPORTED_AT = datetime(2026, 11, 20, 2, 0, 0, 123456, tzinfo=UTC)


def _report(conn, name: str, *, status: str, source: str, responded, resolved, updated, event_actor: str,
            event_at) -> int:
    created = IMPORTED_AT - timedelta(days=400)
    report_id = conn.execute(insert(Report).values(
        source=source, external_id=name, category_code="jalan", title=name, status=status, opd_code="PUPR",
        created_at=created, response_due_at=created + timedelta(days=1), resolution_due_at=created + timedelta(days=14),
        first_response_at=responded, resolved_at=resolved, closed_at=None, updated_at=updated,
    ).returning(Report.id)).scalar_one()
    conn.execute(insert(ReportEvent).values(report_id=report_id, at=event_at, kind="status", from_status="baru",
                                            to_status=status, opd_code="PUPR", actor=event_actor))
    return report_id


def test_item5_migration_0008_unstamps_what_an_import_stamped(empty_store):
    """Rows as the importer wrote them before 0008 (response and resolution = the moment of the import) lose those
    times; a time the source gave, and a live writer's stamp at the same instant as its update, stay."""
    command.downgrade(alembic_config(empty_store), "0007")
    with empty_store.begin() as conn:
        stamped = _report(conn, "stamped", status="selesai", source="lapor", responded=IMPORTED_AT,
                          resolved=IMPORTED_AT, updated=IMPORTED_AT, event_actor="impor:lapor", event_at=IMPORTED_AT)
        given = IMPORTED_AT - timedelta(days=390)
        sourced = _report(conn, "sourced", status="selesai", source="lapor", responded=given, resolved=given,
                          updated=IMPORTED_AT, event_actor="impor:lapor", event_at=given)
        live = _report(conn, "live", status="diproses", source="dashboard", responded=IMPORTED_AT, resolved=None,
                       updated=IMPORTED_AT, event_actor="operator:ani", event_at=IMPORTED_AT)
    upgrade(empty_store)
    with empty_store.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(Report.id, Report.first_response_at, Report.resolved_at,
                                                     Report.updated_at))}
    assert rows[stamped].first_response_at is None and rows[stamped].resolved_at is None
    assert rows[stamped].updated_at == IMPORTED_AT  # the migration itself stamps nothing
    assert rows[sourced].first_response_at == given and rows[sourced].resolved_at == given
    assert rows[live].first_response_at == IMPORTED_AT


def _history(n: int, seed: int = 5) -> list[dict]:
    """Open311 records of the last 30 days, closed (answered and finished), none with a response or closing time.
    (An "open" record of a history file is unanswered: silent past its due time, rightly late.)"""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        created = NOW - timedelta(days=rng.uniform(1, 29))
        out.append({"service_request_id": f"H-{i}", "status": "closed",
                    "status_notes": "Sedang ditangani" if rng.random() < 0.5 else None,
                    "service_name": rng.choice(["Pothole", "Water System", "Noise"]),
                    "description": f"Riwayat {i}", "requested_datetime": created.isoformat()})
    return out


def test_item5_an_import_of_history_leaves_todays_compliance_as_it_was(make_store, workcal, tmp_path):
    """10,000 historical records without response times move the wall's response compliance by less than one
    percentage point (it fell from 80 to 14 % when the import stamped its own moment as their response)."""
    store = make_store("sqlite", demo=DemoConfig(seed=11, days=150, per_day=40.0, now=NOW))
    before = headline_kpis(store, Filters(), Scope.wall(), NOW).iloc[0]
    path = tmp_path / "history.json"
    path.write_text(json.dumps(_history(10_000)), encoding="utf-8")
    summary = import_file(store, workcal, path, ImportOptions(source="arsip", now=NOW))
    assert summary.inserted == 10_000
    after = headline_kpis(store, Filters(), Scope.wall(), NOW).iloc[0]
    assert abs(after["response_compliance_pct"] - before["response_compliance_pct"]) < 1.0, (before, after)
    with store.connect() as conn:  # counted apart (shown beside it), each in the period its due time falls in
        judged = conn.execute(select(func.count()).select_from(Report).where(
            Report.source == "arsip", judged_within("response", NOW - timedelta(days=30), NOW))).scalar_one()
    assert judged > 9_000 and after["response_unknown"] == before["response_unknown"] + judged
