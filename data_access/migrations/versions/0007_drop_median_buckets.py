"""drop the median bucket indexes: the wall's medians are taken over remembered days of durations; the
finished-unresolved index holds resolved_at

Migration 0004 indexed the hour bucket of each report's response and resolution time so that an exact median
could count per bucket by index probes and sort only the middle bucket. The wall's medians now keep each whole
WIT day's durations, read once and remembered until a report of that day changes
(data_access/queries/common.py: window_durations), and take the median of those values: no query reads these
indexes any more, and every write paid for three expression indexes (a third of the file importer's store work).

ix_report_finished_unresolved (0006) gains resolved_at: NULL in every entry, but the silent counts name it, and
PostgreSQL answers from an index alone only with every column it reads in it (without, it scanned the window's
period index instead: 8 ms against 0.1 at 1M reports).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

from data_access.schema import FINISHED_UNRESOLVED

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NAMES = ("ix_report_response_bucket", "ix_report_resolution_bucket", "ix_report_district_response_bucket")
FINISHED = "ix_report_finished_unresolved"
# As 0006 made it; resolved_at goes in after first_response_at (the order schema.py has).
FINISHED_COLUMNS = ["created_at", "status", "opd_code", "district_code", "category_code", "first_response_at",
                    "response_due_at", "resolution_due_at", "id"]


def _finished_unresolved(columns: list[str]) -> None:
    op.drop_index(FINISHED, table_name="report")
    where = sa.text(FINISHED_UNRESOLVED)
    op.create_index(FINISHED, "report", columns, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    for name in NAMES:
        op.drop_index(name, table_name="report")
    _finished_unresolved(FINISHED_COLUMNS[:6] + ["resolved_at"] + FINISHED_COLUMNS[6:])


def downgrade() -> None:
    # The indexes exactly as 0004 built them (its module holds their expressions).
    spec = importlib.util.spec_from_file_location("median_buckets_0004",
                                                  Path(__file__).with_name("0004_median_buckets.py"))
    median_buckets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(median_buckets)
    for name, columns in median_buckets._indexes().items():
        op.create_index(name, "report", columns)
    _finished_unresolved(FINISHED_COLUMNS)
