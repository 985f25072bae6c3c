"""Talking about an insight: a manager writes to its reporter, the reporter answers (the bot carries both ways,
so an anonymous reporter stays anonymous), and a near-duplicate is merged into the insight it repeats."""

from __future__ import annotations

from bot.flows.corrections import Refusal, own_insight
from bot.flows.reporter import reporter_user_id
from bot.services import Database
from models.insights import delete_insight, get_insight
from models.read import InsightCard, card_of, insight_card
from models.status import ManagerMessage, add_reply, message_to_reporter


def write_to_reporter(
    db: Database, team_id: str, insight_id: int, manager: str, text: str, view_id: str
) -> tuple[InsightCard, str, int | None] | str:
    """Store a manager's message: (insight, reporter to DM, reply id — None when this form was stored
    already); or the i18n key of why it cannot be relayed."""
    with db.sessions.begin() as session:
        insight = get_insight(session, team_id, insight_id)
        if insight is None:
            return "not_found"
        reporter = reporter_user_id(db.vault, insight)
        if reporter is None:
            return "reply_no_reporter"
        reply_id = add_reply(session, insight.id, "to_reporter", text, by=manager, to=None, view_id=view_id)
        return card_of(insight), reporter, reply_id


def message_for(db: Database, team_id: str, user_id: str, reply_id: str) -> ManagerMessage | None:
    """The manager's message ``reply_id`` and its insight, if ``user_id`` reported that insight."""
    if not reply_id.isdigit():
        return None
    with db.sessions.begin() as session:
        message = message_to_reporter(session, team_id, int(reply_id))
    if message is None or message.reporter_hash != db.vault.hash(team_id, user_id):
        return None
    return message


def answer_manager(db: Database, insight_id: int, text: str, manager: str, view_id: str) -> int | None:
    """Store the reporter's answer once per form; None when this form was stored already."""
    with db.sessions.begin() as session:
        return add_reply(session, insight_id, "to_manager", text, by=None, to=manager, view_id=view_id)


def find_card(db: Database, team_id: str, insight_id: int | None) -> InsightCard | None:
    """An insight of this workspace, as a card."""
    with db.sessions.begin() as session:
        return insight_card(session, team_id, insight_id)


def drop_duplicate(db: Database, team_id: str, user_id: str, mine: int, existing: int) -> Refusal | None:
    """Delete the reporter's own near-duplicate ``mine`` of ``existing``; None when done."""
    with db.sessions.begin() as session:
        if get_insight(session, team_id, existing) is None:
            return "not_found"
        own = own_insight(session, db, team_id, user_id, mine)
        if isinstance(own, str):
            return own
        delete_insight(session, own)
        return None
