"""Managers act on an insight from the alert, the digest or App Home: acknowledge, assign, resolve (with a
note and a € value), dismiss. Every change is logged once, shown where it was made, and told to the
reporter by DM — anonymous reporters too, through their sealed id, without anyone seeing it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.flows.home import publish_home
from bot.flows.reporter import reporter_user_id, tell_reporter
from bot.i18n import t
from bot.services import Services, team_of
from bot.slack.client import send_to_response_url
from bot.views.alert import escalation_alert_blocks, status_note_blocks, status_note_text
from bot.views.cards import InsightCard
from bot.views.manage import ModalContext, parse_euros, resolve_modal, status_line, submitted_text
from models.insights import get_insight
from models.schema import Insight
from models.status import assign_insight, record_status, resolve_insight
from models.votes import voters

log = logging.getLogger(__name__)


def insight_id_of(action: dict[str, Any]) -> int | None:
    """The insight a control is about: the button's value, or for the assign select its block id."""
    value = str(action.get("value") or "")
    if value.isdigit():
        return int(value)
    return ids.insight_id_of_block(str(action.get("block_id") or ""))


def _from_alert(action: dict[str, Any]) -> bool:
    return str(action.get("block_id") or "").startswith("alert-")


def from_home(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def answer(respond: Respond, text: str, *, blocks: list[dict[str, Any]] | None = None) -> None:
    """A line for the person who clicked (ephemeral), or with ``blocks`` in place of the message clicked."""
    try:
        if blocks is not None:
            respond(text=text, blocks=blocks, replace_original=True)
        else:
            respond(text=text, response_type="ephemeral", replace_original=False)
    except (ValueError, SlackApiError) as exc:  # App Home has no response_url: nothing to answer there
        log.debug("no response_url to answer on: %s", exc)


def manager_card(
    services: Services, client: WebClient, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> tuple[str, InsightCard] | None:
    """(language, insight) a manager's control is about; None, with the reason told, for anyone else or none."""
    team_id, user_id = team_of(body), body["user"]["id"]
    if not may_act(services, client, team_id, user_id, respond):
        return None
    lang = services.lang_of(team_id)
    insight_id = insight_id_of(action)
    with services.sessions.begin() as session:
        insight = get_insight(session, team_id, insight_id) if insight_id is not None else None
        card = InsightCard.of(insight) if insight is not None else None
    if card is None:
        answer(respond, t(lang, "not_found"))
        return None
    return lang, card


def may_act(services: Services, client: WebClient, team_id: str, user_id: str, respond: Respond) -> bool:
    """Managers only (anyone while the workspace names no manager); others are told why not."""
    config = services.config(team_id)
    if services.managers.may_act(client, config, user_id):
        return True
    answer(respond, t(config.language, "not_manager"))
    return False


def redrawn_alert(services: Services, lang: str, card: InsightCard, user_id: str) -> dict[str, Any]:
    """The alert as it now stands (status, who acted, votes), to replace the one clicked."""
    with services.sessions.begin() as session:
        votes = len(voters(session, card.id))
    return {
        "replace_original": True,
        "text": t(lang, "alert_title", id=card.id, votes=votes),
        "blocks": [b.to_dict() for b in escalation_alert_blocks(card, lang, votes, acted_by=user_id)],
    }


def after_change(
    services: Services,
    client: WebClient,
    team_id: str,
    user_id: str,
    card: InsightCard,
    reporter: str | None,
    *,
    note: str | None = None,
    alert_url: str | None = None,
    respond: Respond | None = None,
) -> None:
    """Show the change where it was made (the alert is redrawn, elsewhere a line to the person who
    clicked) and DM the reporter."""
    lang = services.lang_of(team_id)
    if alert_url:
        send_to_response_url(alert_url, redrawn_alert(services, lang, card, user_id))
    elif respond is not None:
        answer(respond, status_line(lang, card, user_id))
    log.info("insight %s is now %s", card.id, card.status)
    blocks = [b.to_dict() for b in status_note_blocks(card, lang, user_id, note)]
    tell_reporter(client, reporter, card.id, status_note_text(card, lang, user_id), blocks)


def _change(
    services: Services, team_id: str, insight_id: int | None, change: Any
) -> tuple[InsightCard, str | None] | None | bool:
    """Apply ``change(session, insight) -> bool`` in one transaction: (card, reporter) when it changed
    something, False when it did not, None when there is no such insight in this workspace."""
    with services.sessions.begin() as session:
        insight: Insight | None = get_insight(session, team_id, insight_id) if insight_id is not None else None
        if insight is None:
            return None
        if not change(session, insight):
            return False
        return InsightCard.of(insight), reporter_user_id(services.vault, insight)


def status_action_callback(
    services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Acknowledge or dismiss, once; a repeated click changes nothing."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    if not may_act(services, client, team_id, user_id, respond):
        return
    to_status = ids.STATUS_ACTIONS[str(action["action_id"])]
    result = _change(services, team_id, insight_id_of(action), lambda s, i: record_status(s, i, to_status, by=user_id))
    _answer(services, client, body, result, action, respond)


def assign_callback(
    services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Assign to the person picked in the select; they get a DM with the insight too."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    assignee = str(action.get("selected_user") or "")
    if not assignee or not may_act(services, client, team_id, user_id, respond):
        return
    result = _change(services, team_id, insight_id_of(action), lambda s, i: assign_insight(s, i, assignee, user_id))
    _answer(services, client, body, result, action, respond)
    if isinstance(result, tuple):
        lang = services.lang_of(team_id)
        card = result[0]
        try:
            client.chat_postMessage(
                channel=assignee,
                text=t(lang, "assigned_to_you", id=card.id, user=user_id),
                blocks=[b.to_dict() for b in status_note_blocks(card, lang, user_id)][:1],
            )
        except SlackApiError as exc:
            log.warning("could not tell the assignee of insight %s: %s", card.id, exc.response.get("error"))


def _answer(
    services: Services,
    client: WebClient,
    body: dict[str, Any],
    result: tuple[InsightCard, str | None] | None | bool,
    action: dict[str, Any],
    respond: Respond,
) -> None:
    """Show the outcome where the click was: the alert redrawn, a line in the channel, App Home republished."""
    team_id, user_id = team_of(body), body["user"]["id"]
    if from_home(body):
        publish_home(services, client, team_id, user_id)
    lang = services.lang_of(team_id)
    if result is None:
        answer(respond, t(lang, "not_found"))
    elif result is False:
        answer(respond, t(lang, "nothing_changed"))
    elif isinstance(result, tuple):
        card, reporter = result
        if _from_alert(action):
            respond(**redrawn_alert(services, lang, card, user_id))
            after_change(services, client, team_id, user_id, card, reporter)
        else:
            after_change(services, client, team_id, user_id, card, reporter, respond=respond)


def resolve_button_callback(
    services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Open the resolve form (note for the reporter, € value); the change happens on submit."""
    ack()
    found = manager_card(services, client, body, action, respond)
    if found is None:
        return
    lang, card = found
    alert_url = body.get("response_url") if _from_alert(action) else None
    context = ModalContext(card.id, response_url=str(alert_url) if alert_url else None)
    client.views_open(trigger_id=body["trigger_id"], view=resolve_modal(lang, card, context))


def resolve_submission_callback(
    services: Services, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Resolve with the note and the value typed; a value that is not a number keeps the form open."""
    team_id, user_id = team_of(body), body["user"]["id"]
    lang = services.lang_of(team_id)
    context = ModalContext.loads(str(view.get("private_metadata") or ""))
    raw_value = submitted_text(view, ids.BLOCK_VALUE)
    try:
        value = parse_euros(raw_value)
    except ValueError:
        ack(response_action="errors", errors={ids.BLOCK_VALUE: t(lang, "resolve_value_wrong")})
        return
    if context is None or not services.managers.may_act(client, services.config(team_id), user_id):
        ack(response_action="errors", errors={ids.BLOCK_NOTE: t(lang, "not_manager")})
        return
    note = submitted_text(view, ids.BLOCK_NOTE) or None
    ack()
    result = _change(services, team_id, context.insight_id, lambda s, i: resolve_insight(s, i, user_id, note, value))
    if isinstance(result, tuple):
        card, reporter = result
        after_change(services, client, team_id, user_id, card, reporter, note=note, alert_url=context.response_url)
    else:
        _dm(client, user_id, t(lang, "not_found" if result is None else "nothing_changed"))


def _dm(client: WebClient, user_id: str, text: str) -> None:
    try:
        client.chat_postMessage(channel=user_id, text=text)
    except SlackApiError as exc:
        log.warning("could not DM a manager: %s", exc.response.get("error"))


def register(app: App, services: Services) -> None:
    def on_status(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        status_action_callback(services, ack, body, action, respond, client)

    def on_assign(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        assign_callback(services, ack, body, action, respond, client)

    def on_resolve(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond, client: WebClient) -> None:
        resolve_button_callback(services, ack, body, action, respond, client)

    def on_resolve_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        resolve_submission_callback(services, ack, body, view, client)

    for action_id in ids.STATUS_ACTIONS:
        app.action(action_id)(on_status)
    app.action(ids.ACTION_ASSIGN)(on_assign)
    app.action(ids.ACTION_RESOLVE)(on_resolve)
    app.view(ids.VIEW_RESOLVE)(on_resolve_submission)
