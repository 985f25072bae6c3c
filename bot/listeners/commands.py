"""``/insight``: quick capture, the modal, ``help`` and ``mine``, and clear answers to bad input."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import ids
from bot.flows.capture import (
    CaptureFailed,
    draft_from,
    is_unknown_subcommand,
    label_later,
    reporter_fields,
    store,
    text_problem,
)
from bot.flows.lookups import Unavailable, erase_reporter, my_insights, save_settings, search
from bot.i18n import plural, t
from bot.services import Capture, Database, Services, Workspaces
from bot.slack import messenger
from bot.slack.directory import PRE_ACK_BUDGET, with_names
from bot.slack.payloads import team_of
from bot.views.blocks import as_dicts
from bot.views.capture_modal import CaptureOrigin, capture_modal
from bot.views.config_modal import config_modal, read_submission
from bot.views.confirmation import confirmation_blocks, confirmation_text
from bot.views.messages import (
    error_with_text_blocks,
    forget_blocks,
    help_blocks,
    help_text,
    mine_blocks,
    search_blocks,
    text_blocks,
)
from bot.views.safe import from_slack, safe
from models.search import search_words

log = logging.getLogger(__name__)

SEARCH_LIMIT = 15

# Announced subcommands not built yet; they must not be stored as insights by mistake.
LATER_SUBCOMMANDS = frozenset({"export"})
FORGET_WORDS = frozenset({"forget", "oublier", "effacer"})
SEARCH_WORDS = frozenset({"search", "chercher", "recherche"})
CONFIG_WORDS = frozenset({"config", "réglages", "reglages", "settings"})


def insight_command_callback(
    capture: Capture, workspaces: Workspaces, ack: Ack, body: dict[str, Any], client: WebClient
) -> None:
    """Route ``/insight [text]``; every branch acks within Slack's 3 s, NLP happens later."""
    team_id = team_of(body)
    config = workspaces.config(team_id)
    lang = config.language
    text = (body.get("text") or "").strip()  # as Slack sent it: stored in that form, rendered once by the views
    words = text.split()
    first = words[0].lower() if words else ""
    if not text:
        ack()
        origin = CaptureOrigin(source="modal", channel_id=body.get("channel_id"), channel_name=body.get("channel_name"))
        client.views_open(trigger_id=body["trigger_id"], view=capture_modal(lang, origin))
        return
    if len(words) == 1 and first in ("help", "aide"):
        args = (lang, config.capture_emoji, config.escalation_emojis[0], config.quorum)
        ack(response_type="ephemeral", text=help_text(*args), blocks=as_dicts(help_blocks(*args)))
        return
    if len(words) == 1 and first in ("mine", "mes"):
        _answer_mine(capture.db, ack, body, lang)
        return
    if first in SEARCH_WORDS:
        _answer_search(capture.db, ack, team_id, lang, from_slack(text[len(words[0]) :]).strip())
        return
    if len(words) == 1 and first in FORGET_WORDS:
        ack(response_type="ephemeral", text=t(lang, "forget_title"), blocks=as_dicts(forget_blocks(lang)))
        return
    if len(words) == 1 and first in CONFIG_WORDS:
        _open_config(workspaces, ack, body, client, team_id)
        return
    if first in LATER_SUBCOMMANDS or is_unknown_subcommand(text):
        message = t(lang, "unknown_subcommand", word=safe(from_slack(words[0]), 40))
        ack(response_type="ephemeral", text=message, blocks=as_dicts(text_blocks(message)))
        return
    problem = text_problem(text)
    if problem == "no_words":
        message = t(lang, "no_words")
        ack(response_type="ephemeral", text=message, blocks=as_dicts(error_with_text_blocks(message, text)))
        return
    if problem == "too_long":
        message = t(lang, "too_long", length=len(text), limit=ids.MAX_TEXT_LENGTH)
        ack(response_type="ephemeral", text=message, blocks=as_dicts(error_with_text_blocks(message, text)))
        return
    # Mentions named once, for every surface; within the budget (the 2xx waits for this), the rest after it.
    _capture(capture, ack, body, with_names(client, text, budget=PRE_ACK_BUDGET), lang, client)


def _capture(capture: Capture, ack: Ack, body: dict[str, Any], text: str, lang: str, client: WebClient) -> None:
    team_id, user_id = team_of(body), body["user_id"]
    draft = draft_from(
        team_id=team_id,
        idempotency_key=f"command:{team_id}:{body.get('trigger_id') or body.get('response_url')}",
        text=text,
        source="command",
        channel_id=body.get("channel_id"),
        channel_name=body.get("channel_name"),
        confirmation={"response_url": body.get("response_url")} if body.get("response_url") else {},
        **reporter_fields(capture.db.vault, team_id, user_id, anonymous=False),
    )
    try:
        card, created = store(capture, draft)
    except CaptureFailed as exc:
        message = t(lang, exc.message_key, limit=capture.rate_limit)
        ack(response_type="ephemeral", text=message, blocks=as_dicts(error_with_text_blocks(message, text)))
        return
    ack(
        response_type="ephemeral",
        text=confirmation_text(card, lang, again=not created),
        blocks=as_dicts(confirmation_blocks(card, lang, again=not created)),
    )
    if created:
        capture.tagging.submit(card.id)
        label_later(capture.db, client, card.id, card.text)


def _answer_mine(db: Database, ack: Ack, body: dict[str, Any], lang: str) -> None:
    try:
        cards = my_insights(db, team_of(body), body["user_id"])
    except Unavailable:
        ack(response_type="ephemeral", text=t(lang, "store_failed"))
        return
    ack(response_type="ephemeral", text=t(lang, "mine_title"), blocks=as_dicts(mine_blocks(lang, cards)))


def _answer_search(db: Database, ack: Ack, team_id: str, lang: str, query: str) -> None:
    """``/insight search <words>``: this workspace's insights holding every word, accents ignored."""
    if not search_words(query):
        ack(response_type="ephemeral", text=t(lang, "search_usage"))
        return
    try:
        cards = search(db, team_id, query, SEARCH_LIMIT)
    except Unavailable:
        ack(response_type="ephemeral", text=t(lang, "store_failed"))
        return
    blocks = search_blocks(lang, query, cards)
    ack(response_type="ephemeral", text=t(lang, "search_title", query=safe(query, 100)), blocks=as_dicts(blocks))


def _open_config(workspaces: Workspaces, ack: Ack, body: dict[str, Any], client: WebClient, team_id: str) -> None:
    """``/insight config``: the settings form, for the workspace's managers, admins and owners only."""
    config = workspaces.config(team_id)
    lang = config.language
    refused = workspaces.managers.configure_refusal(client, config, team_id, body["user_id"], "config_not_allowed")
    if refused:
        ack(response_type="ephemeral", text=t(lang, refused))  # not allowed, or Slack did not answer in time
        return
    ack()
    client.views_open(trigger_id=body["trigger_id"], view=config_modal(lang, config))


def config_submission_callback(
    workspaces: Workspaces, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Save the settings if they are all right; otherwise keep the form open, each error beside its field."""
    team_id = team_of(body)
    current = workspaces.config(team_id)
    lang = current.language
    user_id = body["user"]["id"]
    refused = workspaces.managers.configure_refusal(client, current, team_id, user_id, "config_not_allowed")
    if refused:
        ack(response_action="errors", errors={"digest_channel": t(lang, refused)})
        return
    config, errors = read_submission(view, current, lambda exc: t(lang, "config_invalid", message=exc.said(lang)))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    try:
        save_settings(workspaces, team_id, config)
    except Unavailable:
        ack(response_action="errors", errors={"digest_channel": t(lang, "store_failed_modal")})
        return
    ack()
    log.info("workspace settings changed")
    messenger.dm(client, user_id, t(config.language, "config_saved"), failure="could not confirm the settings change")


def forget_callback(
    db: Database, workspaces: Workspaces, ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Confirmed: erase every insight the person reported here (anonymous ones too) and their votes; a colleague
    who also reported one of them (a merge, a "me too") keeps it, and is told."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    lang = workspaces.lang_of(team_id)
    try:
        insights, votes, handed = erase_reporter(db, team_id, user_id)
    except Unavailable:
        respond(text=t(lang, "store_failed"), response_type="ephemeral", replace_original=False)
        return
    log.info("a person erased %d insight(s) and %d vote(s)", insights, votes)
    for insight_id, colleague in handed:
        text = t(lang, "handed_over", id=insight_id)
        messenger.dm(client, colleague, text, as_dicts(text_blocks(text)), failure="could not tell a new reporter")
    message = t(
        lang, "forget_done", insights=plural(lang, "count_insights", insights), votes=plural(lang, "count_votes", votes)
    )
    respond(text=message, blocks=as_dicts(text_blocks(message)), replace_original=True)


def register(app: App, services: Services) -> None:
    capture, workspaces = services.capture, services.workspaces
    app.command(ids.COMMAND)(partial(insight_command_callback, capture, workspaces))
    app.action(ids.ACTION_FORGET)(partial(forget_callback, capture.db, workspaces))
    app.view(ids.VIEW_CONFIG)(partial(config_submission_callback, workspaces))
