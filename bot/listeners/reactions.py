"""Reactions: the capture emoji (default :gem:) saves a message once, whoever adds it; an escalation emoji
(default :arrow_up: or :rotating_light:) is a vote, taken back when the reaction is removed."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.flows.capture import CaptureFailed, CaptureRateLimited, draft_from, message_key, reporter_fields, store
from bot.flows.escalation import vote_to_escalate, withdraw_vote
from bot.i18n import t
from bot.ids import MAX_TEXT_LENGTH
from bot.listeners.shortcuts import send_confirmation
from bot.services import Services
from bot.slack.client import NO_ANSWER
from bot.views.safe import from_slack, truncate
from models.schema import Insight

log = logging.getLogger(__name__)


def is_capture_reaction(reaction: str, emoji: str) -> bool:
    """``gem`` and ``gem::skin-tone-3`` both count."""
    return reaction.split("::", 1)[0] == emoji


def _already_captured(services: Services, key: str) -> int | None:
    with services.sessions.begin() as session:
        return session.scalar(select(Insight.id).where(Insight.idempotency_key == key))


def reaction_added_callback(
    services: Services, event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """The capture emoji saves the message; an escalation emoji votes for it (saving it first if needed)."""
    item = event.get("item") or {}
    if item.get("type") != "message":
        return
    reaction = str(event.get("reaction", ""))
    config = services.config(_team(body, context))
    if is_capture_reaction(reaction, config.capture_emoji):
        _capture_message(services, event, body, client, context)
    elif any(is_capture_reaction(reaction, emoji) for emoji in config.escalation_emojis):
        insight_id = _capture_message(services, event, body, client, context)  # the stored one if any
        if insight_id is not None:
            vote_to_escalate(services, client, _team(body, context), insight_id, str(event["user"]))


def reaction_removed_callback(
    services: Services, event: dict[str, Any], body: dict[str, Any], context: BoltContext
) -> None:
    """Removing an escalation emoji takes the vote back (an escalation already sent stays sent)."""
    reaction = str(event.get("reaction", ""))
    if not any(
        is_capture_reaction(reaction, emoji) for emoji in services.config(_team(body, context)).escalation_emojis
    ):
        return
    if (event.get("item") or {}).get("type") != "message":
        return
    insight_id = _already_captured(services, _key(event, body, context))
    if insight_id is not None:
        withdraw_vote(services, insight_id, str(event["user"]))


def _team(body: dict[str, Any], context: BoltContext) -> str:
    return str(body.get("team_id") or context.team_id or "")


def _key(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> str:
    item = event["item"]
    return message_key(_team(body, context), str(item["channel"]), str(item["ts"]))


def _capture_message(
    services: Services, event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext
) -> int | None:
    """Read the message behind the reaction (``reactions.get``) and store it as an insight; its id."""
    item = event["item"]
    team_id = _team(body, context)
    channel_id, ts, user_id = str(item["channel"]), str(item["ts"]), str(event["user"])
    key = message_key(team_id, channel_id, ts)
    existing = _already_captured(services, key)
    if existing is not None:
        return existing  # someone else saved it first: one insight however many people add the emoji
    lang = services.lang_of(team_id)
    try:
        response = client.reactions_get(channel=channel_id, timestamp=ts, full=True)
    except (SlackApiError, *NO_ANSWER) as exc:  # the event is acked already: Slack will not send it again
        log.warning("could not read a message to capture (%s)", type(exc).__name__)
        _tell(client, channel_id, user_id, t(lang, "reaction_unread", emoji=services.config(team_id).capture_emoji))
        return None
    message = response.get("message") or {}
    text = from_slack(str(message.get("text") or "")).strip()
    if not text:
        _tell(client, channel_id, user_id, t(lang, "no_text"))
        return None
    # A message longer than an insight is kept to its first 4,000 characters; the permalink keeps the rest.
    draft = draft_from(
        team_id=team_id,
        idempotency_key=key,
        text=truncate(text, MAX_TEXT_LENGTH),
        source="reaction",
        channel_id=channel_id,
        message_ts=ts,
        author_id=message.get("user") or event.get("item_user"),
        permalink=message.get("permalink"),
        **reporter_fields(services.vault, team_id, user_id, anonymous=False),
    )
    try:
        card, created = store(services, draft)
    except CaptureRateLimited:
        _tell(client, channel_id, user_id, t(lang, "rate_limited_modal", limit=services.settings.rate_limit))
        return None
    except CaptureFailed:
        _tell(client, channel_id, user_id, t(lang, "store_failed_modal"))
        raise
    if created:
        send_confirmation(services, client, team_id, user_id, card, created=True, permalink=None, channel_id=channel_id)
    return card.id


def _tell(client: WebClient, channel_id: str, user_id: str, text: str) -> None:
    try:
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
    except SlackApiError as exc:
        log.warning("could not tell a reporter: %s", exc.response.get("error"))
    except NO_ANSWER as exc:
        log.warning("could not tell a reporter: %s", type(exc).__name__)


def register(app: App, services: Services) -> None:
    def on_reaction_added(event: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        reaction_added_callback(services, event, body, client, context)

    def on_reaction_removed(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        reaction_removed_callback(services, event, body, context)

    app.event("reaction_added")(on_reaction_added)
    app.event("reaction_removed")(on_reaction_removed)
