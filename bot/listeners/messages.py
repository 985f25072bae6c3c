"""Messages in the channels Pépites is in: an edit or a deletion of a captured message reaches its insight
(``message_changed`` / ``message_deleted``, recorded in the event inbox before the 2xx and run by its worker
after it); every other message is acknowledged and ignored."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.flows.message_changes import message_deleted, message_edited
from bot.services import Capture, Database, Services, Workspaces
from bot.slack.payloads import workspace_of


def message_changed_callback(
    capture: Capture, workspaces: Workspaces, event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """An edited message updates its insight; a thread's parent deleted under its replies (a tombstone) is a
    deletion."""
    message = event.get("message") or {}
    channel, ts = str(event.get("channel") or ""), str(message.get("ts") or "")
    team_id = workspace_of(context)
    if not (team_id and channel and ts):
        return
    if message.get("subtype") == "tombstone":
        message_deleted(capture.db, client, workspaces.lang_of(team_id), team_id, channel, ts)
        return
    message_edited(capture, team_id, channel, ts, str(message.get("text") or ""))


def message_deleted_callback(
    db: Database, workspaces: Workspaces, event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A deleted message (by its author, retention or data-loss prevention) takes its insight's text away."""
    channel = str(event.get("channel") or "")
    ts = str(event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts") or "")
    team_id = workspace_of(context)
    if team_id and channel and ts:
        message_deleted(db, client, workspaces.lang_of(team_id), team_id, channel, ts)


def other_message_callback() -> None:
    """Every other message: acknowledged (an unhandled event is retried by Slack), nothing stored."""


def register(app: App, services: Services) -> None:
    capture, workspaces, inbox = services.capture, services.workspaces, services.inbox
    inbox.on(ids.MESSAGE_CHANGED, partial(message_changed_callback, capture, workspaces))
    inbox.on(ids.MESSAGE_DELETED, partial(message_deleted_callback, capture.db, workspaces))
    app.event({"type": "message", "subtype": ids.MESSAGE_CHANGED})(inbox.listener)
    app.event({"type": "message", "subtype": ids.MESSAGE_DELETED})(inbox.listener)
    app.event("message")(other_message_callback)
