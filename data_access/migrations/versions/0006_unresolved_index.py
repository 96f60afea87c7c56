"""unresolved index: the reports without a resolution, by creation time

The wall's compliance over a window (data_access/queries/kpis.py) keeps what no clock changes per whole day
(data_access/queries/settled.py) and counts afresh only what the clock moves: reports silent past their due
time. Only a report without a resolution can be silent, so a partial index of those (a report leaves it when it
is resolved) lets that count read a few thousand index entries instead of every report of the window.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = ["created_at", "status", "opd_code", "district_code", "category_code", "first_response_at",
           "response_due_at", "resolution_due_at", "id"]
UNRESOLVED = sa.text("resolved_at IS NULL")


def upgrade() -> None:
    op.create_index("ix_report_unresolved", "report", COLUMNS, sqlite_where=UNRESOLVED, postgresql_where=UNRESOLVED)


def downgrade() -> None:
    op.drop_index("ix_report_unresolved", table_name="report")
