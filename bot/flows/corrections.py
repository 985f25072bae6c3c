"""A reporter corrects their own insight: its kind, going anonymous, deleting it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from sqlalchemy.orm import Session

from bot.services import Database
from insights.tagging.known import strip_article
from insights.types import SIGNALS
from models.insights import delete_insight, get_insight, make_anonymous, set_kind, set_signal
from models.read import InsightCard, card_of
from models.schema import Insight

# Why a correction was refused: there is no such insight here, or someone else reported it.
Refusal = Literal["not_found", "not_yours"]


def own_insight(
    session: Session, db: Database, team_id: str, user_id: str, insight_id: int | None
) -> Insight | Refusal:
    """The insight if ``user_id`` reported it, else why not."""
    insight = get_insight(session, team_id, insight_id) if insight_id is not None else None
    if insight is None:
        return "not_found"
    if insight.reporter_hash != db.vault.hash(team_id, user_id):
        return "not_yours"
    return insight


def _correct(
    db: Database, team_id: str, user_id: str, insight_id: int | None, change: Callable[[Session, Insight], None]
) -> InsightCard | Refusal:
    """Apply ``change`` to the person's own insight in one unit of work; the insight as it now is."""
    with db.sessions.begin() as session:
        own = own_insight(session, db, team_id, user_id, insight_id)
        if isinstance(own, str):
            return own
        change(session, own)
        return card_of(own)


def change_kind(db: Database, team_id: str, user_id: str, insight_id: int | None, kind: str) -> InsightCard | Refusal:
    """The reporter corrected the kind: stored as set by a person, a label for ``pepites train``."""
    return _correct(db, team_id, user_id, insight_id, lambda session, own: set_kind(session, own, kind))


def change_signal(
    db: Database, team_id: str, user_id: str, insight_id: int | None, signal: str | None, subject: str | None
) -> InsightCard | Refusal:
    """The reporter set the customer signal and its subject (``signal`` None: no signal). Stored as set by a
    person: tagging never overwrites it, and the subject becomes one of the workspace's known customers (or
    competitors) for the next insights."""
    chosen = signal if signal in SIGNALS else None
    name = strip_article(subject or "")[:255] or None
    return _correct(db, team_id, user_id, insight_id, lambda session, own: set_signal(session, own, chosen, name))


def go_anonymous(db: Database, team_id: str, user_id: str, insight_id: int | None) -> InsightCard | Refusal:
    """Forget the reporter's id in clear; only a sealed copy stays (its confirmation's location too)."""

    def change(session: Session, own: Insight) -> None:
        make_anonymous(session, own, db.vault.seal(team_id, user_id))
        if own.confirmation and "sealed" not in own.confirmation:
            own.confirmation = db.vault.seal_where(own.confirmation)

    return _correct(db, team_id, user_id, insight_id, change)


def delete_own(db: Database, team_id: str, user_id: str, insight_id: int | None) -> Refusal | None:
    """Delete the reporter's insight with its votes and log; None when done."""
    with db.sessions.begin() as session:
        own = own_insight(session, db, team_id, user_id, insight_id)
        if isinstance(own, str):
            return own
        delete_insight(session, own)
        return None
