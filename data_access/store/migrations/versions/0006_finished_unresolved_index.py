"""finished-unresolved index: finished reports without a resolution time, by creation time

The wall's compliance over a window (data_access/queries/kpis.py) keeps what no clock changes per whole day
(data_access/queries/settled_days.py) and counts afresh only what the clock moves: reports silent past their due
time. Only a report without a resolution can be silent; the open ones are weighed from the remembered open
reports (data_access/queries/open_reports.py), and this partial index holds the rest: finished reports without a
resolution time (rows from other systems), so few that the count reads almost nothing.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from data_access.store.schema import FINISHED_UNRESOLVED

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = ["created_at", "status", "opd_code", "district_code", "category_code", "first_response_at",
           "response_due_at", "resolution_due_at", "id"]
WHERE = sa.text(FINISHED_UNRESOLVED)


def upgrade() -> None:
    op.create_index("ix_report_finished_unresolved", "report", COLUMNS, sqlite_where=WHERE, postgresql_where=WHERE)


def downgrade() -> None:
    op.drop_index("ix_report_finished_unresolved", table_name="report")
