"""Accent-insensitive search over a workspace's insights, the same on SQLite and PostgreSQL.

Each insight stores its text folded (:func:`fold`: lowercase, accents and ligatures out, punctuation
to spaces); a search folds its words the same way and keeps the insights whose folded text holds every
word. Plain ``LIKE`` on a column both databases have, so « réunion » finds "reunion", « Réunions »
and "REUNION", and a French ``œ`` matches "oe". Scoped by workspace, newest first, bounded.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.schema import Insight, Workspace

MAX_WORDS: Final = 8
_LIGATURES: Final = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ﬁ": "fi", "ﬂ": "fl"})
_NOT_WORD: Final = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lowercase, without accents or ligatures, punctuation as single spaces, padded with one space each side."""
    lowered = text.casefold().translate(_LIGATURES)
    stripped = "".join(c for c in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(c))
    words = _NOT_WORD.sub(" ", stripped).split()
    return f" {' '.join(words)} " if words else ""


def search_words(query: str) -> list[str]:
    """The folded words of a query, at most :data:`MAX_WORDS`, duplicates out."""
    words = dict.fromkeys(fold(query).split())
    return list(words)[:MAX_WORDS]


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_insights(session: Session, team_id: str, query: str, limit: int = 10) -> list[Insight]:
    """This workspace's insights holding every word of ``query`` (prefix match per word), newest first."""
    words = search_words(query)
    if not words:
        return []
    statement = select(Insight).join(Workspace).where(Workspace.team_id == team_id)
    for word in words:
        # A word starts a folded word: « livr » finds « livraison », not « délivrer ».
        statement = statement.where(Insight.search_text.like(f"% {_like_escape(word)}%", escape="\\"))
    statement = statement.order_by(Insight.created_at.desc(), Insight.id.desc()).limit(limit)
    return list(session.scalars(statement))
