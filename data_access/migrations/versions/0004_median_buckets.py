"""median buckets and on-time flags: computed by the database from each report's times, and their indexes

The wall's medians (data_access/queries/common.py: window_medians) count reports per bucket by index probes, then
sort only the bucket that holds the middle. The buckets are generated columns (SQLite: VIRTUAL, kept only in the
indexes; PostgreSQL: STORED), so no writer fills them. response_on_time / resolution_on_time (1 met, 0 late, NULL
no answer yet or rejected/archived) let the compliance figures count instead of evaluating the rule per row and
query; ix_report_period_cover carries them. ix_report_open_cover gains resolved_at: every open-report figure then
reads the index alone (without it SQLite scanned the whole period index instead).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from data_access.schema import RESOLUTION_BUCKET, RESOLUTION_ON_TIME, RESPONSE_BUCKET, RESPONSE_ON_TIME

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OPEN_COVER_BEFORE = ["status", "opd_code", "district_code", "created_at", "first_response_at", "response_due_at",
                     "resolution_due_at"]
OPEN_COVER = ["status", "opd_code", "district_code", "created_at", "first_response_at", "resolved_at",
              "response_due_at", "resolution_due_at"]
PERIOD_COVER_BEFORE = ["created_at", "status", "opd_code", "district_code", "village_code", "first_response_at",
                       "resolved_at", "response_due_at", "resolution_due_at"]
PERIOD_COVER = [*PERIOD_COVER_BEFORE, "response_on_time", "resolution_on_time"]
GENERATED = {"response_bucket": RESPONSE_BUCKET, "resolution_bucket": RESOLUTION_BUCKET,
             "response_on_time": RESPONSE_ON_TIME, "resolution_on_time": RESOLUTION_ON_TIME}
INDEXES = {
    "ix_report_response_bucket": ["response_bucket", "created_at", "status", "opd_code", "district_code",
                                  "first_response_at", "resolved_at"],
    "ix_report_resolution_bucket": ["resolution_bucket", "created_at", "status", "opd_code", "district_code",
                                    "resolved_at"],
    "ix_report_district_response_bucket": ["district_code", "response_bucket", "created_at", "status", "opd_code",
                                           "first_response_at", "resolved_at"],
}


def upgrade() -> None:
    op.drop_index("ix_report_open_cover", table_name="report")
    op.create_index("ix_report_open_cover", "report", OPEN_COVER)
    # SQLite can only add VIRTUAL generated columns to a table; PostgreSQL before 18 only has STORED ones.
    stored = op.get_bind().dialect.name != "sqlite"
    for name, expression in GENERATED.items():
        op.add_column("report", sa.Column(name, sa.Integer(), sa.Computed(expression, persisted=stored), nullable=True))
    op.drop_index("ix_report_period_cover", table_name="report")
    op.create_index("ix_report_period_cover", "report", PERIOD_COVER)
    for name, columns in INDEXES.items():
        op.create_index(name, "report", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="report")
    op.drop_index("ix_report_period_cover", table_name="report")
    op.create_index("ix_report_period_cover", "report", PERIOD_COVER_BEFORE)
    for name in reversed(GENERATED):
        op.drop_column("report", name)
    op.drop_index("ix_report_open_cover", table_name="report")
    op.create_index("ix_report_open_cover", "report", OPEN_COVER_BEFORE)
