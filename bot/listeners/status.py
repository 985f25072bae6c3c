"""Managers act on an insight from the alert, the digest or App Home: acknowledge, assign, resolve (with a
note and a € value), dismiss. The change itself is :mod:`bot.flows.close_loop`'s."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import ids
from bot.flows.close_loop import (
    Outcome,
    after_change,
    assign,
    manager_card,
    may_act,
    open_manager_form,
    redrawn_alert,
    refused_form,
    resolve,
    set_status,
)
from bot.flows.home import publish_home
from bot.i18n import t
from bot.services import Database, Services, Workspaces
from bot.slack import messenger
from bot.slack.messenger import answer
from bot.slack.payloads import chose, form_of, team_of
from bot.views.alert import assigned_blocks
from bot.views.blocks import as_dicts
from bot.views.manage import ModalContext, assign_modal, parse_euros, resolve_modal, status_line, submitted_user


def _from_alert(action: dict[str, Any]) -> bool:
    return str(action.get("block_id") or "").startswith("alert-")


def from_home(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"


def status_action_callback(
    db: Database,
    workspaces: Workspaces,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """Acknowledge or dismiss, once; a repeated click changes nothing."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    if not may_act(workspaces, client, team_id, user_id, respond):
        return
    to_status = ids.STATUS_ACTIONS[ids.chosen_action(action)]
    outcome = set_status(db, team_id, ids.insight_id_of(action), to_status, user_id)
    _show(db, workspaces, client, body, outcome, action, respond)


def assign_callback(
    db: Database,
    workspaces: Workspaces,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """Assign to the person picked in the select; they get a DM with the insight too."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    assignee = str(action.get("selected_user") or "")
    if not assignee or not may_act(workspaces, client, team_id, user_id, respond):
        return
    outcome = assign(db, team_id, ids.insight_id_of(action), assignee, user_id)
    _show(db, workspaces, client, body, outcome, action, respond)
    _tell_assignee(workspaces, client, team_id, user_id, assignee, outcome)


def _tell_assignee(
    workspaces: Workspaces, client: WebClient, team_id: str, user_id: str, assignee: str, outcome: Outcome
) -> None:
    if isinstance(outcome, tuple):
        lang = workspaces.lang_of(team_id)
        card = outcome[0]
        text = t(lang, "assigned_to_you", id=card.id, user=user_id)
        blocks = as_dicts(assigned_blocks(card, lang, user_id))
        messenger.dm(client, assignee, text, blocks, failure=f"could not tell the assignee of insight {card.id}")


def assign_menu_callback(
    db: Database,
    workspaces: Workspaces,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """The menu option «Assign to…» on a digest item: open the form with a people picker."""
    ack()
    open_manager_form(db, workspaces, client, body, ids.insight_id_of(action), respond, assign_modal)


def assign_submission_callback(
    db: Database, workspaces: Workspaces, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Assign to the person picked in the form; the manager is told by DM, the assignee and reporter too."""
    form = form_of(body, view)
    lang = workspaces.lang_of(form.team_id)
    assignee = submitted_user(view, ids.BLOCK_ASSIGNEE)
    has_context = form.context is not None
    if (
        refused_form(workspaces, client, ack, form.team_id, form.user_id, has_context, ids.BLOCK_ASSIGNEE)
        or form.context is None
    ):
        return
    ack()
    outcome = assign(db, form.team_id, form.context.insight_id, assignee, form.user_id)
    if isinstance(outcome, tuple):
        after_change(db, client, lang, form.user_id, outcome)
        done = status_line(lang, outcome[0], form.user_id)
        messenger.dm(client, form.user_id, done, failure="could not DM a manager")
    else:
        text = t(lang, "not_found" if outcome is None else "nothing_changed")
        messenger.dm(client, form.user_id, text, failure="could not DM a manager")
    _tell_assignee(workspaces, client, form.team_id, form.user_id, assignee, outcome)


def _show(
    db: Database,
    workspaces: Workspaces,
    client: WebClient,
    body: dict[str, Any],
    outcome: Outcome,
    action: dict[str, Any],
    respond: Respond,
) -> None:
    """Show the outcome where the click was: the alert redrawn, a line in the channel, App Home republished."""
    team_id, user_id = team_of(body), body["user"]["id"]
    if from_home(body):
        publish_home(db, workspaces, client, team_id, user_id)
    lang = workspaces.lang_of(team_id)
    if outcome is None:
        answer(respond, t(lang, "not_found"))
    elif outcome is False:
        answer(respond, t(lang, "nothing_changed"))
    elif isinstance(outcome, tuple):
        if _from_alert(action):
            respond(**redrawn_alert(db, lang, outcome[0], user_id))
            after_change(db, client, lang, user_id, outcome)
        else:
            after_change(db, client, lang, user_id, outcome, respond=respond)


def resolve_button_callback(
    db: Database,
    workspaces: Workspaces,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """Open the resolve form (note for the reporter, € value); the change happens on submit."""
    ack()
    found = manager_card(db, workspaces, client, team_of(body), body["user"]["id"], ids.insight_id_of(action), respond)
    if found is None:
        return
    lang, card = found
    alert_url = body.get("response_url") if _from_alert(action) else None
    context = ModalContext(card.id, response_url=str(alert_url) if alert_url else None)
    client.views_open(trigger_id=body["trigger_id"], view=resolve_modal(lang, card, context))


def resolve_submission_callback(
    db: Database, workspaces: Workspaces, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Resolve with the note and the value typed; a value that is not a number keeps the form open."""
    form = form_of(body, view)
    lang = workspaces.lang_of(form.team_id)
    try:
        value = parse_euros(form.text(view, ids.BLOCK_VALUE))
    except ValueError:
        ack(response_action="errors", errors={ids.BLOCK_VALUE: t(lang, "resolve_value_wrong")})
        return
    has_context = form.context is not None
    if (
        refused_form(workspaces, client, ack, form.team_id, form.user_id, has_context, ids.BLOCK_NOTE)
        or form.context is None
    ):
        return
    note = form.text(view, ids.BLOCK_NOTE) or None
    ack()
    outcome = resolve(db, form.team_id, form.context.insight_id, form.user_id, note, value)
    if isinstance(outcome, tuple):
        after_change(db, client, lang, form.user_id, outcome, note=note, alert_url=form.context.response_url)
    else:
        text = t(lang, "not_found" if outcome is None else "nothing_changed")
        messenger.dm(client, form.user_id, text, failure="could not DM a manager")


def register(app: App, services: Services) -> None:
    db, workspaces = services.db, services.workspaces
    for action_id in ids.STATUS_ACTIONS:
        app.action(action_id)(partial(status_action_callback, db, workspaces))
    app.action(ids.ACTION_ASSIGN)(partial(assign_callback, db, workspaces))
    app.action(ids.ACTION_RESOLVE)(partial(resolve_button_callback, db, workspaces))
    app.view(ids.VIEW_RESOLVE)(partial(resolve_submission_callback, db, workspaces))
    # The digest item's menu: each option goes to the listener of the action it stands for.
    menu = ids.ACTION_ITEM_MENU
    app.action(menu, matchers=[chose(*ids.STATUS_ACTIONS)])(partial(status_action_callback, db, workspaces))
    app.action(menu, matchers=[chose(ids.ACTION_ASSIGN)])(partial(assign_menu_callback, db, workspaces))
    app.action(menu, matchers=[chose(ids.ACTION_RESOLVE)])(partial(resolve_button_callback, db, workspaces))
    app.view(ids.VIEW_ASSIGN)(partial(assign_submission_callback, db, workspaces))
