"""Keeps anonymous reporters anonymous: a keyed hash to find "my insights", a sealed id to reach them.

Neither value tells who the reporter is without the secret key (``PEPITES_SECRET_KEY``), which lives
only in the environment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.insights import CONFIRMATION_UNSENT
from models.schema import Insight, Vote, Workspace

# Sealed locations start with this, so a sealed reporter id is never read as one (and the reverse).
WHERE_PREFIX: Final = b"where\0"


class ReporterVault:
    """Derives a hashing key and an encryption key from one secret."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("the secret key must be at least 16 characters long")
        raw = secret.encode()
        self._hash_key = hashlib.sha256(b"pepites-reporter-hash\0" + raw).digest()
        fernet_key = hashlib.sha256(b"pepites-reporter-seal\0" + raw).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(fernet_key))

    def hash(self, team_id: str, user_id: str) -> str:
        """A stable pseudonym for (team, user): the same person always gets the same value."""
        message = f"{team_id}:{user_id}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()

    def seal(self, team_id: str, user_id: str) -> str:
        """Encrypt the reporter's id so the bot alone can DM them later."""
        return self._fernet.encrypt(f"{team_id}:{user_id}".encode()).decode()

    def seal_where(self, where: dict[str, Any]) -> dict[str, str]:
        """Encrypt where an anonymous reporter's confirmation is (a DM channel names them): ``{"sealed": …}``."""
        return {"sealed": self._fernet.encrypt(WHERE_PREFIX + json.dumps(where).encode()).decode()}

    def unseal_where(self, stored: dict[str, Any]) -> dict[str, Any]:
        """The location :meth:`seal_where` sealed; a location stored in clear is returned as it is."""
        token = stored.get("sealed")
        if not isinstance(token, str):
            return dict(stored)
        try:
            plain = self._fernet.decrypt(token.encode())
        except InvalidToken as exc:
            raise ValueError("this location was sealed with another key") from exc
        if not plain.startswith(WHERE_PREFIX):
            raise ValueError("this is not a sealed location")
        return dict(json.loads(plain[len(WHERE_PREFIX) :]))

    def unseal(self, token: str) -> tuple[str, str]:
        """Return (team_id, user_id) from a sealed id; raises ValueError if it was not sealed with this key."""
        try:
            team_id, _, user_id = self._fernet.decrypt(token.encode()).decode().partition(":")
        except InvalidToken as exc:
            raise ValueError("this reporter id was sealed with another key") from exc
        return team_id, user_id


def hand_over_shared(
    session: Session, team_id: str, reporter_hash: str, voter_id: str, hash_of: Callable[[str], str]
) -> list[tuple[int, str]]:
    """Before a person's erasure: each of their insights that a colleague also reported (a "me too", which is
    what merging a near-duplicate into it leaves) becomes that colleague's, so the colleague's report
    survives; the person's link to it is gone. (insight id, new reporter) for each one handed over."""
    workspace = session.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
    if workspace is None:
        return []
    mine = session.scalars(
        select(Insight).where(Insight.workspace_id == workspace, Insight.reporter_hash == reporter_hash)
    ).all()
    handed: list[tuple[int, str]] = []
    for insight in mine:
        colleague = session.scalar(
            select(Vote.voter_id)
            .where(Vote.insight_id == insight.id, Vote.kind == "me_too", Vote.voter_id != voter_id)
            .order_by(Vote.created_at, Vote.id)
            .limit(1)
        )
        if colleague is None:
            continue
        insight.reporter_hash = hash_of(colleague)
        insight.reporter_id = colleague
        insight.reporter_sealed = None
        insight.anonymous = False
        insight.confirmation = dict(CONFIRMATION_UNSENT)  # the erased person's DM: not theirs to update any more
        handed.append((insight.id, colleague))
    session.flush()
    return handed


def forget_reporter(session: Session, team_id: str, reporter_hash: str, voter_id: str) -> tuple[int, int]:
    """Erase everything a person reported in a workspace, and their votes there: (insights, votes) erased."""
    workspace = session.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
    if workspace is None:
        return 0, 0
    in_workspace = select(Insight.id).where(Insight.workspace_id == workspace)
    votes = session.execute(delete(Vote).where(Vote.voter_id == voter_id, Vote.insight_id.in_(in_workspace)))
    insights = session.execute(
        delete(Insight).where(Insight.workspace_id == workspace, Insight.reporter_hash == reporter_hash)
    )
    return int(getattr(insights, "rowcount", 0)), int(getattr(votes, "rowcount", 0))


def purge_older_than(session: Session, workspace_id: int, before: datetime, batch: int = 1000) -> int:
    """Delete a workspace's insights created before ``before`` (with their votes, log and replies)."""
    ids = list(
        session.scalars(
            select(Insight.id).where(Insight.workspace_id == workspace_id, Insight.created_at < before).limit(batch)
        )
    )
    if ids:
        session.execute(delete(Insight).where(Insight.id.in_(ids)))
    return len(ids)


EXPORT_FIELDS: Sequence[str] = (
    "id", "created_at", "source", "status", "text", "language", "kind", "kind_confidence", "kind_set_by",
    "signal", "subject", "customer", "keywords", "entities", "reporter", "author_id", "channel_id", "permalink",
)  # fmt: skip


def export_rows(session: Session, team_id: str) -> Iterator[dict[str, Any]]:
    """Every insight of a workspace with its tags and status; anonymous reporters show as "anonymous"."""
    statement = (
        select(Insight)
        .join(Workspace)
        .where(Workspace.team_id == team_id)
        .order_by(Insight.id)
        .execution_options(yield_per=500)
    )
    for insight in session.scalars(statement):
        yield {
            "id": insight.id,
            "created_at": insight.created_at.isoformat(),
            "source": insight.source,
            "status": insight.status,
            "text": insight.text,
            "language": insight.language,
            "kind": insight.kind,
            "kind_confidence": insight.kind_confidence,
            "kind_set_by": insight.kind_set_by,
            "signal": insight.signal,
            "subject": insight.subject,
            "customer": insight.customer,
            "keywords": list(insight.keywords or []),
            "entities": list(insight.entities or []),
            "reporter": "anonymous" if insight.anonymous else insight.reporter_id,
            "author_id": insight.author_id,
            "channel_id": insight.channel_id,
            "permalink": insight.permalink,
        }
