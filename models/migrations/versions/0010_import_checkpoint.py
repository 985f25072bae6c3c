"""History imports keep a checkpoint per channel, so an interrupted import resumes where it stopped.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.schema import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("since", sa.String(length=10), nullable=True),
        sa.Column("last_ts", sa.String(length=32), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_import_checkpoint_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_checkpoint")),
        sa.UniqueConstraint(
            "workspace_id",
            "source",
            "channel_id",
            "mode",
            name=op.f("uq_import_checkpoint_workspace_id_source_channel_id_mode"),
        ),
    )


def downgrade() -> None:
    op.drop_table("import_checkpoint")
