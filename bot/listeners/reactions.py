"""Reactions: the capture emoji (default :gem:) saves a message once, whoever adds it; an escalation emoji
(default :arrow_up: or :rotating_light:) is a vote, taken back when the reaction is removed.

The listener only records the event in the inbox (:mod:`bot.jobs.inbox`) and Slack gets its 2xx at once; the
inbox's worker runs the callbacks below after it, with the workspace's client and the request's context."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.flows.capture import (
    CaptureFailed,
    CaptureRateLimited,
    captured_id,
    confirmation_owed,
    draft_from,
    message_key,
    reporter_fields,
    store,
    text_problem,
)
from bot.flows.confirmations import send_confirmation, send_owed_confirmation
from bot.flows.escalation import vote_count, vote_to_escalate, withdraw_vote
from bot.i18n import t
from bot.ids import MAX_TEXT_LENGTH
from bot.services import Capture, Database, Services, Workspaces
from bot.slack import messenger
from bot.slack.client import NO_ANSWER
from bot.slack.directory import with_names
from bot.slack.payloads import is_external, workspace_of
from insights.slack_markup import bounded

log = logging.getLogger(__name__)


def is_capture_reaction(reaction: str, emoji: str) -> bool:
    """``gem`` and ``gem::skin-tone-3`` both count."""
    return reaction.split("::", 1)[0] == emoji


def reaction_added_callback(
    capture: Capture,
    workspaces: Workspaces,
    event: dict[str, Any],
    body: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    """The capture emoji saves the message; an escalation emoji votes for it (saving it first if needed)."""
    item = event.get("item") or {}
    if item.get("type") != "message":
        return
    reaction = str(event.get("reaction", ""))
    team_id = _team(body, context)
    config = workspaces.config(team_id)
    own = {i for i in (context.bot_id, context.bot_user_id) if i}
    if is_capture_reaction(reaction, config.capture_emoji):
        _capture_message(capture, workspaces, event, team_id, client, own, home=context, shared=_shared(body))
    elif any(is_capture_reaction(reaction, emoji) for emoji in config.escalation_emojis):
        # A vote is a vote: the message's author reports it, whoever votes first.
        insight_id = _capture_message(
            capture, workspaces, event, team_id, client, own, by_author=True, home=context, shared=_shared(body)
        )
        if insight_id is not None:
            voter = str(event["user"])
            escalated = vote_to_escalate(capture.db, workspaces, client, team_id, insight_id, voter)
            votes = vote_count(capture.db, insight_id)
            key = "vote_escalated" if escalated else "vote_counted"
            text = t(config.language, key, id=insight_id, votes=votes, quorum=config.quorum)
            _tell(client, str(item.get("channel") or ""), voter, text)


def reaction_removed_callback(
    db: Database, workspaces: Workspaces, event: dict[str, Any], body: dict[str, Any], context: BoltContext
) -> None:
    """Removing an escalation emoji takes the vote back (an escalation already sent stays sent)."""
    reaction = str(event.get("reaction", ""))
    team_id = _team(body, context)
    if not any(is_capture_reaction(reaction, emoji) for emoji in workspaces.config(team_id).escalation_emojis):
        return
    item = event.get("item") or {}
    if item.get("type") != "message":
        return
    insight_id = captured_id(db, message_key(team_id, str(item["channel"]), str(item["ts"])))
    if insight_id is not None:
        withdraw_vote(db, insight_id, str(event["user"]))


def _shared(body: dict[str, Any]) -> bool:
    return bool(body.get("is_ext_shared_channel"))  # a Slack Connect channel: people of other organisations


def _team(body: dict[str, Any], context: BoltContext) -> str:
    return workspace_of(context)  # the installed workspace, never the reactor's own team (Slack Connect)


def _capture_message(
    capture: Capture,
    workspaces: Workspaces,
    event: dict[str, Any],
    team_id: str,
    client: WebClient,
    own: set[str],
    *,
    by_author: bool = False,
    home: BoltContext | None = None,
    shared: bool = False,
) -> int | None:
    """Read the message behind the reaction (``reactions.get``) and store it as an insight; its id.

    ``by_author``: the message's author is the reporter (an escalation vote), else the person who reacted.
    The bot's own posts (the digest, an alert) are never captured.
    """
    item = event["item"]
    channel_id, ts, user_id = str(item["channel"]), str(item["ts"]), str(event["user"])
    key = message_key(team_id, channel_id, ts)
    existing = captured_id(capture.db, key)
    if existing is not None:
        # A re-run of this event (the process that stored it was killed before the DM) still tells the reporter.
        reporter = str(event.get("item_user") or "") if by_author else user_id
        if reporter and confirmation_owed(capture.db, key, capture.db.vault.hash(team_id, reporter)):
            lang = workspaces.config(team_id).language
            send_owed_confirmation(capture, client, lang, reporter, existing, channel_id)
        return existing  # someone else saved it first: one insight however many people add the emoji
    if str(event.get("item_user") or "") in own:
        return None
    config = workspaces.config(team_id)
    lang = config.language
    try:
        response = client.reactions_get(channel=channel_id, timestamp=ts, full=True)
    except (SlackApiError, *NO_ANSWER) as exc:  # the event is acked already (and retried Web API calls failed)
        log.warning("could not read a message to capture (%s)", type(exc).__name__)
        _tell(client, channel_id, user_id, t(lang, "reaction_unread", emoji=config.capture_emoji))
        return None
    message = response.get("message") or {}
    if own & {str(message.get("bot_id") or ""), str(message.get("user") or "")}:
        return None  # a :gem: on the digest is not an insight
    text = str(message.get("text") or "").strip()  # as Slack sent it: rendered once by the views
    if not text:
        _tell(client, channel_id, user_id, t(lang, "no_text"))
        return None
    if text_problem(bounded(text, MAX_TEXT_LENGTH)) == "no_words":
        _tell(client, channel_id, user_id, t(lang, "no_words"))
        return None
    author = str(message.get("user") or event.get("item_user") or "")
    reporter = author if by_author and author else user_id
    # The reporter's team (the author's from the message, the reactor's from the event): another organisation's?
    source = message if reporter == author else event
    external = home is not None and is_external(home, source.get("user_team") or source.get("team"), shared)
    # A message longer than an insight is kept to its first 4,000 characters; the permalink keeps the rest.
    draft = draft_from(
        team_id=team_id,
        idempotency_key=key,
        text=bounded(with_names(client, text), MAX_TEXT_LENGTH),  # mentions named once, for every surface
        source="reaction",
        channel_id=channel_id,
        message_ts=ts,
        author_id=author or None,
        permalink=message.get("permalink"),
        external=external,
        **reporter_fields(capture.db.vault, team_id, reporter, anonymous=False),
    )
    try:
        card, created = store(capture, draft)
    except CaptureRateLimited:
        _tell(client, channel_id, user_id, t(lang, "rate_limited_modal", limit=capture.rate_limit))
        return None
    except CaptureFailed:
        _tell(client, channel_id, user_id, t(lang, "store_failed_modal"))
        raise
    if created:
        send_confirmation(capture, client, lang, reporter, card, created=True, permalink=None, channel_id=channel_id)
    return card.id


def _tell(client: WebClient, channel_id: str, user_id: str, text: str) -> None:
    messenger.ephemeral(client, channel_id, user_id, text, failure="could not tell a reporter")


def register(app: App, services: Services) -> None:
    capture, workspaces, inbox = services.capture, services.workspaces, services.inbox

    def added(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        body = {"is_ext_shared_channel": bool(context.get("is_ext_shared_channel"))}
        reaction_added_callback(capture, workspaces, event, body, client, context)

    def removed(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        reaction_removed_callback(capture.db, workspaces, event, {}, context)

    inbox.on("reaction_added", added)
    inbox.on("reaction_removed", removed)
    app.event("reaction_added")(inbox.listener)
    app.event("reaction_removed")(inbox.listener)
