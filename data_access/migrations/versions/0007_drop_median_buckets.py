"""drop the median bucket indexes: the wall's medians are taken over remembered days of durations

Migration 0004 indexed the hour bucket of each report's response and resolution time so that an exact median
could count per bucket by index probes and sort only the middle bucket. The wall's medians now keep each whole
WIT day's durations, read once and remembered until a report of that day changes
(data_access/queries/common.py: window_durations), and take the median of those values: no query reads these
indexes any more, and every write paid for three expression indexes (a third of the file importer's store work).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NAMES = ("ix_report_response_bucket", "ix_report_resolution_bucket", "ix_report_district_response_bucket")


def upgrade() -> None:
    for name in NAMES:
        op.drop_index(name, table_name="report")


def downgrade() -> None:
    # The indexes exactly as 0004 built them (its module holds their expressions).
    spec = importlib.util.spec_from_file_location("median_buckets_0004",
                                                  Path(__file__).with_name("0004_median_buckets.py"))
    median_buckets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(median_buckets)
    for name, columns in median_buckets._indexes().items():
        op.create_index(name, "report", columns)
