"""Workspaces: one row per Slack team, created once however many requests race for it.

Repository functions take a session and never commit (the caller owns the unit of work).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db import dialect_insert
from models.schema import Workspace, utcnow


def ensure_workspace(session: Session, team_id: str, name: str | None = None) -> Workspace:
    """Return the workspace for a Slack team, creating it once however many requests race for it."""
    statement = dialect_insert(session, Workspace).values(team_id=team_id, name=name, settings={}, created_at=utcnow())
    session.execute(statement.on_conflict_do_nothing(index_elements=["team_id"]))
    workspace = session.scalars(select(Workspace).where(Workspace.team_id == team_id)).one()
    if name and workspace.name != name:
        workspace.name = name
    return workspace
