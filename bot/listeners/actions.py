"""Buttons on the reporter's confirmation: change the kind, go anonymous, delete."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond

from bot import ids
from bot.flows.corrections import change_kind, delete_own, go_anonymous
from bot.i18n import t
from bot.services import Database, Services, Workspaces
from bot.slack.payloads import team_of
from bot.views.blocks import as_dicts
from bot.views.confirmation import confirmation_blocks, confirmation_text
from bot.views.messages import text_blocks
from insights.types import KINDS
from models.read import InsightCard


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
    app.action(ids.ACTION_MAKE_ANONYMOUS)(partial(make_anonymous_callback, db, workspaces))
    app.action(ids.ACTION_DELETE)(partial(delete_callback, db, workspaces))
