"""A relayed message remembers the Slack form it was written in, so a form delivered again is relayed once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.add_column(sa.Column("view_id", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_reply_view_id"), ["view_id"])


def downgrade() -> None:
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_reply_view_id"), type_="unique")
        batch_op.drop_column("view_id")
