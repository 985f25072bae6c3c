"""An insight captured from a Slack message follows it: an edit brings the new text (tagged again, a person's
corrections kept), a deletion takes the text away (votes and status kept) and tells the reporter."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.flows.capture import message_key
from bot.flows.reporter import reporter_user_id, tell_reporter
from bot.i18n import t
from bot.ids import MAX_TEXT_LENGTH
from bot.services import Capture, Database
from models.insights import follow_deletion, follow_edit

log = logging.getLogger(__name__)


def message_edited(capture: Capture, team_id: str, channel_id: str, ts: str, text: str) -> int | None:
    """Store the edited text of a captured message and queue it for tagging; the insight's id, if any."""
    text = text.strip()[:MAX_TEXT_LENGTH]  # as Slack sent it, like a capture; the permalink keeps the rest
    if not text:
        return None
    with capture.db.sessions.begin() as session:
        insight_id = follow_edit(session, message_key(team_id, channel_id, ts), text)
    if insight_id is not None:
        log.info("insight %s follows its edited message", insight_id)
        capture.tagging.submit(insight_id)
    return insight_id


def message_deleted(db: Database, client: WebClient, lang: str, team_id: str, channel_id: str, ts: str) -> int | None:
    """Remove the text of a captured message that was deleted and tell its reporter (once); the insight's id."""
    try:
        with db.sessions.begin() as session:
            insight = follow_deletion(session, message_key(team_id, channel_id, ts), t(lang, "message_removed"))
            if insight is None:
                return None
            insight_id, reporter = insight.id, reporter_user_id(db.vault, insight)
    except SQLAlchemyError as exc:  # raised again: Slack redelivers the event (process_before_response)
        log.error("removing a deleted message's text failed (%s)", type(exc).__name__)
        raise
    log.info("insight %s: its message was deleted, its text removed", insight_id)
    text = t(lang, "message_removed_dm", id=insight_id)
    tell_reporter(client, reporter, insight_id, text, [])
    return insight_id
