"""Managers curate the theme catalogue from the digest and App Home: a theme's menu (rename, merge into…, move
an insight here, hide), a quoted insight's menu (move it), the short forms those open, and "Undo" on the
confirmation. Each change is one event of the catalogue's log (:mod:`bot.flows.themes`: who, when)."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot import ids
from bot.flows.close_loop import may_act, refused_form
from bot.flows.home import publish_home
from bot.flows.themes import (
    Confirmation,
    curate,
    hide_theme,
    insight_exists,
    merge_themes,
    move_insight,
    rename_theme,
    theme_choices,
    undo_curation,
)
from bot.i18n import t
from bot.listeners.status import from_home
from bot.services import Database, Services, Workspaces
from bot.slack import messenger
from bot.slack.client import send_to_response_url
from bot.slack.messenger import answer
from bot.slack.payloads import team_of
from bot.views.blocks import as_dicts
from bot.views.themes import (
    ThemeContext,
    confirmation_blocks,
    confirmation_text,
    merge_modal,
    move_modal,
    parse_menu,
    rename_modal,
    submitted,
)


def _selected(action: dict[str, Any]) -> str:
    return str((action.get("selected_option") or {}).get("value") or "")


def _context(body: dict[str, Any], **about: Any) -> ThemeContext:
    url = body.get("response_url")
    return ThemeContext(response_url=str(url) if url else None, from_home=from_home(body), **about)


def _confirm(
    db: Database,
    workspaces: Workspaces,
    client: WebClient,
    user_id: str,
    team_id: str,
    done: Confirmation,
    context: ThemeContext,
) -> None:
    """Say what changed, with "Undo", where the manager acted: an ephemeral line under the digest (its
    ``response_url``), else a DM; App Home is republished to show the change."""
    lang = workspaces.lang_of(team_id)
    text = confirmation_text(lang, done.key, done.values)
    blocks = as_dicts(confirmation_blocks(lang, done.key, done.values, done.seq))
    if context.response_url and not context.from_home:
        payload = {"text": text, "blocks": blocks, "response_type": "ephemeral", "replace_original": False}
        send_to_response_url(context.response_url, payload)
    else:
        messenger.dm(client, user_id, text, blocks, failure="could not confirm a theme curation")
    if context.from_home:
        publish_home(db, workspaces, client, team_id, user_id)


def _label_of(choices: list[tuple[str, str]], key: str) -> str:
    return next((label for k, label in choices if k == key), key)


def theme_menu_callback(
    db: Database,
    workspaces: Workspaces,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """A theme's menu: rename, merge and move open a short form; hide is done at once (and undoable)."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    parsed = parse_menu(_selected(action))
    if parsed is None or not may_act(workspaces, client, team_id, user_id, respond):
        return
    verb, key = parsed
    lang = workspaces.lang_of(team_id)
    context = _context(body, theme_key=key)
    if verb == "hide":
        done = curate(db, team_id, lambda session, ws: hide_theme(session, ws, key, user_id))
        _confirm(db, workspaces, client, user_id, team_id, done, context)
        return
    choices = [(c.key, c.label) for c in theme_choices(db, team_id)]
    if key not in {k for k, _ in choices}:
        answer(respond, t(lang, "theme_gone"))
        return
    label = _label_of(choices, key)
    if verb == "rename":
        view = rename_modal(lang, label, context)
    elif verb == "merge":
        view = merge_modal(lang, label, [c for c in choices if c[0] != key], context)
    else:
        view = move_modal(lang, context, target_label=label)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def insight_menu_callback(
    db: Database,
    workspaces: Workspaces,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """A quoted insight's menu: pick the theme it should be in."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    verb, _, number = _selected(action).partition(":")
    if verb != "move" or not number.isdigit() or not may_act(workspaces, client, team_id, user_id, respond):
        return
    choices = [(c.key, c.label) for c in theme_choices(db, team_id)]
    view = move_modal(workspaces.lang_of(team_id), _context(body, insight_id=int(number)), choices=choices)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def undo_callback(
    db: Database,
    workspaces: Workspaces,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
) -> None:
    """ "Undo" on a confirmation: one more event that undoes the one named; the confirmation says so."""
    ack()
    team_id, user_id = team_of(body), body["user"]["id"]
    value = str(action.get("value") or "")
    if not value.isdigit() or not may_act(workspaces, client, team_id, user_id, respond):
        return
    done = curate(db, team_id, lambda session, ws: undo_curation(session, ws, int(value), user_id))
    lang = workspaces.lang_of(team_id)
    blocks = as_dicts(confirmation_blocks(lang, done.key, done.values, None))
    answer(respond, confirmation_text(lang, done.key, done.values), blocks=blocks)  # in place of the confirmation
    publish_home(db, workspaces, client, team_id, user_id)


def _form(
    workspaces: Workspaces, client: WebClient, ack: Ack, body: dict[str, Any], view: dict[str, Any], block: str
) -> tuple[str, str, ThemeContext] | None:
    """The sender and context of a curation form, or None after refusing it (not a manager, no context)."""
    team_id, user_id = team_of(body), body["user"]["id"]
    context = ThemeContext.loads(str(view.get("private_metadata") or ""))
    if refused_form(workspaces, client, ack, team_id, user_id, context is not None, block) or context is None:
        return None
    return team_id, user_id, context


def _move_block(view: dict[str, Any]) -> str:
    """The move form's field: the theme select (opened from an insight) or the insight's number."""
    context = ThemeContext.loads(str(view.get("private_metadata") or ""))
    return ids.BLOCK_THEME_TARGET if context is not None and context.insight_id is not None else ids.BLOCK_THEME_INSIGHT


def rename_submission_callback(
    db: Database, workspaces: Workspaces, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Rename: the manager's name wins over the computed label from now on."""
    form = _form(workspaces, client, ack, body, view, ids.BLOCK_THEME_NAME)
    if form is None:
        return
    team_id, user_id, context = form
    name = submitted(view, ids.BLOCK_THEME_NAME)
    if not name or context.theme_key is None:
        ack(response_action="errors", errors={ids.BLOCK_THEME_NAME: t(workspaces.lang_of(team_id), "theme_gone")})
        return
    ack()
    key = context.theme_key
    done = curate(db, team_id, lambda session, ws: rename_theme(session, ws, key, name, user_id))
    _confirm(db, workspaces, client, user_id, team_id, done, context)


def merge_submission_callback(
    db: Database, workspaces: Workspaces, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Merge: this theme's insights go to the theme picked, which keeps its name."""
    form = _form(workspaces, client, ack, body, view, ids.BLOCK_THEME_TARGET)
    if form is None:
        return
    team_id, user_id, context = form
    keep, other = submitted(view, ids.BLOCK_THEME_TARGET), context.theme_key
    ack()
    if not keep or other is None:
        return
    done = curate(db, team_id, lambda session, ws: merge_themes(session, ws, keep, other, user_id))
    _confirm(db, workspaces, client, user_id, team_id, done, context)


def move_submission_callback(
    db: Database, workspaces: Workspaces, ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
) -> None:
    """Move: the insight (its number typed, or the one whose menu was used) to the theme (picked, or the one
    whose menu was used)."""
    form = _form(workspaces, client, ack, body, view, _move_block(view))
    if form is None:
        return
    team_id, user_id, context = form
    typed = submitted(view, ids.BLOCK_THEME_INSIGHT).lstrip("#n°").strip()
    insight = context.insight_id if context.insight_id is not None else int(typed) if typed.isdigit() else None
    target = context.theme_key or submitted(view, ids.BLOCK_THEME_TARGET)
    if insight is None or not insight_exists(db, team_id, insight):
        error = t(workspaces.lang_of(team_id), "theme_insight_wrong", id=typed or "?")
        ack(response_action="errors", errors={ids.BLOCK_THEME_INSIGHT: error})
        return
    ack()
    if not target:
        return
    done = curate(db, team_id, lambda session, ws: move_insight(session, ws, insight, target, user_id))
    _confirm(db, workspaces, client, user_id, team_id, done, context)


def register(app: App, services: Services) -> None:
    db, workspaces = services.db, services.workspaces
    app.action(ids.ACTION_THEME_MENU)(partial(theme_menu_callback, db, workspaces))
    app.action(ids.ACTION_THEME_INSIGHT_MENU)(partial(insight_menu_callback, db, workspaces))
    app.action(ids.ACTION_THEME_UNDO)(partial(undo_callback, db, workspaces))
    app.view(ids.VIEW_THEME_RENAME)(partial(rename_submission_callback, db, workspaces))
    app.view(ids.VIEW_THEME_MERGE)(partial(merge_submission_callback, db, workspaces))
    app.view(ids.VIEW_THEME_MOVE)(partial(move_submission_callback, db, workspaces))
