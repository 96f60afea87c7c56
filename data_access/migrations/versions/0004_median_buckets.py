"""median buckets: hour buckets of the response and resolution times, computed by the database, and their indexes

The wall's medians (data_access/queries/common.py: window_medians) count reports per bucket by index probes, then
sort only the bucket that holds the middle. The buckets are generated columns (SQLite: VIRTUAL, kept only in the
indexes; PostgreSQL: STORED), so no writer fills them. ix_report_open_cover gains resolved_at: every open-report
figure then reads the index alone (without it SQLite scanned the whole period index instead).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from data_access.schema import RESOLUTION_BUCKET, RESPONSE_BUCKET

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OPEN_COVER_BEFORE = ["status", "opd_code", "district_code", "created_at", "first_response_at", "response_due_at",
                     "resolution_due_at"]
OPEN_COVER = ["status", "opd_code", "district_code", "created_at", "first_response_at", "resolved_at",
              "response_due_at", "resolution_due_at"]
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
    for name, expression in (("response_bucket", RESPONSE_BUCKET), ("resolution_bucket", RESOLUTION_BUCKET)):
        op.add_column("report", sa.Column(name, sa.Integer(), sa.Computed(expression, persisted=stored), nullable=True))
    for name, columns in INDEXES.items():
        op.create_index(name, "report", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="report")
    op.drop_column("report", "resolution_bucket")
    op.drop_column("report", "response_bucket")
    op.drop_index("ix_report_open_cover", table_name="report")
    op.create_index("ix_report_open_cover", "report", OPEN_COVER_BEFORE)
