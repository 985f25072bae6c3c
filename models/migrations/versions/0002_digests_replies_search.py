"""Digests, replies, search: folded text, theme lemmas, assignee, resolution value, posting attempts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from models.schema import UTCDateTime
from models.search import fold

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "reply",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("insight_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("by", sa.String(length=32), nullable=True),
        sa.Column("to", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["insight_id"], ["insight.id"], name=op.f("fk_reply_insight_id_insight"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply")),
    )
    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reply_insight_id"), ["insight_id"], unique=False)

    with op.batch_alter_table("digest_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("error", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("posted_at", UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table("insight", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lemmas", JSON, nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("assignee_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("value_eur", sa.Double(), nullable=True))
        batch_op.create_index("ix_insight_theme", ["theme_id"], unique=False)

    # Fold the text of the insights already stored, in batches, so search finds them too.
    bind = op.get_bind()
    insight = sa.table("insight", sa.column("id", sa.Integer()), sa.column("text", sa.Text()), sa.column("search_text"))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(insight.c.id, insight.c.text).where(insight.c.id > last).order_by(insight.c.id).limit(1000)
        ).all()
        if not rows:
            break
        for row in rows:
            bind.execute(sa.update(insight).where(insight.c.id == row.id).values(search_text=fold(row.text)))
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("insight", schema=None) as batch_op:
        batch_op.drop_index("ix_insight_theme")
        batch_op.drop_column("value_eur")
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("assignee_id")
        batch_op.drop_column("search_text")
        batch_op.drop_column("lemmas")

    with op.batch_alter_table("digest_run", schema=None) as batch_op:
        batch_op.drop_column("posted_at")
        batch_op.drop_column("error")
        batch_op.drop_column("attempts")

    with op.batch_alter_table("reply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_insight_id"))

    op.drop_table("reply")
