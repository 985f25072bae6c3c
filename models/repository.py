"""Repository functions: take a session, never commit (the caller owns the unit of work)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from insights.types import KINDS, Kind, Tags
from models.schema import Insight, Reply, StatusChange, Vote, Workspace, utcnow
from models.search import fold


@dataclass(frozen=True)
class InsightDraft:
    """Everything known about an insight when it is captured, before tagging."""

    team_id: str
    idempotency_key: str
    text: str
    source: str
    reporter_hash: str
    reporter_id: str | None = None
    reporter_sealed: str | None = None
    anonymous: bool = False
    author_id: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None
    permalink: str | None = None
    customer: str | None = None
    kind: str | None = None  # chosen by the reporter in the modal
    confirmation: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


def dialect_insert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """The dialect's own INSERT, so ``ON CONFLICT DO NOTHING`` is the same code on SQLite and PostgreSQL."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect: {dialect}")


def ensure_workspace(session: Session, team_id: str, name: str | None = None) -> Workspace:
    """Return the workspace for a Slack team, creating it once however many requests race for it."""
    statement = dialect_insert(session, Workspace).values(team_id=team_id, name=name, settings={}, created_at=utcnow())
    session.execute(statement.on_conflict_do_nothing(index_elements=["team_id"]))
    workspace = session.scalars(select(Workspace).where(Workspace.team_id == team_id)).one()
    if name and workspace.name != name:
        workspace.name = name
    return workspace


def add_insight(session: Session, draft: InsightDraft) -> tuple[Insight, bool]:
    """Store a captured insight exactly once; returns (insight, created) — created is False for a repeat."""
    workspace = ensure_workspace(session, draft.team_id)
    values = {k: v for k, v in asdict(draft).items() if k not in ("team_id", "kind", "created_at")}
    values.update(
        workspace_id=workspace.id,
        status="open",
        entities=[],
        keywords=[],
        lemmas=[],
        search_text=fold(draft.text),
        created_at=draft.created_at or utcnow(),
        kind=draft.kind,
        kind_set_by="person" if draft.kind else None,
        kind_confidence=1.0 if draft.kind else None,
    )
    statement = (
        dialect_insert(session, Insight).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    inserted_id = session.execute(statement.returning(Insight.id)).scalar_one_or_none()
    key = draft.idempotency_key
    insight = session.scalars(select(Insight).where(Insight.idempotency_key == key)).one()
    return insight, inserted_id is not None


def add_reply(
    session: Session, insight_id: int, direction: str, text: str, *, by: str | None, to: str | None, view_id: str
) -> int | None:
    """Store a relayed message once per Slack form; its id, or None when that form was stored already."""
    values = {
        "insight_id": insight_id,
        "direction": direction,
        "by": by,
        "to": to,
        "text": text,
        "at": utcnow(),
        "view_id": view_id or None,
    }
    statement = dialect_insert(session, Reply).values(**values).on_conflict_do_nothing(index_elements=["view_id"])
    return session.execute(statement.returning(Reply.id)).scalar_one_or_none()


def insight_exists(session: Session, idempotency_key: str) -> bool:
    return session.scalar(select(Insight.id).where(Insight.idempotency_key == idempotency_key)) is not None


def recent_captures(session: Session, team_id: str, reporter_hash: str, window: timedelta) -> int:
    """How many insights this person reported in this workspace over the last ``window``."""
    statement = (
        select(func.count())
        .select_from(Insight)
        .join(Workspace)
        .where(
            Workspace.team_id == team_id,
            Insight.reporter_hash == reporter_hash,
            Insight.created_at >= utcnow() - window,
        )
    )
    return int(session.scalar(statement) or 0)


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


def get_insight(session: Session, team_id: str, insight_id: int) -> Insight | None:
    """An insight of this workspace only; another workspace's id gives None."""
    statement = select(Insight).join(Workspace).where(Workspace.team_id == team_id, Insight.id == insight_id)
    return session.scalars(statement).one_or_none()


def save_tags(session: Session, insight: Insight, tags: Tags) -> None:
    """Store the tagger's output; a kind chosen by a person is kept, even one chosen while tagging ran.

    Two conditional UPDATEs rather than read-modify-write, so a correction committed between the tagger's
    read and its write is never overwritten (no lost update, on SQLite and PostgreSQL alike).
    """
    session.flush()
    session.execute(
        update(Insight)
        .where(Insight.id == insight.id)
        .values(
            language=tags.lang,
            signal=tags.signal,
            subject=tags.subject,
            entities=[{"text": e.text, "label": e.label} for e in tags.entities],
            keywords=list(tags.keywords),
            lemmas=list(tags.lemmas),
            tagged_at=utcnow(),
        )
    )
    session.execute(
        update(Insight)
        .where(Insight.id == insight.id, or_(Insight.kind_set_by.is_(None), Insight.kind_set_by != "person"))
        .values(kind=tags.kind, kind_confidence=tags.kind_confidence, kind_set_by="model")
    )
    session.refresh(insight)


def untagged_insight_ids(session: Session, limit: int = 500) -> list[int]:
    """Insights stored but not tagged yet (after a crash or while the model loaded), oldest first."""
    statement = select(Insight.id).where(Insight.tagged_at.is_(None)).order_by(Insight.id).limit(limit)
    return list(session.scalars(statement))


def reporter_insights(session: Session, team_id: str, reporter_hash: str, limit: int = 10) -> list[Insight]:
    """A person's latest insights, anonymous ones included (found by the keyed hash, not the id)."""
    statement = (
        select(Insight)
        .join(Workspace)
        .where(Workspace.team_id == team_id, Insight.reporter_hash == reporter_hash)
        .order_by(Insight.created_at.desc(), Insight.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def set_kind(session: Session, insight: Insight, kind: str) -> None:
    """A person corrected the kind: it becomes a labelled example for ``pepites train``."""
    insight.kind = kind
    insight.kind_confidence = 1.0
    insight.kind_set_by = "person"


def make_anonymous(session: Session, insight: Insight, sealed: str) -> None:
    """Forget the reporter's id in clear; only the sealed copy remains, to tell them about changes."""
    insight.reporter_id = None
    insight.reporter_sealed = sealed
    insight.anonymous = True


def delete_insight(session: Session, insight: Insight) -> None:
    """Delete an insight and, with it, its votes and status log."""
    session.execute(delete(Insight).where(Insight.id == insight.id))


def record_status(session: Session, insight: Insight, to_status: str, by: str | None, note: str | None = None) -> bool:
    """Change an insight's status and log who did it, when and why; False when it was already changed.

    The UPDATE is conditional on the status read, so two managers clicking at once (or one clicking twice)
    log one change, not two.
    """
    from_status = insight.status
    if from_status == to_status:
        return False
    result = session.execute(
        update(Insight).where(Insight.id == insight.id, Insight.status == from_status).values(status=to_status)
    )
    if not getattr(result, "rowcount", 0):
        session.refresh(insight)
        return False
    session.add(StatusChange(insight_id=insight.id, from_status=from_status, to_status=to_status, by=by, note=note))
    session.flush()
    session.refresh(insight)
    return True


def assign_insight(session: Session, insight: Insight, assignee: str, by: str) -> bool:
    """Assign the insight to someone (logged like any status change); False when they already have it."""
    if insight.status == "assigned" and insight.assignee_id == assignee:
        return False
    if insight.status == "assigned":  # handed over to someone else: same status, a new line in the log
        insight.assignee_id = assignee
        session.add(StatusChange(insight_id=insight.id, from_status="assigned", to_status="assigned", by=by))
        session.flush()
        return True
    if not record_status(session, insight, "assigned", by=by):
        return False
    insight.assignee_id = assignee
    return True


def resolve_insight(
    session: Session, insight: Insight, by: str, note: str | None = None, value_eur: float | None = None
) -> bool:
    """Resolve with an optional note and € value (saved or won); False when it was already resolved."""
    if not record_status(session, insight, "resolved", by=by, note=note):
        return False
    insight.resolved_at = utcnow()
    insight.value_eur = value_eur
    return True


def kind_corrections(session: Session) -> list[tuple[str, Kind]]:
    """(text, kind) pairs whose kind a person set: the labelled examples made in Slack."""
    statement = select(Insight.text, Insight.kind).where(Insight.kind_set_by == "person", Insight.kind.is_not(None))
    return [(text, cast(Kind, kind)) for text, kind in session.execute(statement) if kind in KINDS]


def known_subjects(session: Session, team_id: str, limit: int = 2000) -> list[str]:
    """Every customer or competitor seen before in this workspace, to feed the entity ruler."""
    statement = (
        select(Insight.subject)
        .join(Workspace)
        .where(Workspace.team_id == team_id, Insight.subject.is_not(None))
        .distinct()
        .limit(limit)
    )
    return [s for s in session.scalars(statement) if s]


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
