"""heartbeat: each writer's last sign of life, so the wall tells a quiet night from a dead feed

At Mimika's volume (about 47 reports a day) hours pass between two reports at night; the age of the newest report
alone turned the wall's stale banner on every night. The worker, serve's sweeper and the simulator now write their
last run time here (data_access/store/heartbeat.py), and the banner comes on only when neither a report nor a beat came
within STALE_AFTER_MINUTES.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from data_access.store.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "heartbeat",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("beat_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("heartbeat")
