"""Talking about an insight: a manager's reply relayed to its reporter and the reporter's answer relayed back
(the reporter stays anonymous: the bot carries both ways), "me too" votes, and "+1 to #42 instead"."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot import ids
from bot.flows.escalation import vote_to_escalate
from bot.flows.home import publish_home
from bot.flows.reporter import reporter_user_id
from bot.i18n import t
from bot.listeners.status import answer, insight_id_of, manager_card
from bot.services import Services, team_of
from bot.views.cards import InsightCard
from bot.views.manage import (
    ModalContext,
    answer_modal,
    relay_to_manager_blocks,
    relay_to_reporter_blocks,
    reply_modal,
    submitted_text,
)
from bot.views.messages import text_blocks
from models.insights import delete_insight, get_insight
from models.schema import Insight, Reply, Workspace
from models.status import add_reply
from models.votes import voters

log = logging.getLogger(__name__)


def reply_button_callback(
    services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """A manager opens the form to write to the reporter of an insight."""
    ack()
    found = manager_card(services, client, body, action, respond)
    if found is not None:
        lang, card = found
        client.views_open(trigger_id=body["trigger_id"], view=reply_modal(lang, card, ModalContext(card.id)))


def view_id_of(body: dict[str, Any]) -> str:
    """The id of the submitted form: the same on every delivery of one submission, new for each form opened."""
    return str((body.get("view") or {}).get("id") or "")


def reply_submission_callback(
    services: Services, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Relay the manager's words to the reporter by DM, with a button to answer."""
    team_id, user_id = team_of(body), body["user"]["id"]
    lang = services.lang_of(team_id)
    context = ModalContext.loads(str(view.get("private_metadata") or ""))
    text = submitted_text(view, ids.BLOCK_NOTE)
    if context is None or not services.managers.may_act(client, services.config(team_id), user_id):
        ack(response_action="errors", errors={ids.BLOCK_NOTE: t(lang, "not_manager")})
        return
    with services.sessions.begin() as session:
        insight = get_insight(session, team_id, context.insight_id)
        if insight is None:
            ack(response_action="errors", errors={ids.BLOCK_NOTE: t(lang, "not_found")})
            return
        reporter = reporter_user_id(services.vault, insight)
        if reporter is None:
            ack(response_action="errors", errors={ids.BLOCK_NOTE: t(lang, "reply_no_reporter")})
            return
        reply_id = add_reply(session, insight.id, "to_reporter", text, by=user_id, to=None, view_id=view_id_of(body))
        card = InsightCard.of(insight)
    ack()
    if reply_id is None:
        return  # this form was relayed already (Slack delivered it again)
    blocks = relay_to_reporter_blocks(lang, card, text, reply_id)
    _relay(client, lang, card.id, reporter, t(lang, "relay_to_reporter", id=card.id), blocks, sender=user_id)


def _relay(client: WebClient, lang: str, insight_id: int, to: str, text: str, blocks: list[Any], sender: str) -> None:
    """DM one side of a conversation; the sender is told when Slack refused it."""
    try:
        client.chat_postMessage(channel=to, text=text, blocks=[b.to_dict() for b in blocks])
        log.info("a message about insight %s was relayed", insight_id)
    except SlackApiError as exc:
        log.warning("could not relay a message about insight %s: %s", insight_id, exc.response.get("error"))
        _dm(client, sender, t(lang, "relay_failed", id=insight_id))


def answer_button_callback(
    services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """The reporter opens the form to answer a manager's message."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    lang = services.lang_of(team_id)
    found = _reporters_reply(services, team_id, user_id, str(action.get("value") or ""))
    if found is None:
        answer(respond, t(lang, "not_yours"))
        return
    card, reply_id, _ = found
    context = ModalContext(card.id, reply_id=reply_id)
    client.views_open(trigger_id=body["trigger_id"], view=answer_modal(lang, card, context))


def _reporters_reply(
    services: Services, team_id: str, user_id: str, value: str
) -> tuple[InsightCard, int, str | None] | None:
    """The manager's message ``value`` and its insight, if ``user_id`` reported that insight."""
    if not value.isdigit():
        return None
    with services.sessions.begin() as session:
        row = session.execute(
            select(Reply, Insight)
            .join(Insight, Reply.insight_id == Insight.id)
            .join(Workspace, Insight.workspace_id == Workspace.id)
            .where(Reply.id == int(value), Workspace.team_id == team_id, Reply.direction == "to_reporter")
        ).one_or_none()
        if row is None:
            return None
        reply, insight = row
        if insight.reporter_hash != services.vault.hash(team_id, user_id):
            return None
        return InsightCard.of(insight), reply.id, reply.by


def answer_submission_callback(
    services: Services, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Relay the reporter's answer to the manager who wrote, without saying who the reporter is."""
    team_id, user_id = team_of(body), body["user"]["id"]
    lang = services.lang_of(team_id)
    context = ModalContext.loads(str(view.get("private_metadata") or ""))
    text = submitted_text(view, ids.BLOCK_NOTE)
    found = _reporters_reply(services, team_id, user_id, str(context.reply_id if context else ""))
    if found is None or found[2] is None:
        ack(response_action="errors", errors={ids.BLOCK_NOTE: t(lang, "not_yours")})
        return
    card, _, manager = found
    with services.sessions.begin() as session:
        stored = add_reply(session, card.id, "to_manager", text, by=None, to=manager, view_id=view_id_of(body))
    ack()
    if stored is None:
        return  # this form was relayed already (Slack delivered it again)
    blocks = relay_to_manager_blocks(lang, card, text)
    _relay(client, lang, card.id, str(manager), t(lang, "relay_to_manager", id=card.id), blocks, sender=user_id)


def me_too_callback(
    services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Anyone: count one "me too" per person; at the quorum the insight is escalated like by reactions."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    lang = services.lang_of(team_id)
    insight_id = insight_id_of(action)
    with services.sessions.begin() as session:
        insight = get_insight(session, team_id, insight_id) if insight_id is not None else None
    if insight is None or insight_id is None:
        answer(respond, t(lang, "not_found"))
        return
    vote_to_escalate(services, client, team_id, insight_id, user_id, kind="me_too")
    with services.sessions.begin() as session:
        count = len(voters(session, insight_id))
    answer(respond, t(lang, "me_too_counted", id=insight_id, count=count))


def merge_callback(
    services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """The reporter of a near-duplicate adds a "me too" to the existing insight and drops their own."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    lang = services.lang_of(team_id)
    new, _, existing = str(action.get("value") or "").partition(":")
    if not (new.isdigit() and existing.isdigit()):
        return
    with services.sessions.begin() as session:
        mine = get_insight(session, team_id, int(new))
        target = get_insight(session, team_id, int(existing))
        if mine is None or target is None:
            answer(respond, t(lang, "not_found"))
            return
        if mine.reporter_hash != services.vault.hash(team_id, user_id):
            answer(respond, t(lang, "not_yours"))
            return
        delete_insight(session, mine)
    vote_to_escalate(services, client, team_id, int(existing), user_id, kind="me_too")
    merged = t(lang, "merged", new=new, id=existing)
    answer(respond, merged, blocks=[b.to_dict() for b in text_blocks(merged)])


def _dm(client: WebClient, user_id: str, text: str) -> None:
    try:
        client.chat_postMessage(channel=user_id, text=text)
    except SlackApiError as exc:
        log.warning("could not DM someone: %s", exc.response.get("error"))


def home_opened_callback(services: Services, event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
    """Publish the person's App Home each time they open its Home tab."""
    if event.get("tab", "home") != "home":
        return
    publish_home(services, client, str(body.get("team_id") or ""), str(event["user"]))


def register(app: App, services: Services) -> None:
    def on_home_opened(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        home_opened_callback(services, event, body, client)

    def on_reply(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        reply_button_callback(services, ack, body, action, respond, client)

    def on_reply_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        reply_submission_callback(services, ack, body, view, client)

    def on_answer(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        answer_button_callback(services, ack, body, action, respond, client)

    def on_answer_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        answer_submission_callback(services, ack, body, view, client)

    def on_me_too(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        me_too_callback(services, ack, body, action, respond, client)

    def on_merge(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        merge_callback(services, ack, body, action, respond, client)

    app.action(ids.ACTION_REPLY)(on_reply)
    app.view(ids.VIEW_REPLY)(on_reply_submission)
    app.action(ids.ACTION_ANSWER)(on_answer)
    app.view(ids.VIEW_ANSWER)(on_answer_submission)
    app.action(ids.ACTION_ME_TOO)(on_me_too)
    app.action(ids.ACTION_MERGE)(on_merge)
    app.event("app_home_opened")(on_home_opened)
