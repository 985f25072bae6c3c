"""The tables, as SQLAlchemy 2 typed models. Alembic migrations (models/migrations) own the schema."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, MetaData, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import DateTime, TypeDecorator

JSONType = JSON().with_variant(JSONB(), "postgresql")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Insight sources and statuses, as stored.
SOURCES = ("command", "modal", "shortcut", "reaction", "import")
STATUSES = ("open", "acknowledged", "assigned", "resolved", "dismissed")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSONType, list[Any]: JSONType, datetime: UTCDateTime()}


class Workspace(Base):
    """A Slack workspace (team) and its settings."""

    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The installed workspace's team id; an org-wide install (Enterprise Grid) is one workspace keyed by its
    # enterprise id. enterprise_id and is_enterprise_install find its bot in the installation store.
    team_id: Mapped[str] = mapped_column(String(32), unique=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    is_enterprise_install: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str | None] = mapped_column(String(255))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Insight(Base):
    """One report, with where it came from, who reported it (sealed when anonymous) and its tags."""

    __tablename__ = "insight"
    __table_args__ = (
        Index("ix_insight_workspace_created", "workspace_id", "created_at"),
        Index("ix_insight_workspace_status", "workspace_id", "status"),
        Index("ix_insight_workspace_reporter", "workspace_id", "reporter_hash"),
        Index("ix_insight_untagged", "tagged_at"),
        # Deleting or replacing a week's themes sets their insights' theme_id to NULL: found by this index.
        Index("ix_insight_theme", "theme_id"),
        Index("ix_insight_workspace_theme_key", "workspace_id", "theme_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    # The reporter: in clear only when not anonymous. The keyed hash finds "my insights" and the sealed
    # id lets the bot DM an anonymous reporter; neither reveals who they are without the secret key.
    reporter_id: Mapped[str | None] = mapped_column(String(32))
    reporter_hash: Mapped[str] = mapped_column(String(64))
    reporter_sealed: Mapped[str | None] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(default=False)
    # Captured from a message: its author, channel, ts and permalink.
    author_id: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    # The channel's name where Slack gives it (commands, message shortcuts): #client-biocoop names a customer.
    channel_name: Mapped[str | None] = mapped_column(String(255))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(Text)
    customer: Mapped[str | None] = mapped_column(String(255))
    # Reported by a person of another organisation (Slack Connect): flagged in the digest.
    external: Mapped[bool] = mapped_column(default=False)
    # Tags (set after the ack by the tagging worker).
    language: Mapped[str | None] = mapped_column(String(8))
    kind: Mapped[str | None] = mapped_column(String(16))
    kind_confidence: Mapped[float | None]
    kind_set_by: Mapped[str | None] = mapped_column(String(16))  # "model" or "person"
    signal: Mapped[str | None] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(255))
    signal_set_by: Mapped[str | None] = mapped_column(String(16))  # "model" or "person" (signal and subject)
    entities: Mapped[list[Any]] = mapped_column(default=list)
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    # Content lemmas for theme grouping, written by the tagger so the digest needs no spaCy.
    lemmas: Mapped[list[Any]] = mapped_column(default=list)
    # The text folded (lowercase, no accents, no ligatures) for accent-insensitive search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    tagged_at: Mapped[datetime | None]
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"))
    # What themes read, written by the tagging process (insights.themes.stored): words as written with lemma,
    # POS and flags, and the USE vector as 512 float16 (1 KB); and the catalogue theme holding it (a cache of
    # the theme_event log's replay).
    words: Mapped[list[Any] | None] = mapped_column(JSONType)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)
    theme_key: Mapped[str | None] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="open")
    escalated_at: Mapped[datetime | None]
    # The managers' alert: when it was last tried and when it was posted (retried by the scheduler until then).
    alert_tried_at: Mapped[datetime | None]
    alerted_at: Mapped[datetime | None]
    assignee_id: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime | None]
    # What resolving it saved or won, in euros, as the manager who resolved it said.
    value_eur: Mapped[float | None]
    # Where the reporter's confirmation lives, so it can be updated once tagged:
    # {"response_url": …} for a slash command, {"channel": …, "ts": …} for a DM.
    confirmation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    workspace: Mapped[Workspace] = relationship()
    status_changes: Mapped[list[StatusChange]] = relationship(
        back_populates="insight", cascade="all, delete-orphan", passive_deletes=True
    )


class Vote(Base):
    """One person's escalation or "me too" on an insight; one person counts once per kind."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("insight_id", "voter_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    insight_id: Mapped[int] = mapped_column(ForeignKey("insight.id", ondelete="CASCADE"), index=True)
    voter_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # "escalate" or "me_too"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Theme(Base):
    """A group of one week's insights of a workspace about the same subject."""

    __tablename__ = "theme"
    __table_args__ = (Index("ix_theme_workspace_week", "workspace_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    week: Mapped[date]
    label: Mapped[str] = mapped_column(String(255))
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    centroid: Mapped[list[Any]] = mapped_column(default=list)
    size: Mapped[int] = mapped_column(default=0)
    reporters: Mapped[int] = mapped_column(default=0)
    trend: Mapped[str] = mapped_column(String(16), default="new")
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"))


class ThemeEvent(Base):
    """One event of a workspace's theme catalogue (insights.themes.catalogue): founded, joined, renamed, merged,
    moved, hidden, undone. Append-only; ``seq`` orders the log and is unique per workspace, so two replicas
    appending at once cannot both write the same step (the second one's unit of work is rolled back)."""

    __tablename__ = "theme_event"
    __table_args__ = (UniqueConstraint("workspace_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    by: Mapped[str] = mapped_column(String(32), default="system")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CatalogueTheme(Base):
    """A theme of the workspace's lasting catalogue as the replayed log says it is now (a cache: the log is
    the truth). ``key`` is the stable id every replica computes from the founding members."""

    __tablename__ = "catalogue_theme"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(24))
    label: Mapped[str] = mapped_column(String(255))
    curated_label: Mapped[str | None] = mapped_column(String(255))
    hidden: Mapped[bool] = mapped_column(default=False)
    merged_into: Mapped[str | None] = mapped_column(String(24))
    size: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatusChange(Base):
    """The audit log of an insight's status; kept as long as the insight."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    insight_id: Mapped[int] = mapped_column(ForeignKey("insight.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    by: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    insight: Mapped[Insight] = relationship(back_populates="status_changes")


class ImportCheckpoint(Base):
    """How far a history import got in one channel (``pepites import`` or ``/insight import``): it resumes
    after ``last_ts`` when run again with the same source and mode and a ``since`` no earlier than this one's."""

    __tablename__ = "import_checkpoint"
    __table_args__ = (UniqueConstraint("workspace_id", "source", "channel_id", "mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))  # "export" or "live"
    channel_id: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(8))  # "marked" (the capture emoji) or "all"
    since: Mapped[str | None] = mapped_column(String(10))
    last_ts: Mapped[str] = mapped_column(String(32))
    finished: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportThemeWeek(Base):
    """A past week that holds imported insights whose themes are not built yet: written with the batch that
    stored them, deleted with the themes built for the week, so an import stopped before or during its themes
    step builds them when run again."""

    __tablename__ = "import_theme_week"
    __table_args__ = (UniqueConstraint("workspace_id", "monday"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    monday: Mapped[str] = mapped_column(String(10))  # the week's Monday, ISO (UTC)


class DigestRun(Base):
    """A claimed digest: the unique (workspace, period start) row makes it exactly once."""

    __tablename__ = "digest_run"
    __table_args__ = (UniqueConstraint("workspace_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    period_start: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    message_ts: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Posting attempts and the last Slack error, so a failed post is retried a few times, never twice posted.
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(255))
    posted_at: Mapped[datetime | None]


class Reply(Base):
    """A message relayed between a manager and an insight's reporter (the reporter stays anonymous)."""

    __tablename__ = "reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    insight_id: Mapped[int] = mapped_column(ForeignKey("insight.id", ondelete="CASCADE"), index=True)
    # "to_reporter" (written by the manager ``by``) or "to_manager" (written by the reporter: ``by`` is None).
    direction: Mapped[str] = mapped_column(String(16))
    by: Mapped[str | None] = mapped_column(String(32))
    to: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The Slack form it was written in: a form delivered again (a retry, another replica) is relayed once.
    view_id: Mapped[str | None] = mapped_column(String(32), unique=True)


class SlackEvent(Base):
    """The event inbox: an event Slack sent, stored before its 2xx and run after it by a worker
    (:mod:`bot.jobs.inbox`). Unique per workspace and ``event_id``, so a redelivery is stored once; a row is
    claimed (``claimed_at``) by one process at a time, taken over when its claim is stale (a dead replica),
    and ``done_at`` once its flow ran (or gave up after a few attempts, ``last_error`` saying why)."""

    __tablename__ = "slack_event"
    __table_args__ = (UniqueConstraint("team_id", "event_id"), Index("ix_slack_event_pending", "done_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))  # the installed workspace (an org-wide install's org)
    event_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))  # the event's type, or a message's subtype
    event: Mapped[dict[str, Any]]
    # What the flow needs of Bolt's context: team / enterprise ids, org-wide install, the bot's ids, and
    # whether the channel is shared with another organisation.
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(255))


# slack_sdk's OAuth tables (installations, bots, one-time states), on the app's own database so that every
# replica sees every installation. Their columns are the library's own (its stores query them); migration
# 0003 creates them, and the schema test fails if a slack_sdk upgrade changes them without a migration.
SLACK_INSTALLATIONS_TABLE = "slack_installations"
SLACK_BOTS_TABLE = "slack_bots"
SLACK_OAUTH_STATES_TABLE = "slack_oauth_states"
SQLAlchemyInstallationStore.build_installations_table(Base.metadata, SLACK_INSTALLATIONS_TABLE)
SQLAlchemyInstallationStore.build_bots_table(Base.metadata, SLACK_BOTS_TABLE)
SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, SLACK_OAUTH_STATES_TABLE)
