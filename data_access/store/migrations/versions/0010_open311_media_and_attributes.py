"""Open311 media links and multi-value attributes (issue #24 item 4)

* ``report.media_url``: the public link to a photo a POST names (GeoReport's ``media_url``). It was appended to
  the description, where no client could find it; now it is a column and GET returns it.
* ``intake_request.attributes``: a POST's attributes that are none of our extensions, as sent — a multi-value
  one (``attribute[code][]=a&attribute[code][]=b``) as a list. Shown nowhere.

Both nullable without a default: adding them rewrites no row on either backend.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("report", sa.Column("media_url", sa.String(500), nullable=True))
    op.add_column("intake_request", sa.Column("attributes", sa.JSON(), nullable=True))


def downgrade() -> None:
    # batch mode: SQLite before 3.35 cannot drop a column in place
    with op.batch_alter_table("intake_request") as batch:
        batch.drop_column("attributes")
    with op.batch_alter_table("report") as batch:
        batch.drop_column("media_url")
