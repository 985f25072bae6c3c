"""Insights: capture exactly once, tags, corrections by their reporter, lookups within a workspace.

Repository functions take a session and never commit (the caller owns the unit of work).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Final, cast

from sqlalchemy import case, delete, func, literal, select, update
from sqlalchemy.orm import Session

from insights.types import KINDS, Kind, Tags
from models.db import dialect_insert
from models.schema import Insight, Workspace, utcnow
from models.search import fold
from models.workspaces import ensure_workspace


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
    channel_name: str | None = None
    message_ts: str | None = None
    permalink: str | None = None
    customer: str | None = None
    external: bool = False  # reported by a person of another organisation (Slack Connect)
    kind: str | None = None  # chosen by the reporter in the modal
    confirmation: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


def draft_values(draft: InsightDraft, workspace_id: int) -> dict[str, Any]:
    """The insight row a draft makes, before tagging (what :func:`add_insight` inserts)."""
    values = {f.name: getattr(draft, f.name) for f in fields(draft) if f.name not in ("team_id", "kind", "created_at")}
    values.update(
        workspace_id=workspace_id,
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
    return values


def add_insight(session: Session, draft: InsightDraft) -> tuple[Insight, bool]:
    """Store a captured insight exactly once; returns (insight, created) — created is False for a repeat."""
    workspace = ensure_workspace(session, draft.team_id)
    values = draft_values(draft, workspace.id)
    statement = (
        dialect_insert(session, Insight).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    )
    inserted_id = session.execute(statement.returning(Insight.id)).scalar_one_or_none()
    key = draft.idempotency_key
    insight = session.scalars(select(Insight).where(Insight.idempotency_key == key)).one()
    return insight, inserted_id is not None


def insight_id_by_key(session: Session, idempotency_key: str) -> int | None:
    """The id of the insight stored under this key (a message captured already), or None."""
    return session.scalar(select(Insight.id).where(Insight.idempotency_key == idempotency_key))


def confirmation_due(session: Session, idempotency_key: str, reporter_hash: str) -> bool:
    """Whether this person's insight under this key was stored but its confirmation never sent nor given up on:
    the process that stored it stopped before its DM, and a re-run of the capture must send it."""
    row = session.execute(
        select(Insight.reporter_hash, Insight.confirmation).where(Insight.idempotency_key == idempotency_key)
    ).one_or_none()
    return row is not None and row.reporter_hash == reporter_hash and not row.confirmation


def reported_by(session: Session, idempotency_key: str, reporter_hash: str) -> bool:
    """Whether this person reported the insight stored under this key (a redelivered capture is theirs)."""
    stored = session.scalar(select(Insight.reporter_hash).where(Insight.idempotency_key == idempotency_key))
    return stored == reporter_hash


# Kept as an insight's confirmation when none is to be updated: the DM was refused (the reporter was told in the
# channel), the insight was handed to someone else, or imported from history (nobody is told). An empty one means
# none was sent yet (see confirmation_due).
CONFIRMATION_UNSENT: Final = {"unsent": True}


def remember_confirmation(
    session: Session,
    insight_id: int,
    where: dict[str, Any],
    seal: Callable[[dict[str, Any]], dict[str, str]],
    permalink: str | None = None,
) -> None:
    """Keep where the reporter's confirmation is (and the message's permalink), to update it once tagged."""
    insight = session.get(Insight, insight_id)
    if insight is not None:
        # A DM channel names its member: an anonymous reporter's is kept sealed.
        insight.confirmation = seal(where) if insight.anonymous and where else where
        if permalink:
            insight.permalink = permalink


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


def get_insight(session: Session, team_id: str, insight_id: int) -> Insight | None:
    """An insight of this workspace only; another workspace's id gives None."""
    statement = select(Insight).join(Workspace).where(Workspace.team_id == team_id, Insight.id == insight_id)
    return session.scalars(statement).one_or_none()


def save_tags(session: Session, insight: Insight, tags: Tags) -> None:
    """Store the tagger's output; a kind, signal or subject set by a person is kept, even one set while
    tagging ran.

    One conditional UPDATE rather than read-modify-write, so a correction committed between the tagger's
    read and its write is never overwritten (no lost update, on SQLite and PostgreSQL alike); one statement, as
    on SQLite it holds the database's write lock that captures wait for before their ack.
    """
    session.flush()
    values: dict[str, Any] = read_values(tags)
    model = ((Insight.kind_set_by, kind_values(tags)), (Insight.signal_set_by, signal_values(tags)))
    for set_by, model_values in model:  # what a person set stays
        for name, value in model_values.items():
            column = getattr(Insight, name)
            values[name] = case((set_by == "person", column), else_=literal(value, column.type))
    session.execute(update(Insight).where(Insight.id == insight.id).values(**values))
    session.refresh(insight)


def read_values(tags: Tags) -> dict[str, Any]:
    """The columns the tagger's reading fills (language, entities, keywords, lemmas, words, vector, when)."""
    return {
        "language": tags.lang,
        "entities": [{"text": e.text, "label": e.label} for e in tags.entities],
        "keywords": list(tags.keywords),
        "lemmas": list(tags.lemmas),
        "words": [list(w) for w in tags.words] or None,
        "vector": tags.vector,
        "tagged_at": utcnow(),
    }


def kind_values(tags: Tags) -> dict[str, Any]:
    """The kind as the model read it (written unless a person set one)."""
    return {"kind": tags.kind, "kind_confidence": tags.kind_confidence, "kind_set_by": "model"}


def signal_values(tags: Tags) -> dict[str, Any]:
    """The customer signal and subject as the model read them (written unless a person set them)."""
    return {"signal": tags.signal, "subject": tags.subject, "signal_set_by": "model"}


def follow_edit(session: Session, idempotency_key: str, text: str) -> int | None:
    """The captured message was edited: its new text, to be tagged again (a kind or signal a person set stays,
    see :func:`save_tags`); the insight's id, or None when no insight follows that message."""
    insight = session.scalars(select(Insight).where(Insight.idempotency_key == idempotency_key)).one_or_none()
    if insight is None or insight.text == text:
        return None
    insight.text = text
    insight.search_text = fold(text)
    insight.tagged_at = None
    return insight.id


def label_mentions(session: Session, insight_id: int, before: str, after: str) -> bool:
    """The stored text with the mentions' names read after the capture's 2xx; only if the text is still
    ``before`` (an edit or a deletion followed since wins). True when it changed."""
    statement = (
        update(Insight)
        .where(Insight.id == insight_id, Insight.text == before)
        .values(text=after, search_text=fold(after))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(session.execute(statement), "rowcount", 0))


def follow_deletion(session: Session, idempotency_key: str, placeholder: str) -> Insight | None:
    """The captured message was deleted: its text and everything read from it go, its votes and status stay."""
    insight = session.scalars(select(Insight).where(Insight.idempotency_key == idempotency_key)).one_or_none()
    if insight is None or insight.text == placeholder:
        return None
    insight.text = placeholder
    insight.search_text = ""
    insight.permalink = None
    insight.entities, insight.keywords, insight.lemmas = [], [], []
    insight.words, insight.vector = None, None
    return insight


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


def set_signal(session: Session, insight: Insight, signal: str | None, subject: str | None) -> None:
    """A person set the customer signal and its subject (None: no signal); the tagger never overwrites them."""
    insight.signal = signal
    insight.subject = subject if signal else None
    insight.signal_set_by = "person"
    session.flush()


def make_anonymous(session: Session, insight: Insight, sealed: str) -> None:
    """Forget the reporter's id in clear; only the sealed copy remains, to tell them about changes."""
    insight.reporter_id = None
    insight.reporter_sealed = sealed
    insight.anonymous = True


def delete_insight(session: Session, insight: Insight) -> None:
    """Delete an insight and, with it, its votes and status log."""
    session.execute(delete(Insight).where(Insight.id == insight.id))


def kind_corrections(session: Session) -> list[tuple[str, Kind]]:
    """(text, kind) pairs whose kind a person set: the labelled examples made in Slack."""
    statement = select(Insight.text, Insight.kind).where(Insight.kind_set_by == "person", Insight.kind.is_not(None))
    return [(text, cast(Kind, kind)) for text, kind in session.execute(statement) if kind in KINDS]


def people_said_orgs(session: Session, team_id: str, limit: int = 2000) -> list[tuple[str, str | None]]:
    """(subject, signal) of every insight whose signal or subject a person set, oldest first (the latest
    word wins when they are learned in order): the workspace's customers and competitors, as people said."""
    statement = (
        select(Insight.subject, Insight.signal)
        .join(Workspace)
        .where(Workspace.team_id == team_id, Insight.signal_set_by == "person", Insight.subject.is_not(None))
        .order_by(Insight.id.desc())
        .limit(limit)
    )
    return [(str(subject), signal) for subject, signal in reversed(session.execute(statement).all()) if subject]


def channel_names(session: Session, team_id: str, limit: int = 500) -> list[str]:
    """The names of the channels insights came from (« client-biocoop »), each once."""
    statement = (
        select(Insight.channel_name)
        .join(Workspace)
        .where(Workspace.team_id == team_id, Insight.channel_name.is_not(None))
        .distinct()
        .limit(limit)
    )
    return [name for name in session.scalars(statement) if name]
