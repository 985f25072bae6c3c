"""Closing the loop: a manager changes an insight's status (acknowledge, assign, resolve, dismiss); the
change is logged once, shown where it was made, and told to the reporter by DM — anonymous reporters too,
through their sealed id, without anyone seeing it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.models.views import View
from sqlalchemy.orm import Session

from bot.flows.escalation import vote_count
from bot.flows.reporter import reporter_user_id, tell_reporter
from bot.i18n import t
from bot.services import Database, Workspaces
from bot.slack.client import send_to_response_url
from bot.slack.messenger import answer
from bot.slack.payloads import team_of
from bot.views.alert import alert_title, escalation_alert_blocks, status_note_blocks, status_note_text
from bot.views.blocks import as_dicts
from bot.views.manage import ModalContext, status_line
from models.insights import get_insight
from models.read import InsightCard, card_of, insight_card
from models.schema import Insight
from models.status import assign_insight, record_status, resolve_insight

log = logging.getLogger(__name__)

# (the insight as it now is, its reporter's user id to tell) when a change was made; False when it changed
# nothing (a repeated click); None when there is no such insight in the workspace.
Outcome = tuple[InsightCard, str | None] | bool | None


def may_act(workspaces: Workspaces, client: WebClient, team_id: str, user_id: str, respond: Respond) -> bool:
    """Managers only (anyone while the workspace names no manager); others are told why not."""
    config = workspaces.config(team_id)
    refused = workspaces.managers.act_refusal(client, config, user_id)
    if refused is None:
        return True
    answer(respond, t(config.language, refused))  # "not a manager", or Slack did not answer in time
    return False


def refused_form(
    workspaces: Workspaces, client: WebClient, ack: Ack, team_id: str, user_id: str, has_context: bool, block: str
) -> bool:
    """A manager's form refused, the reason shown under ``block``: not the app's form (no context), not a manager,
    or Slack too slow to say. False to go on."""
    config = workspaces.config(team_id)
    refused = workspaces.managers.act_refusal(client, config, user_id) if has_context else "not_manager"
    if refused is None:
        return False
    ack(response_action="errors", errors={block: t(workspaces.lang_of(team_id), refused)})
    return True


def manager_card(
    db: Database,
    workspaces: Workspaces,
    client: WebClient,
    team_id: str,
    user_id: str,
    insight_id: int | None,
    respond: Respond,
) -> tuple[str, InsightCard] | None:
    """(language, insight) a manager's control is about; None, with the reason told, for anyone else or none."""
    if not may_act(workspaces, client, team_id, user_id, respond):
        return None
    lang = workspaces.lang_of(team_id)
    with db.sessions.begin() as session:
        card = insight_card(session, team_id, insight_id)
    if card is None:
        answer(respond, t(lang, "not_found"))
        return None
    return lang, card


def open_manager_form(
    db: Database,
    workspaces: Workspaces,
    client: WebClient,
    body: dict[str, Any],
    insight_id: int | None,
    respond: Respond,
    form: Callable[[str, InsightCard, ModalContext], View],
) -> None:
    """Open ``form`` about an insight for the manager who clicked; anyone else is told why not."""
    found = manager_card(db, workspaces, client, team_of(body), body["user"]["id"], insight_id, respond)
    if found is not None:
        lang, card = found
        client.views_open(trigger_id=body["trigger_id"], view=form(lang, card, ModalContext(card.id)))


def _apply(db: Database, team_id: str, insight_id: int | None, change: Callable[[Session, Insight], bool]) -> Outcome:
    """Apply ``change`` in one unit of work (see :data:`Outcome`)."""
    with db.sessions.begin() as session:
        insight = get_insight(session, team_id, insight_id) if insight_id is not None else None
        if insight is None:
            return None
        if not change(session, insight):
            return False
        return card_of(insight), reporter_user_id(db.vault, insight)


def set_status(db: Database, team_id: str, insight_id: int | None, to_status: str, by: str) -> Outcome:
    """Acknowledge or dismiss, once."""
    return _apply(db, team_id, insight_id, lambda s, i: record_status(s, i, to_status, by=by))


def assign(db: Database, team_id: str, insight_id: int | None, assignee: str, by: str) -> Outcome:
    """Assign to someone (a hand-over to another person is logged too)."""
    return _apply(db, team_id, insight_id, lambda s, i: assign_insight(s, i, assignee, by))


def resolve(
    db: Database, team_id: str, insight_id: int | None, by: str, note: str | None, value: float | None
) -> Outcome:
    """Resolve with a note for the reporter and the € it was worth."""
    return _apply(db, team_id, insight_id, lambda s, i: resolve_insight(s, i, by, note, value))


def redrawn_alert(db: Database, lang: str, card: InsightCard, user_id: str) -> dict[str, Any]:
    """The alert as it now stands (status, who acted, votes), to replace the one clicked."""
    votes = vote_count(db, card.id)
    return {
        "replace_original": True,
        "text": alert_title(lang, card.id, votes),
        "blocks": as_dicts(escalation_alert_blocks(card, lang, votes, acted_by=user_id)),
    }


def after_change(
    db: Database,
    client: WebClient,
    lang: str,
    user_id: str,
    changed: tuple[InsightCard, str | None],
    *,
    note: str | None = None,
    alert_url: str | None = None,
    respond: Respond | None = None,
) -> None:
    """Show the change where it was made (the alert is redrawn, elsewhere a line to the person who
    clicked) and DM the reporter."""
    card, reporter = changed
    if alert_url:
        send_to_response_url(alert_url, redrawn_alert(db, lang, card, user_id))
    elif respond is not None:
        answer(respond, status_line(lang, card, user_id))
    log.info("insight %s is now %s", card.id, card.status)
    blocks = as_dicts(status_note_blocks(card, lang, user_id, note))
    tell_reporter(client, reporter, card.id, status_note_text(card, lang, user_id), blocks)
