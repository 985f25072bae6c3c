"""The lasting theme catalogue: the event log per workspace, its replayed themes, and what each insight gives
themes (words, USE vector as float16 bytes, the catalogue theme holding it).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from models.schema import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("insight", schema=None) as batch_op:
        batch_op.add_column(sa.Column("words", JSON, nullable=True))
        batch_op.add_column(sa.Column("vector", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("theme_key", sa.String(length=24), nullable=True))
        batch_op.create_index("ix_insight_workspace_theme_key", ["workspace_id", "theme_key"], unique=False)
    op.create_table(
        "theme_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("by", sa.String(length=32), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspace.id"], name=op.f("fk_theme_event_workspace_id_workspace"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_event")),
        sa.UniqueConstraint("workspace_id", "seq", name=op.f("uq_theme_event_workspace_id_seq")),
    )
    op.create_table(
        "catalogue_theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=24), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("curated_label", sa.String(length=255), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("merged_into", sa.String(length=24), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspace.id"],
            name=op.f("fk_catalogue_theme_workspace_id_workspace"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_theme")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_catalogue_theme_workspace_id_key")),
    )


def downgrade() -> None:
    op.drop_table("catalogue_theme")
    op.drop_table("theme_event")
    with op.batch_alter_table("insight", schema=None) as batch_op:
        batch_op.drop_index("ix_insight_workspace_theme_key")
        batch_op.drop_column("theme_key")
        batch_op.drop_column("vector")
        batch_op.drop_column("words")
