"""Workspaces: one row per Slack team, created once however many requests race for it.

Repository functions take a session and never commit (the caller owns the unit of work).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db import dialect_insert
from models.schema import Workspace, utcnow


def ensure_workspace(
    session: Session,
    team_id: str,
    name: str | None = None,
    *,
    enterprise_id: str | None = None,
    is_enterprise_install: bool | None = None,
) -> Workspace:
    """Return the workspace for a Slack team (an org-wide install: its enterprise id), creating it once however
    many requests race for it; what an install says of its org is kept. A request without a team has no
    workspace: ``ValueError``."""
    if not team_id:
        raise ValueError("a workspace needs a team id")
    find = select(Workspace).where(Workspace.team_id == team_id)
    # Read first: the row almost always exists, and the INSERT would make every capture a writer from its first
    # statement (on SQLite, holding the database's one write lock for the whole unit of work).
    workspace = session.scalars(find).one_or_none()
    if workspace is None:
        statement = dialect_insert(session, Workspace).values(
            team_id=team_id, name=name, settings={}, created_at=utcnow()
        )
        session.execute(statement.on_conflict_do_nothing(index_elements=["team_id"]))
        workspace = session.scalars(find).one()
    if name and workspace.name != name:
        workspace.name = name
    if enterprise_id and workspace.enterprise_id != enterprise_id:
        workspace.enterprise_id = enterprise_id
    if is_enterprise_install is not None and workspace.is_enterprise_install != is_enterprise_install:
        workspace.is_enterprise_install = is_enterprise_install
    return workspace


def installation_of(session: Session, team_id: str) -> tuple[str | None, bool]:
    """(enterprise_id, is_enterprise_install) of a workspace, to find its bot; (None, False) when unknown."""
    row = session.execute(
        select(Workspace.enterprise_id, Workspace.is_enterprise_install).where(Workspace.team_id == team_id)
    ).one_or_none()
    return (row[0], bool(row[1])) if row is not None else (None, False)


@dataclass(frozen=True)
class WorkspaceRow:
    """A workspace as background work needs it: ids, when it was installed, its stored settings."""

    id: int
    team_id: str
    created_at: datetime
    settings: dict[str, Any]


def _row(workspace: Workspace) -> WorkspaceRow:
    return WorkspaceRow(workspace.id, workspace.team_id, workspace.created_at, dict(workspace.settings or {}))


def all_workspaces(session: Session) -> list[WorkspaceRow]:
    """Every workspace (the scheduler's tick goes through them all)."""
    return [_row(w) for w in session.scalars(select(Workspace))]


def find_workspace(session: Session, team_id: str) -> WorkspaceRow | None:
    """The workspace of a Slack team, without creating it; None when it never used Pépites."""
    workspace = session.scalars(select(Workspace).where(Workspace.team_id == team_id)).one_or_none()
    return _row(workspace) if workspace is not None else None


def stored_settings(session: Session, team_id: str) -> dict[str, Any]:
    """What ``/insight config`` saved for the workspace (created on first use)."""
    return dict(ensure_workspace(session, team_id).settings or {})


def store_settings(session: Session, team_id: str, settings: dict[str, Any]) -> None:
    """Replace the workspace's stored settings."""
    ensure_workspace(session, team_id).settings = settings
