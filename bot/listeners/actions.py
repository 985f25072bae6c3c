"""Buttons on the reporter's confirmation: change the kind, go anonymous, delete."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from sqlalchemy.orm import Session

from bot import ids
from bot.i18n import t
from bot.services import Services, team_of
from bot.views.cards import InsightCard
from bot.views.confirmation import confirmation_blocks, confirmation_text
from bot.views.messages import text_blocks
from insights.types import KINDS
from models.insights import delete_insight, get_insight, make_anonymous, set_kind
from models.schema import Insight

log = logging.getLogger(__name__)


def _parse_id(value: str) -> int | None:
    head = value.split(":", 1)[0]
    return int(head) if head.isdigit() else None


def _with_own_insight(
    services: Services,
    body: dict[str, Any],
    insight_id: int | None,
    respond: Respond,
    change: Callable[[Session, Insight], InsightCard | None],
) -> InsightCard | None | bool:
    """Run ``change`` on the insight if the clicking person reported it; tell them otherwise."""
    team_id = team_of(body)
    lang = services.lang_of(team_id)
    user_id = body["user"]["id"]
    with services.sessions.begin() as session:
        insight = get_insight(session, team_id, insight_id) if insight_id is not None else None
        if insight is None:
            respond(text=t(lang, "not_found"), response_type="ephemeral", replace_original=False)
            return False
        if insight.reporter_hash != services.vault.hash(team_id, user_id):
            respond(text=t(lang, "not_yours"), response_type="ephemeral", replace_original=False)
            return False
        return change(session, insight)


def change_kind_callback(
    services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """The reporter corrected the kind: stored as set by a person, a label for ``pepites train``."""
    ack()
    value = str((action.get("selected_option") or {}).get("value") or "")
    kind = value.partition(":")[2]
    if kind not in KINDS:
        return

    def change(session: Session, insight: Insight) -> InsightCard:
        set_kind(session, insight, kind)
        return InsightCard.of(insight)

    card = _with_own_insight(services, body, _parse_id(value), respond, change)
    if isinstance(card, InsightCard):
        _replace(services, respond, card, team_of(body))


def make_anonymous_callback(
    services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """Forget the reporter's id in clear; only a sealed copy stays, to tell them about changes."""
    ack()
    team_id = team_of(body)
    user_id = body["user"]["id"]

    def change(session: Session, insight: Insight) -> InsightCard:
        make_anonymous(session, insight, services.vault.seal(team_id, user_id))
        if insight.confirmation and "sealed" not in insight.confirmation:
            insight.confirmation = services.vault.seal_where(insight.confirmation)
        return InsightCard.of(insight)

    card = _with_own_insight(services, body, _parse_id(str(action.get("value") or "")), respond, change)
    if isinstance(card, InsightCard):
        _replace(services, respond, card, team_id)


def delete_callback(
    services: Services, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """Delete the insight (the button asks for confirmation first)."""
    ack()
    insight_id = _parse_id(str(action.get("value") or ""))

    def change(session: Session, insight: Insight) -> None:
        delete_insight(session, insight)
        return None

    if _with_own_insight(services, body, insight_id, respond, change) is None:
        message = t(services.lang_of(team_of(body)), "deleted", id=insight_id)
        respond(replace_original=True, text=message, blocks=[b.to_dict() for b in text_blocks(message)])


def _replace(services: Services, respond: Respond, card: InsightCard, team_id: str) -> None:
    lang = services.lang_of(team_id)
    respond(
        replace_original=True,
        text=confirmation_text(card, lang),
        blocks=[b.to_dict() for b in confirmation_blocks(card, lang)],
    )


def register(app: App, services: Services) -> None:
    def on_change_kind(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        change_kind_callback(services, ack, body, action, respond)

    def on_make_anonymous(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        make_anonymous_callback(services, ack, body, action, respond)

    def on_delete(ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond) -> None:
        delete_callback(services, ack, body, action, respond)

    app.action(ids.ACTION_CHANGE_KIND)(on_change_kind)
    app.action(ids.ACTION_MAKE_ANONYMOUS)(on_make_anonymous)
    app.action(ids.ACTION_DELETE)(on_delete)
