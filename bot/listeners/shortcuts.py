"""The "Save as insight" message shortcut and the capture modal's submission (also used by ``/insight``)."""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import partial
from typing import Any, Final

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.flows.capture import (
    CaptureFailed,
    CaptureRateLimited,
    already_told,
    draft_from,
    label_later,
    message_key,
    reporter_fields,
    store,
    text_problem,
)
from bot.flows.confirmations import send_confirmation
from bot.i18n import t
from bot.services import Capture, Services, Workspaces
from bot.slack.client import NO_ANSWER
from bot.slack.directory import PRE_ACK_BUDGET, with_names
from bot.slack.payloads import context_of, is_external, team_of
from bot.views.capture_modal import CaptureOrigin, capture_modal, notice_modal
from bot.views.slack_text import plain
from insights.slack_markup import encode

METADATA_LIMIT: Final = 3000  # Slack's limit for a view's private_metadata

log = logging.getLogger(__name__)


def save_shortcut_callback(workspaces: Workspaces, ack: Ack, shortcut: dict[str, Any], client: WebClient) -> None:
    """Open the capture modal prefilled with the message; a message with no text gets a clear notice."""
    ack()
    lang = workspaces.lang_of(team_of(shortcut))
    if shortcut.get("type") == "shortcut":  # a global shortcut reusing this callback id: there is no message
        client.views_open(trigger_id=shortcut["trigger_id"], view=capture_modal(lang, CaptureOrigin(source="modal")))
        return
    message = shortcut.get("message") or {}
    # The form shows what a person reads (@name, «Logistar (https://…)», @here that pings nobody), never raw tokens;
    # names read within the budget (the 2xx waits for this), the others once the insight is stored.
    named = with_names(client, str(message.get("text") or ""), budget=PRE_ACK_BUDGET)
    text = plain(named, urls=True).strip()
    if not text:
        client.views_open(trigger_id=shortcut["trigger_id"], view=notice_modal(lang, t(lang, "no_text")))
        return
    origin = CaptureOrigin(
        source="shortcut",
        channel_id=(shortcut.get("channel") or {}).get("id"),
        message_ts=message.get("ts") or shortcut.get("message_ts"),
        author_id=message.get("user"),
        channel_name=(shortcut.get("channel") or {}).get("name"),
    )
    if len(replace(origin, original=named).dumps()) <= METADATA_LIMIT:
        origin = replace(origin, original=named)
    client.views_open(trigger_id=shortcut["trigger_id"], view=capture_modal(lang, origin, prefill=text))


def _state(view: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    return dict((view.get("state") or {}).get("values", {}).get(block_id, {}).get(action_id) or {})


def capture_submission_callback(
    capture: Capture, workspaces: Workspaces, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Validate and store the modal's insight; errors keep the modal open with the text in it."""
    lang = workspaces.lang_of(team_of(body))
    # Typed characters, encoded as Slack would send them: every stored text has one form.
    typed = (_state(view, ids.BLOCK_TEXT, ids.INPUT_TEXT).get("value") or "").strip()
    origin = CaptureOrigin.loads(view.get("private_metadata") or "")
    unchanged = origin.original is not None and plain(origin.original, urls=True).strip() == typed
    text = origin.original.strip() if unchanged and origin.original else encode(typed)
    problem = text_problem(text)
    if problem:
        if problem == "too_long":
            message = t(lang, "too_long", length=len(text), limit=ids.MAX_TEXT_LENGTH).split(".")[0] + "."
        elif problem == "no_words":
            message = t(lang, "no_words")
        else:
            message = t(lang, "empty_modal")
        ack(response_action="errors", errors={ids.BLOCK_TEXT: message})
        return
    kind = (_state(view, ids.BLOCK_KIND, ids.INPUT_KIND).get("selected_option") or {}).get("value")
    anonymous = bool(_state(view, ids.BLOCK_ANONYMOUS, ids.INPUT_ANONYMOUS).get("selected_options"))
    customer = (_state(view, ids.BLOCK_CUSTOMER, ids.INPUT_CUSTOMER).get("value") or "").strip() or None
    team_id = team_of(body)  # the installed workspace (view.app_installed_team_id in a Slack Connect channel)
    user_id = body["user"]["id"]
    from_message = origin.source == "shortcut" and origin.channel_id and origin.message_ts
    key = (
        message_key(team_id, origin.channel_id or "", origin.message_ts or "")
        if from_message
        else f"view:{team_id}:{view.get('id')}"
    )
    draft = draft_from(
        team_id=team_id,
        idempotency_key=key,
        text=text,
        external=is_external(context_of(body), body["user"].get("team_id")),
        source="shortcut" if from_message else "modal",
        kind=kind,
        customer=customer,
        channel_id=origin.channel_id,
        channel_name=origin.channel_name,
        message_ts=origin.message_ts if from_message else None,
        author_id=origin.author_id if from_message else None,
        **reporter_fields(capture.db.vault, team_id, user_id, anonymous),
    )
    try:
        card, created = store(capture, draft)
    except CaptureFailed as exc:
        key = "rate_limited_modal" if isinstance(exc, CaptureRateLimited) else "store_failed_modal"
        ack(response_action="errors", errors={ids.BLOCK_TEXT: t(lang, key, limit=capture.rate_limit)})
        return
    ack()
    if created:
        label_later(capture.db, client, card.id, card.text)
    if not created and already_told(capture.db, draft):
        return  # Slack redelivered this person's form: their first confirmation stands
    permalink = _permalink(client, origin) if from_message and created else None
    if draft.external:  # shown as to someone of another organisation, even a message a colleague saved first
        card = replace(card, external=True)
    send_confirmation(
        capture, client, lang, user_id, card, created=created, permalink=permalink, channel_id=origin.channel_id
    )


def _permalink(client: WebClient, origin: CaptureOrigin) -> str | None:
    try:
        response = client.chat_getPermalink(channel=origin.channel_id or "", message_ts=origin.message_ts or "")
        return str(response.get("permalink") or "") or None
    except SlackApiError as exc:
        log.warning("no permalink for a captured message: %s", exc.response.get("error"))
    except NO_ANSWER as exc:
        log.warning("no permalink for a captured message: %s", type(exc).__name__)
    return None


def register(app: App, services: Services) -> None:
    capture, workspaces = services.capture, services.workspaces
    app.shortcut(ids.SHORTCUT_SAVE)(partial(save_shortcut_callback, workspaces))
    app.view(ids.VIEW_CAPTURE)(partial(capture_submission_callback, capture, workspaces))
