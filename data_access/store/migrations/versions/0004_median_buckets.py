"""median buckets: indexes on the hour buckets of the response and resolution times; wider covering indexes

The wall's medians (data_access/queries/common.py: window_medians) count reports per hour bucket by index probes,
then sort only the bucket that holds the middle. The buckets are index expressions (schema.py: RESPONSE_BUCKET,
RESOLUTION_BUCKET), so the database keeps them on every write and no writer fills anything. ix_report_open_cover
gains resolved_at: every open-report figure then reads the index alone (without it SQLite scanned the whole
period index instead). The open, period and breach covering indexes end with the id, on which the rule book's
hold and holder subqueries correlate: PostgreSQL can then answer from the index alone. ix_report_event_report_at:
who held a report at a moment (rules.opd_at, once per breach) is one index step, not a sort of its events.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from data_access.store.schema import RESOLUTION_HOURS, RESPONSE_HOURS
from data_access.store.sqlfuncs import hour_bucket

# The buckets as the queries wrote them until 0007 dropped these indexes.
RESPONSE_BUCKET = hour_bucket(RESPONSE_HOURS)
RESOLUTION_BUCKET = hour_bucket(RESOLUTION_HOURS)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Covering indexes widened: (columns before, columns after).
WIDENED = {
    "ix_report_open_cover": (
        ["status", "opd_code", "district_code", "created_at", "first_response_at", "response_due_at",
         "resolution_due_at"],
        ["status", "opd_code", "district_code", "created_at", "first_response_at", "resolved_at", "response_due_at",
         "resolution_due_at", "id"]),
    "ix_report_period_cover": (
        ["created_at", "status", "opd_code", "district_code", "village_code", "first_response_at", "resolved_at",
         "response_due_at", "resolution_due_at"],
        ["created_at", "status", "opd_code", "district_code", "village_code", "first_response_at", "resolved_at",
         "response_due_at", "resolution_due_at", "id"]),
    "ix_report_response_breach": (
        ["response_due_at", "status", "first_response_at", "resolved_at", "opd_code", "category_code",
         "district_code"],
        ["response_due_at", "status", "first_response_at", "resolved_at", "opd_code", "category_code",
         "district_code", "id"]),
    "ix_report_resolution_breach": (
        ["resolution_due_at", "status", "resolved_at", "opd_code", "category_code", "district_code"],
        ["resolution_due_at", "status", "resolved_at", "opd_code", "category_code", "district_code", "id"]),
}


def _expression(expression) -> sa.TextClause:
    """The bucket expression in this database's SQL, exactly as the queries write it (so they use the index)."""
    compiled = expression.compile(dialect=op.get_bind().dialect,
                                  compile_kwargs={"literal_binds": True, "include_table": False})
    return sa.text(f"({compiled})")


def _indexes() -> dict:
    response, resolution = _expression(RESPONSE_BUCKET), _expression(RESOLUTION_BUCKET)
    return {
        "ix_report_response_bucket": [response, "created_at", "status", "opd_code", "district_code",
                                      "first_response_at", "resolved_at"],
        "ix_report_resolution_bucket": [resolution, "created_at", "status", "opd_code", "district_code",
                                        "resolved_at"],
        "ix_report_district_response_bucket": ["district_code", response, "created_at", "status", "opd_code",
                                               "first_response_at", "resolved_at"],
    }


def upgrade() -> None:
    for name, (_, after) in WIDENED.items():
        op.drop_index(name, table_name="report")
        op.create_index(name, "report", after)
    for name, columns in _indexes().items():
        op.create_index(name, "report", columns)
    op.create_index("ix_report_event_report_at", "report_event", ["report_id", "at", "id"])


def downgrade() -> None:
    op.drop_index("ix_report_event_report_at", table_name="report_event")
    for name in _indexes():
        op.drop_index(name, table_name="report")
    for name, (before, _) in WIDENED.items():
        op.drop_index(name, table_name="report")
        op.create_index(name, "report", before)
