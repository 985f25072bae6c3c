"""Small readers over what the app stored and what it posted."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models.schema import Insight


def stored(sessions: sessionmaker[Session]) -> list[Insight]:
    with sessions.begin() as session:
        return list(session.scalars(select(Insight).order_by(Insight.id)))


def blocks_text(payload: Any) -> str:
    """Everything a payload would show, as one string (JSON of its blocks or text)."""
    if isinstance(payload, dict):
        return json.dumps({k: payload.get(k) for k in ("text", "blocks", "view")}, ensure_ascii=False)
    return json.dumps(payload, ensure_ascii=False)
