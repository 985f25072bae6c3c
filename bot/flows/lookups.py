"""Looking back and erasing: ``/insight mine``, ``/insight search``, ``/insight forget`` and saving
``/insight config``; each raises :class:`Unavailable` when the database cannot answer."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.services import Database, Workspaces
from bot.workspace_config import WorkspaceConfig
from models.privacy import forget_reporter, hand_over_shared
from models.read import InsightCard, reporter_cards, search_cards

log = logging.getLogger(__name__)


class Unavailable(Exception):
    """The database could not answer; the person is told to try again."""


def my_insights(db: Database, team_id: str, user_id: str) -> list[InsightCard]:
    """A person's latest insights, anonymous ones included."""
    try:
        with db.sessions.begin() as session:
            return reporter_cards(session, team_id, db.vault.hash(team_id, user_id))
    except SQLAlchemyError as exc:
        log.exception("listing a reporter's insights failed")
        raise Unavailable from exc


def search(db: Database, team_id: str, query: str, limit: int) -> list[InsightCard]:
    """This workspace's insights holding every word of ``query``, accents ignored, newest first."""
    try:
        with db.sessions.begin() as session:
            return search_cards(session, team_id, query, limit=limit)
    except SQLAlchemyError as exc:
        log.exception("searching insights failed")
        raise Unavailable from exc


def erase_reporter(db: Database, team_id: str, user_id: str) -> tuple[int, int, list[tuple[int, str]]]:
    """Erase every insight the person reported here (anonymous ones too) and their votes; (insights, votes,
    handed over). An insight a colleague also reported ("me too", a merge) is handed over to that colleague
    instead of erased (docs/decisions.md): it is counted as erased for the person, it is no longer theirs."""
    hashed = db.vault.hash(team_id, user_id)
    try:
        with db.sessions.begin() as session:
            handed = hand_over_shared(session, team_id, hashed, user_id, lambda other: db.vault.hash(team_id, other))
            insights, votes = forget_reporter(session, team_id, hashed, user_id)
            return insights + len(handed), votes, handed
    except SQLAlchemyError as exc:
        log.exception("erasing a person's insights failed")
        raise Unavailable from exc


def save_settings(workspaces: Workspaces, team_id: str, config: WorkspaceConfig) -> None:
    """Store what ``/insight config`` submitted."""
    try:
        workspaces.configs.save(team_id, config)
    except SQLAlchemyError as exc:
        log.exception("saving a workspace's settings failed")
        raise Unavailable from exc
