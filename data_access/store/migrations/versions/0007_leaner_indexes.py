"""leaner indexes: the median buckets and the indexes no query uses go; the finished-unresolved index holds
resolved_at; the sweep's pending rows get a partial index of their own

Every index on ``report`` is one more write per report: the file importer's store work was mostly SQLite keeping
19 of them.

* The three hour-bucket expression indexes (0004): the wall's medians now keep each whole WIT day's durations,
  read once and remembered until a report of that day changes (data_access/queries/common.py:
  window_durations), and take the median of those values. No query reads the buckets any more.
* ix_report_status_response_due, ix_report_status_resolution_due, ix_report_first_response_at and
  report_event's ix_report_event_report_id: no statement of the test suite, the benchmarks' query set, the
  importer, the sweep or the simulator needed them (EXPLAIN QUERY PLAN of every statement, SQLite, and the
  PostgreSQL plans of the query set). Their lookups are served as well by ix_report_status_district,
  ix_report_open_cover, ix_report_response_breach and ix_report_event_report_at (which begins with report_id,
  for the foreign key and the cascade too).
* ix_report_pending_sla (response_due_at, id) becomes ix_report_pending (id) WHERE response_due_at IS NULL:
  only the rows intake systems wrote straight into the table are in it, and the sweep walks it in id order.
* ix_report_finished_unresolved (0006) gains resolved_at: NULL in every entry, but the silent counts name it,
  and PostgreSQL answers from an index alone only with every column it reads in it (without it, it scanned the
  window's period index instead: 8 ms against 0.1 at 1M reports).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

from data_access.store.schema import FINISHED_UNRESOLVED, PENDING

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BUCKETS = ("ix_report_response_bucket", "ix_report_resolution_bucket", "ix_report_district_response_bucket")
UNUSED = {"ix_report_status_response_due": ["status", "response_due_at"],
          "ix_report_status_resolution_due": ["status", "resolution_due_at"],
          "ix_report_first_response_at": ["first_response_at"],
          "ix_report_pending_sla": ["response_due_at", "id"]}
FINISHED = "ix_report_finished_unresolved"
# As 0006 made it; resolved_at goes in after first_response_at (the order schema.py has).
FINISHED_COLUMNS = ["created_at", "status", "opd_code", "district_code", "category_code", "first_response_at",
                    "response_due_at", "resolution_due_at", "id"]


def _finished_unresolved(columns: list[str]) -> None:
    op.drop_index(FINISHED, table_name="report")
    where = sa.text(FINISHED_UNRESOLVED)
    op.create_index(FINISHED, "report", columns, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    for name in (*BUCKETS, *UNUSED):
        op.drop_index(name, table_name="report")
    op.drop_index("ix_report_event_report_id", table_name="report_event")
    op.create_index("ix_report_pending", "report", ["id"], sqlite_where=sa.text(PENDING),
                    postgresql_where=sa.text(PENDING))
    _finished_unresolved(FINISHED_COLUMNS[:6] + ["resolved_at"] + FINISHED_COLUMNS[6:])


def downgrade() -> None:
    _finished_unresolved(FINISHED_COLUMNS)
    op.drop_index("ix_report_pending", table_name="report")
    op.create_index("ix_report_event_report_id", "report_event", ["report_id"])
    for name, columns in UNUSED.items():
        op.create_index(name, "report", columns)
    # The bucket indexes exactly as 0004 built them (its module holds their expressions).
    spec = importlib.util.spec_from_file_location("median_buckets_0004",
                                                  Path(__file__).with_name("0004_median_buckets.py"))
    median_buckets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(median_buckets)
    for name, columns in median_buckets._indexes().items():
        op.create_index(name, "report", columns)
