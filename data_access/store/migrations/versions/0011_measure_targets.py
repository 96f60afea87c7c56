"""measure_target: the regency's target per figure, optionally per OPD (issue #25 item 1)

The wall's tiles, the briefing and the monthly report show each headline figure against its target; a row here
overrides the default of core.measures.DEFAULT_TARGETS. ``opd_code`` '' is the whole regency (a primary key
cannot hold NULL). Set with `python -m dashboard targets set`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from data_access.store.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "measure_target",
        sa.Column("measure", sa.String(40), primary_key=True),
        sa.Column("opd_code", sa.String(24), primary_key=True, server_default=""),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("set_by", sa.String(80), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("measure_target")
