"""Enterprise Grid and Slack Connect: a workspace knows its org and whether the install is org-wide (to find
its bot in the installation store), and an insight knows it came from a person of another organisation.

Existing workspaces take their enterprise id from their stored bot, when they have one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("is_enterprise_install", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("insight", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE workspace SET enterprise_id = (SELECT MAX(b.enterprise_id) FROM slack_bots b"
        " WHERE b.team_id = workspace.team_id) WHERE enterprise_id IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("insight", schema=None) as batch_op:
        batch_op.drop_column("external")
    with op.batch_alter_table("workspace", schema=None) as batch_op:
        batch_op.drop_column("is_enterprise_install")
        batch_op.drop_column("enterprise_id")
