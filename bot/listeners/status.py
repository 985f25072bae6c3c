"""Managers' buttons (acknowledge, resolve, dismiss): log the change, update the alert, tell the reporter."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import ids
from bot.i18n import t
from bot.reporter import reporter_user_id, tell_reporter
from bot.services import Services, team_of
from bot.views.alert import escalation_alert_blocks, status_note_blocks, status_note_text
from bot.views.cards import InsightCard
from models.repository import get_insight, record_status
from models.votes import voters

log = logging.getLogger(__name__)


def status_action_callback(
    services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Apply the status the button stands for, once; a repeated click changes nothing."""
    ack()
    team_id = team_of(body)
    config = services.config(team_id)
    lang = config.language
    to_status = ids.STATUS_ACTIONS[str(action["action_id"])]
    user_id = body["user"]["id"]
    if not services.managers.may_act(client, config, user_id):
        respond(text=t(lang, "not_manager"), response_type="ephemeral", replace_original=False)
        return
    value = str(action.get("value") or "")
    insight_id = int(value) if value.isdigit() else None
    with services.sessions.begin() as session:
        insight = get_insight(session, team_id, insight_id) if insight_id is not None else None
        if insight is None:
            respond(text=t(lang, "not_found"), response_type="ephemeral", replace_original=False)
            return
        changed = record_status(session, insight, to_status, by=user_id)
        card = InsightCard.of(insight)
        votes = len(voters(session, insight.id, "escalate"))
        reporter = reporter_user_id(services.vault, insight) if changed else None
    respond(
        replace_original=True,
        text=t(lang, "alert_title", id=card.id, votes=votes),
        blocks=[b.to_dict() for b in escalation_alert_blocks(card, lang, votes, acted_by=user_id)],
    )
    if changed:
        log.info("insight %s is now %s", card.id, to_status)
        note = status_note_blocks(card, lang, user_id)
        tell_reporter(
            client,
            reporter,
            card.id,
            status_note_text(card, lang, user_id),
            [b.to_dict() for b in note],
        )


def register(app: App, services: Services) -> None:
    def on_status(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        status_action_callback(services, ack, body, action, respond, client)

    for action_id in ids.STATUS_ACTIONS:
        app.action(action_id)(on_status)
