"""The managers' alert remembers when it was tried and when it went out, so one that failed is tried again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.schema import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("insight", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alert_tried_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("alerted_at", UTCDateTime(timezone=True), nullable=True))
    # Insights escalated before: their alert was tried then; whether it went out is unknown, and alerting
    # managers again about every past escalation would be worse than missing one.
    insight = sa.table(
        "insight",
        sa.column("escalated_at", UTCDateTime(timezone=True)),
        sa.column("alert_tried_at", UTCDateTime(timezone=True)),
        sa.column("alerted_at", UTCDateTime(timezone=True)),
    )
    op.execute(
        insight.update()
        .where(insight.c.escalated_at.is_not(None))
        .values(alert_tried_at=insight.c.escalated_at, alerted_at=insight.c.escalated_at)
    )


def downgrade() -> None:
    with op.batch_alter_table("insight", schema=None) as batch_op:
        batch_op.drop_column("alerted_at")
        batch_op.drop_column("alert_tried_at")
