"""Importing history (a Slack export or a live channel's past messages), so the first digest has trends.

A channel's messages come oldest first. Candidates (marked with the capture emoji, or with ``everything`` any
human message with words) are gathered in batches; each batch is tagged, then stored with its tags and the
channel's checkpoint in one unit of work, so an interruption leaves whole batches and the next run resumes
after the last one. Each message is stored under the live capture's key (``message:<team>:<channel>:<ts>``),
so importing twice, or a message also captured live, never makes a duplicate. Insights are dated by their
message, so they land in their own weeks; the catalogue's themes are then built for those weeks.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.flows.capture import message_key, reporter_fields
from bot.flows.themes import catch_up
from bot.jobs.tagging import BatchTagger, workspace_orgs
from bot.workspace_config import WorkspaceConfig
from insights.history import classifier_reason, skip_reason
from insights.slack_export import ExportMessage
from insights.tagging.known import found_role, learn_found, role_of
from insights.types import KnownOrgs, Tags
from models.history import (
    add_tagged,
    clear_theme_weeks,
    imported_in_weeks,
    mark_theme_weeks,
    monday_of,
    pending_theme_weeks,
    resume_after,
    save_checkpoint,
    stored_keys,
)
from models.insights import CONFIRMATION_UNSENT, InsightDraft
from models.privacy import ReporterVault
from models.themes import catalogue_of
from models.workspaces import ensure_workspace, find_workspace

log = logging.getLogger(__name__)

BATCH_SIZE = 128  # candidates tagged and stored per unit of work
MAX_READ_PER_BATCH = 5000  # a checkpoint at least this often, even when few messages are candidates
THEME_WEEKS = 4  # imported weeks whose themes are built per unit of work (memory: these and the 8 before)
THEME_ATTEMPTS = 3  # a chunk another replica's catalogue write got ahead of is tried again (then left marked)


@dataclass
class ChannelCount:
    read: int = 0
    found: int = 0
    stored: int = 0


@dataclass
class ImportReport:
    """What an import did, for the progress line and the summary."""

    read: int = 0
    found: int = 0  # candidates that became (or would become) insights
    stored: int = 0
    tagged: int = 0
    resumed: int = 0  # messages skipped because an earlier run imported them (checkpoint)
    skipped: Counter[str] = field(default_factory=Counter)
    channels: dict[str, ChannelCount] = field(default_factory=dict)
    themes_before: int = 0
    themes_after: int = 0
    theme_events: int = 0
    learned: list[str] = field(default_factory=list)  # organisations the workspace did not know before
    corrupt: list[str] = field(default_factory=list)
    tag_seconds: float = 0.0
    started: float = field(default_factory=time.perf_counter)
    stored_ids: list[int] = field(default_factory=list)

    @property
    def themes_built(self) -> int:
        return max(self.themes_after - self.themes_before, 0)


Progress = Callable[[ImportReport, str], None]


def _moment(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


class HistoryImport:
    """One import run for one workspace, channel after channel, then :meth:`finish` builds the themes."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        vault: ReporterVault,
        tagger: BatchTagger,
        team_id: str,
        config: WorkspaceConfig,
        *,
        source: str,
        everything: bool = False,
        since: date | None = None,
        dry_run: bool = False,
        known: KnownOrgs | None = None,
        bot_users: frozenset[str] = frozenset(),
        now: datetime | None = None,
        progress: Progress | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.sessions, self.vault, self.tagger, self.team_id, self.config = sessions, vault, tagger, team_id, config
        self.source, self.everything, self.since, self.dry_run = source, everything, since, dry_run
        self.mode = "all" if everything else "marked"
        self.bot_users, self.progress, self.batch_size = bot_users, progress, batch_size
        self.now = now or datetime.now(UTC)
        self.report = ImportReport()
        self.since_cutoff = datetime.combine(since, datetime.min.time(), UTC) if since else None
        self.retention_cutoff = self.now - timedelta(days=config.retention_days) if config.retention_days else None
        with sessions.begin() as session:
            if dry_run:
                row = find_workspace(session, team_id)
                self.workspace_id = row.id if row else None
            else:
                self.workspace_id = ensure_workspace(session, team_id).id
            self.known = workspace_orgs(session, team_id, known or KnownOrgs())
            if self.workspace_id is not None:
                self.report.themes_before = len(catalogue_of(session, self.workspace_id).active_themes())

    def checkpoint(self, channel_id: str) -> str:
        """The ``ts`` after which this channel goes on ("" from the start)."""
        if self.workspace_id is None or self.dry_run:
            return ""
        with self.sessions.begin() as session:
            return resume_after(session, self.workspace_id, self.source, channel_id, self.mode, self._since_key)

    @property
    def _since_key(self) -> str | None:
        return self.since.isoformat() if self.since else None

    def channel(self, channel_id: str, channel_name: str, messages: Iterable[ExportMessage]) -> ChannelCount:
        """Import one channel's messages (oldest first), resuming after its checkpoint."""
        count = self.report.channels.setdefault(channel_name, ChannelCount())
        after = self.checkpoint(channel_id)
        after_f = float(after) if after else None
        batch: list[ExportMessage] = []
        read_since_flush = 0
        last_ts = after
        for message in messages:
            self.report.read += 1
            count.read += 1
            read_since_flush += 1
            if after_f is not None and float(message.ts) <= after_f:
                self.report.resumed += 1
                continue
            last_ts = message.ts
            reason = self._reason(message)
            if reason:
                self.report.skipped[reason] += 1
            else:
                batch.append(message)
            if len(batch) >= self.batch_size or read_since_flush >= MAX_READ_PER_BATCH:
                self._flush(channel_id, channel_name, batch, last_ts, finished=False)
                batch, read_since_flush = [], 0
        self._flush(channel_id, channel_name, batch, last_ts, finished=True)
        return count

    def _reason(self, message: ExportMessage) -> str | None:
        moment = _moment(message.ts)
        if self.since_cutoff and moment < self.since_cutoff:
            return "before_since"
        if self.retention_cutoff and moment < self.retention_cutoff:
            return "retention"
        return skip_reason(message, self.config.capture_emoji, everything=self.everything, bot_users=self.bot_users)

    def _flush(
        self, channel_id: str, channel_name: str, batch: list[ExportMessage], last_ts: str, *, finished: bool
    ) -> None:
        count = self.report.channels[channel_name]
        keyed = {message_key(self.team_id, m.channel_id, m.ts): m for m in batch}
        if keyed and self.workspace_id is not None:
            with self.sessions.begin() as session:
                already = stored_keys(session, list(keyed))
            for key in already:
                del keyed[key]
                self.report.skipped["already_stored"] += 1
        tags: dict[str, Tags] = {}
        if keyed and (self.everything or not self.dry_run):
            started = time.perf_counter()
            tagged = self.tagger.tag_many([m.text for m in keyed.values()], self.known)
            self.report.tag_seconds += time.perf_counter() - started
            tags = dict(zip(keyed, tagged, strict=True))
        if self.everything:
            for key in list(keyed):
                reason = classifier_reason(tags[key])
                if reason:
                    self.report.skipped[reason] += 1
                    del keyed[key]
        self.report.found += len(keyed)
        count.found += len(keyed)
        if not self.dry_run and last_ts:
            count.stored += self._store(channel_id, keyed, tags, last_ts, finished)
        for key in keyed:
            if key in tags:
                self._learn(tags[key])
        if self.progress:
            self.progress(self.report, channel_name)

    def _store(
        self, channel_id: str, keyed: dict[str, ExportMessage], tags: dict[str, Tags], last_ts: str, finished: bool
    ) -> int:
        """The batch's insights with their tags (one INSERT for the batch), and the channel's checkpoint: one unit
        of work; how many stored. The subjects found are stored with them, so later imports and live tagging
        know those organisations (:func:`models.history.imported_orgs`)."""
        assert self.workspace_id is not None
        batch = [(self._draft(key, message), tags[key]) for key, message in keyed.items()]
        with self.sessions.begin() as session:
            stored = add_tagged(session, self.workspace_id, batch)
            mark_theme_weeks(session, self.workspace_id, (monday_of(_moment(keyed[key].ts)) for key in stored))
            save_checkpoint(
                session, self.workspace_id, self.source, channel_id, self.mode, self._since_key, last_ts, finished
            )
        if len(stored) < len(batch):  # captured live since the check
            self.report.skipped["already_stored"] += len(batch) - len(stored)
        ids = list(stored.values())
        self.report.stored += len(ids)
        self.report.tagged += len(ids)
        self.report.stored_ids += ids
        return len(ids)

    def _draft(self, key: str, message: ExportMessage) -> InsightDraft:
        assert message.user is not None
        return InsightDraft(
            team_id=self.team_id,
            idempotency_key=key,
            text=message.text.strip(),
            source="import",
            author_id=message.user,
            channel_id=message.channel_id,
            channel_name=message.channel_name,
            message_ts=message.ts,
            created_at=_moment(message.ts),
            # Nobody is told of an imported insight, then or later (a :gem: on it must not send a confirmation).
            confirmation=dict(CONFIRMATION_UNSENT),
            **reporter_fields(self.vault, self.team_id, message.user, anonymous=False),
        )

    def _learn(self, tags: Tags) -> None:
        """Subjects found become known organisations for the rest of the import (and are reported)."""
        if not tags.subject or role_of(self.known, tags.subject) is not None:
            return
        self.known = learn_found(self.known, [(tags.subject, found_role(tags.signal))])
        self.report.learned.append(tags.subject)

    def finish(self) -> ImportReport:
        """Build the catalogue's themes for the imported weeks (the digest's trends read their weekly counts).

        The weeks are those marked with the batches that stored their insights (:func:`models.history.
        mark_theme_weeks`), by this run or by an earlier one stopped before or during this step, so a re-run that
        stores nothing new still builds them. Oldest first, :data:`THEME_WEEKS` weeks per unit of work, each
        unit writing the themes' events and unmarking its weeks together: each week's imported insights join the
        themes of the weeks before it (those of the chunk, and :data:`bot.flows.themes.SPACE_WEEKS` before it) or
        found new ones. Only those weeks are read at a time, so memory stays bounded whatever the history."""
        report = self.report
        if self.dry_run or self.workspace_id is None:
            report.themes_after = report.themes_before
            return report
        with self.sessions.begin() as session:
            weeks = pending_theme_weeks(session, self.workspace_id)
        if not weeks:
            report.themes_after = report.themes_before
            return report
        for start in range(0, len(weeks), THEME_WEEKS):
            chunk = weeks[start : start + THEME_WEEKS]
            for _ in range(THEME_ATTEMPTS):
                if self._build_themes(chunk):
                    break
            else:
                log.info("themes of weeks %s of workspace %s left for the next run", chunk, self.workspace_id)
        with self.sessions.begin() as session:
            report.themes_after = len(catalogue_of(session, self.workspace_id).active_themes())
        return report

    def _build_themes(self, mondays: list[str]) -> bool:
        """One unit of work: those weeks' imported insights into the catalogue, and the weeks unmarked; False when
        another replica wrote the catalogue meanwhile (nothing written, the weeks stay marked)."""
        assert self.workspace_id is not None
        with self.sessions.begin() as session:
            rows = imported_in_weeks(session, self.workspace_id, mondays)
            if rows:
                as_of = min(self.now, rows[0][1])  # the chunk reads the themes of the weeks before it
                seq = catalogue_of(session, self.workspace_id).next_seq()
                events = catch_up(
                    session,
                    self.workspace_id,
                    as_of,
                    found_new=True,
                    lang=self.config.language,
                    ids=[i for i, _ in rows],
                )
                if not events and catalogue_of(session, self.workspace_id).next_seq() != seq:
                    return False
                self.report.theme_events += events
            clear_theme_weeks(session, self.workspace_id, mondays)
        return True
