"""Customer signals a person set are kept (``signal_set_by``), and the channel's name is kept with the insight
so channels such as ``#client-biocoop`` teach the tagger the workspace's customers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("insight", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signal_set_by", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("channel_name", sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("insight", schema=None) as batch_op:
        batch_op.drop_column("channel_name")
        batch_op.drop_column("signal_set_by")
