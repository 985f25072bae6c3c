"""Buttons on the reporter's confirmation: change the kind or the customer signal, go anonymous, delete."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import ids
from bot.flows.confirmations import update_confirmation
from bot.flows.corrections import change_kind, change_signal, delete_own, go_anonymous, own_insight
from bot.i18n import t
from bot.services import Database, Services, Workspaces
from bot.slack.payloads import team_of
from bot.views.blocks import as_dicts
from bot.views.confirmation import confirmation_blocks, confirmation_text
from bot.views.messages import text_blocks
from bot.views.signal_modal import SignalFormOrigin, signal_modal
from insights.types import KINDS
from models.read import InsightCard, card_of


def _parse_id(value: str) -> int | None:
    head = value.split(":", 1)[0]
    return int(head) if head.isdigit() else None


def change_kind_callback(
    db: Database, workspaces: Workspaces, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """The reporter corrected the kind: stored as set by a person, a label for ``pepites train``."""
    ack()
    value = str((action.get("selected_option") or {}).get("value") or "")
    kind = value.partition(":")[2]
    if kind not in KINDS:
        return
    team_id = team_of(body)
    _show(workspaces.lang_of(team_id), respond, change_kind(db, team_id, body["user"]["id"], _parse_id(value), kind))


def open_signal_form_callback(
    db: Database,
    workspaces: Workspaces,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """Open the customer signal form on the reporter's own insight (or say why not, to them only)."""
    ack()
    team_id = team_of(body)
    lang = workspaces.lang_of(team_id)
    with db.sessions.begin() as session:
        own = own_insight(session, db, team_id, body["user"]["id"], _parse_id(str(action.get("value") or "")))
        card = own if isinstance(own, str) else card_of(own)
    if isinstance(card, str):
        respond(text=t(lang, card), response_type="ephemeral", replace_original=False)
        return
    container = body.get("container") or {}
    origin = SignalFormOrigin(
        card.id, body.get("response_url"), container.get("channel_id"), container.get("message_ts")
    )
    client.views_open(trigger_id=body["trigger_id"], view=signal_modal(lang, card, origin))


def signal_submission_callback(
    db: Database, workspaces: Workspaces, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Store the signal and subject the reporter set, then redraw their confirmation with them."""
    values = (view.get("state") or {}).get("values", {})
    signal = str(
        ((values.get(ids.BLOCK_SIGNAL) or {}).get(ids.INPUT_SIGNAL) or {}).get("selected_option", {}).get("value") or ""
    )
    subject = str(((values.get(ids.BLOCK_SUBJECT) or {}).get(ids.INPUT_SUBJECT) or {}).get("value") or "").strip()
    team_id = team_of(body)
    lang = workspaces.lang_of(team_id)
    if signal != ids.NO_SIGNAL and not subject:
        ack(response_action="errors", errors={ids.BLOCK_SUBJECT: t(lang, "signal_modal_subject_needed")})
        return
    ack()
    origin = SignalFormOrigin.loads(str(view.get("private_metadata") or ""))
    if origin is None:
        return
    chosen = None if signal == ids.NO_SIGNAL else signal
    outcome = change_signal(db, team_id, body["user"]["id"], origin.insight_id, chosen, subject or None)
    if not isinstance(outcome, str) and origin.where():
        update_confirmation(client, outcome, lang, origin.where())


def make_anonymous_callback(
    db: Database, workspaces: Workspaces, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """Forget the reporter's id in clear; only a sealed copy stays, to tell them about changes."""
    ack()
    team_id = team_of(body)
    insight_id = _parse_id(str(action.get("value") or ""))
    _show(workspaces.lang_of(team_id), respond, go_anonymous(db, team_id, body["user"]["id"], insight_id))


def delete_callback(
    db: Database, workspaces: Workspaces, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """Delete the insight (the button asks for confirmation first)."""
    ack()
    team_id = team_of(body)
    lang = workspaces.lang_of(team_id)
    insight_id = _parse_id(str(action.get("value") or ""))
    refused = delete_own(db, team_id, body["user"]["id"], insight_id)
    if refused is not None:
        respond(text=t(lang, refused), response_type="ephemeral", replace_original=False)
        return
    message = t(lang, "deleted", id=insight_id)
    respond(replace_original=True, text=message, blocks=as_dicts(text_blocks(message)))


def _show(lang: str, respond: Respond, outcome: InsightCard | str) -> None:
    """The confirmation redrawn with the change, or why nothing changed (to the clicker only)."""
    if isinstance(outcome, str):
        respond(text=t(lang, outcome), response_type="ephemeral", replace_original=False)
        return
    respond(
        replace_original=True,
        text=confirmation_text(outcome, lang),
        blocks=as_dicts(confirmation_blocks(outcome, lang)),
    )


def register(app: App, services: Services) -> None:
    db, workspaces = services.db, services.workspaces
    app.action(ids.ACTION_CHANGE_KIND)(partial(change_kind_callback, db, workspaces))
    app.action(ids.ACTION_CHANGE_SIGNAL)(partial(open_signal_form_callback, db, workspaces))
    app.view(ids.VIEW_SIGNAL)(partial(signal_submission_callback, db, workspaces))
    app.action(ids.ACTION_MAKE_ANONYMOUS)(partial(make_anonymous_callback, db, workspaces))
    app.action(ids.ACTION_DELETE)(partial(delete_callback, db, workspaces))
