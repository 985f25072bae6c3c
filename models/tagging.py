"""What the tagging worker reads and writes: untagged texts, recent open texts for near-duplicates, tags.

Repository functions take a session and never commit (the caller owns the unit of work).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from insights.types import Tags
from models.digests import OPEN_STATUSES
from models.insights import save_tags
from models.read import InsightCard, card_of
from models.schema import Insight, Workspace


@dataclass(frozen=True)
class Tagged:
    """An insight just tagged: its card, its workspace and where its reporter's confirmation is."""

    card: InsightCard
    team_id: str
    confirmation: dict[str, Any]


@dataclass(frozen=True)
class ToTag:
    """An insight waiting for its tags: what the tagger reads (its text and the form's customer field)."""

    id: int
    text: str
    team_id: str
    customer: str | None = None


def untagged_texts(session: Session, insight_ids: Sequence[int]) -> list[ToTag]:
    """Those insights not tagged yet, with their workspace and customer field."""
    rows = session.execute(
        select(Insight.id, Insight.text, Workspace.team_id, Insight.customer)
        .join(Workspace)
        .where(Insight.id.in_(list(insight_ids)), Insight.tagged_at.is_(None))
    )
    return [ToTag(int(i), str(text), str(team), customer or None) for i, text, team, customer in rows]


def open_texts_since(session: Session, team_id: str, since: datetime, limit: int) -> list[tuple[int, str]]:
    """(id, text) of the workspace's open insights created since ``since``, the newest ``limit`` of them."""
    rows = session.execute(
        select(Insight.id, Insight.text)
        .join(Workspace)
        .where(Workspace.team_id == team_id, Insight.status.in_(OPEN_STATUSES), Insight.created_at >= since)
        .order_by(Insight.id.desc())
        .limit(limit)
    )
    return [(int(i), str(text)) for i, text in rows]


def store_tags(session: Session, insight_id: int, tags: Tags) -> Tagged | None:
    """Save an insight's tags (see :func:`models.insights.save_tags`); None when it was deleted meanwhile."""
    insight = session.get(Insight, insight_id)
    if insight is None:
        return None
    save_tags(session, insight, tags)
    return Tagged(card_of(insight), insight.workspace.team_id, dict(insight.confirmation or {}))
