"""The event inbox: each event Slack sends is stored before its 2xx and run by a worker after it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from models.schema import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "slack_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("event", JSON_TYPE, nullable=False),
        sa.Column("context", JSON_TYPE, nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_event")),
        sa.UniqueConstraint("team_id", "event_id", name=op.f("uq_slack_event_team_id_event_id")),
    )
    op.create_index("ix_slack_event_pending", "slack_event", ["done_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_slack_event_pending", table_name="slack_event")
    op.drop_table("slack_event")
