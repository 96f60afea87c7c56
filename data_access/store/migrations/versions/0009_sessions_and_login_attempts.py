"""sessions and login attempts: a logout ends the session on the server; the login throttle counts before it
checks (issue #23 items 6 and 8)

* ``app_session``: one row per logged-in browser. The session cookie was a signed cookie alone, so a copy of it
  kept working after /logout; now it names a session id whose hash must be here, and /logout deletes the row.
* ``login_attempt``: one row per POST of the login form, written before the password is checked, so concurrent
  attempts in every worker count each other (40 at once had 19 passwords checked before the first 429); the form's
  token is unique here, so a form cannot be replayed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from data_access.store.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "app_session",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_app_session_user_id", "app_session", ["user_id"])
    op.create_table(
        "login_attempt",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("network", sa.String(64), nullable=False),
        sa.Column("form_hash", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_hash"),
    )
    op.create_index("ix_login_attempt_account_at", "login_attempt", ["account", "at"])
    op.create_index("ix_login_attempt_network_at", "login_attempt", ["network", "at"])
    op.create_index("ix_login_attempt_at", "login_attempt", ["at"])


def downgrade() -> None:
    op.drop_table("login_attempt")
    op.drop_index("ix_app_session_user_id", table_name="app_session")
    op.drop_table("app_session")
