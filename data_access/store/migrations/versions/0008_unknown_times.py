"""unknown is not late: response, resolution and closing times that an import stamped with its own moment
become unknown (NULL)

Before this revision the file importer gave a record without a response (or closing) time the moment of the
import as that time: a report answered in 2024 read as answered today, and late. The rule book now reads a report
that moved past ``baru`` without a response time, or finished without a resolution time, as done at an unknown
time (rules.unknown): neither met nor missed, counted apart.

A stamped time is recognisable: the importer wrote it with the same value as the report's ``updated_at`` (the
moment of the import) and as the time of its own status event (actor ``impor:<source>``). A time the source gave
differs from the moment of the import. Reports changed since the import (``updated_at`` moved on) keep their times:
which of them was stamped can no longer be told.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = ("first_response_at", "resolved_at", "closed_at")


def _stamped(column: str) -> str:
    return (f"{column} IS NOT NULL AND {column} = updated_at AND EXISTS (SELECT 1 FROM report_event e "
            f"WHERE e.report_id = report.id AND e.kind = 'status' AND e.actor LIKE 'impor:%' AND e.at = {column})")


def upgrade() -> None:
    # One statement per column, each judged on the row as the import left it (updated_at is not touched).
    conditions = {column: _stamped(column) for column in COLUMNS}
    for column in COLUMNS:
        op.execute(sa.text(f"UPDATE report SET {column} = NULL WHERE {conditions[column]}"))


def downgrade() -> None:
    # The stamped moments are gone; the old rule book reads the NULLs as silent past the due time (late), which is
    # what it read before only for rows that other systems wrote without times. Nothing to restore.
    pass
