"""Talking about an insight: a manager's reply relayed to its reporter and the reporter's answer relayed back
(the reporter stays anonymous: the bot carries both ways), "me too" votes, and "+1 to #42 instead"."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import ids
from bot.flows.close_loop import open_manager_form, refused_form
from bot.flows.conversation import answer_manager, drop_duplicate, find_card, message_for, write_to_reporter
from bot.flows.escalation import vote_count, vote_to_escalate
from bot.i18n import plural, t
from bot.services import Database, Services, Workspaces
from bot.slack import messenger
from bot.slack.messenger import answer
from bot.slack.payloads import chose, form_of, team_of
from bot.views.blocks import as_dicts
from bot.views.manage import (
    ModalContext,
    answer_modal,
    relay_to_manager_blocks,
    relay_to_reporter_blocks,
    reply_modal,
)
from bot.views.messages import text_blocks

log = logging.getLogger(__name__)


def reply_button_callback(
    db: Database,
    workspaces: Workspaces,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """A manager opens the form to write to the reporter of an insight."""
    ack()
    open_manager_form(db, workspaces, client, body, ids.insight_id_of(action), respond, reply_modal)


def reply_submission_callback(
    db: Database, workspaces: Workspaces, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Relay the manager's words to the reporter by DM, with a button to answer."""
    form = form_of(body, view)
    lang = workspaces.lang_of(form.team_id)
    text = form.text(view, ids.BLOCK_NOTE)
    has_context = form.context is not None
    if (
        refused_form(workspaces, client, ack, form.team_id, form.user_id, has_context, ids.BLOCK_NOTE)
        or form.context is None
    ):
        return
    stored = write_to_reporter(db, form.team_id, form.context.insight_id, form.user_id, text, form.view_id)
    if isinstance(stored, str):
        ack(response_action="errors", errors={ids.BLOCK_NOTE: t(lang, stored)})
        return
    ack()
    card, reporter, reply_id = stored
    if reply_id is None:
        return  # this form was relayed already (Slack delivered it again)
    blocks = as_dicts(relay_to_reporter_blocks(lang, card, text, reply_id))
    _relay(client, lang, card.id, reporter, t(lang, "relay_to_reporter", id=card.id), blocks, sender=form.user_id)


def _relay(
    client: WebClient, lang: str, insight_id: int, to: str, text: str, blocks: list[dict[str, Any]], sender: str
) -> None:
    """DM one side of a conversation; the sender is told when Slack refused it."""
    if messenger.dm(client, to, text, blocks, failure=f"could not relay a message about insight {insight_id}"):
        log.info("a message about insight %s was relayed", insight_id)
    else:
        messenger.dm(client, sender, t(lang, "relay_failed", id=insight_id), failure="could not DM someone")


def answer_button_callback(
    db: Database,
    workspaces: Workspaces,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """The reporter opens the form to answer a manager's message."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    lang = workspaces.lang_of(team_id)
    message = message_for(db, team_id, user_id, str(action.get("value") or ""))
    if message is None:
        answer(respond, t(lang, "not_yours"))
        return
    context = ModalContext(message.card.id, reply_id=message.reply_id)
    client.views_open(trigger_id=body["trigger_id"], view=answer_modal(lang, message.card, context))


def answer_submission_callback(
    db: Database, workspaces: Workspaces, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Relay the reporter's answer to the manager who wrote, without saying who the reporter is."""
    form = form_of(body, view)
    lang = workspaces.lang_of(form.team_id)
    text = form.text(view, ids.BLOCK_NOTE)
    reply_id = str(form.context.reply_id if form.context else "")
    message = message_for(db, form.team_id, form.user_id, reply_id)
    if message is None or message.manager is None:
        ack(response_action="errors", errors={ids.BLOCK_NOTE: t(lang, "not_yours")})
        return
    card, manager = message.card, message.manager
    stored = answer_manager(db, card.id, text, manager, form.view_id)
    ack()
    if stored is None:
        return  # this form was relayed already (Slack delivered it again)
    blocks = as_dicts(relay_to_manager_blocks(lang, card, text))
    _relay(client, lang, card.id, manager, t(lang, "relay_to_manager", id=card.id), blocks, sender=form.user_id)


def me_too_callback(
    db: Database,
    workspaces: Workspaces,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """Anyone: count one "me too" per person; at the quorum the insight is escalated like by reactions."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    lang = workspaces.lang_of(team_id)
    insight_id = ids.insight_id_of(action)
    if insight_id is None or find_card(db, team_id, insight_id) is None:
        answer(respond, t(lang, "not_found"))
        return
    vote_to_escalate(db, workspaces, client, team_id, insight_id, user_id, kind="me_too")
    answer(respond, plural(lang, "me_too_counted", vote_count(db, insight_id), id=insight_id))


def merge_callback(
    db: Database,
    workspaces: Workspaces,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """The reporter of a near-duplicate adds a "me too" to the existing insight and drops their own."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    lang = workspaces.lang_of(team_id)
    new, _, existing = str(action.get("value") or "").partition(":")
    if not (new.isdigit() and existing.isdigit()):
        return
    refused = drop_duplicate(db, team_id, user_id, int(new), int(existing))
    if refused is not None:
        answer(respond, t(lang, refused))
        return
    vote_to_escalate(db, workspaces, client, team_id, int(existing), user_id, kind="me_too")
    merged = t(lang, "merged", new=new, id=existing)
    answer(respond, merged, blocks=as_dicts(text_blocks(merged)))


def register(app: App, services: Services) -> None:
    db, workspaces = services.db, services.workspaces
    app.action(ids.ACTION_REPLY)(partial(reply_button_callback, db, workspaces))
    app.action(ids.ACTION_ITEM_MENU, matchers=[chose(ids.ACTION_REPLY)])(partial(reply_button_callback, db, workspaces))
    app.view(ids.VIEW_REPLY)(partial(reply_submission_callback, db, workspaces))
    app.action(ids.ACTION_ANSWER)(partial(answer_button_callback, db, workspaces))
    app.view(ids.VIEW_ANSWER)(partial(answer_submission_callback, db, workspaces))
    app.action(ids.ACTION_ME_TOO)(partial(me_too_callback, db, workspaces))
    app.action(ids.ACTION_MERGE)(partial(merge_callback, db, workspaces))
