"""``/insight import #channel [since YYYY-MM-DD] [all]``: a live channel's past messages become insights.

The command's words are read here (bad input is refused before anything runs); the import itself runs in
the background (:mod:`bot.jobs.history_import`): the channel is read through the Web API
(:mod:`bot.slack.channel_history`), then fed oldest first to the same importer as ``pepites import``
(:class:`bot.flows.history.HistoryImport`, source ``live``): same skip rules, same identity as live
capture (``message:<team>:<channel>:<ts>``), batches stored with the channel's checkpoint, themes built at
the end. A channel the bot cannot read is said before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Final, Protocol

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.flows.history import HistoryImport, ImportReport
from bot.jobs.tagging import BatchTagger
from bot.slack.channel_history import ChannelRef, ReadStopped, parse_channel, read_channel, resolve
from bot.workspace_config import WorkspaceConfig
from insights.slack_export import ExportChannel, ExportMessage
from insights.types import KnownOrgs
from models.history import resume_after
from models.privacy import ReporterVault
from models.workspaces import find_workspace

IMPORT_WORDS: Final = frozenset({"import", "importer"})
SINCE_WORDS: Final = frozenset({"since", "depuis"})
ALL_WORDS: Final = frozenset({"all", "tout", "tous"})
SOURCE: Final = "live"
BATCH_SIZE: Final = 64  # smaller than an export's: live captures share the tagging process meanwhile
_DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


class ImportUsage(Exception):
    """The command's words cannot start an import: the message key to answer with, and its values."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key, self.values = key, values


@dataclass(frozen=True)
class ImportArgs:
    channel: ChannelRef
    since: date | None = None
    everything: bool = False


@dataclass(frozen=True)
class LiveImportRequest:
    """One manager's ``/insight import``: what to import, and where to tell them how it went."""

    team_id: str
    user_id: str
    args: ImportArgs
    response_url: str | None = None
    here: ExportChannel | None = None  # the channel the command was typed in
    asked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def key(self) -> tuple[str, str]:
        """Two requests for the same channel of a workspace share it."""
        ref = self.args.channel
        return self.team_id, ref.id or f"#{ref.name}"


def is_import(text: str) -> bool:
    """``/insight import …`` (or ``importer``), whatever follows."""
    words = text.split()
    return bool(words) and words[0].lower() in IMPORT_WORDS


def parse_import(words: Sequence[str], today: date) -> ImportArgs:
    """The words after ``import``: a channel, then ``since``/``depuis`` a past day and ``all``/``tout`` in any
    order; raises :class:`ImportUsage` on anything else."""
    channel: ChannelRef | None = None
    since: date | None = None
    everything = False
    rest = list(words)
    while rest:
        word = rest.pop(0)
        lowered = word.lower()
        if lowered in ALL_WORDS:
            everything = True
        elif lowered in SINCE_WORDS or _DAY.match(word):
            value = word if _DAY.match(word) else (rest.pop(0) if rest else "")
            since = _past_day(value, today)
        elif channel is None and (ref := parse_channel(word)) is not None:
            channel = ref
        else:
            raise ImportUsage("import_unknown_word", word=word[:40])
    if channel is None:
        raise ImportUsage("import_no_channel")
    return ImportArgs(channel, since, everything)


def _past_day(value: str, today: date) -> date:
    try:
        day = date.fromisoformat("-".join(part.zfill(2) for part in value.split("-")))
    except ValueError:
        raise ImportUsage("import_bad_date", value=value[:40]) from None
    if day > today:
        raise ImportUsage("import_future_date", value=day.isoformat())
    return day


class ImportWatcher(Protocol):
    """Told how an import goes: while reading the channel, then after each batch stored."""

    def reading(self, channel: ExportChannel, read: int) -> None: ...

    def read(self, channel: ExportChannel, total: int) -> None: ...

    def importing(self, channel: ExportChannel, report: ImportReport, total: int) -> None: ...


@dataclass(frozen=True)
class LiveImportDeps:
    """What an import needs besides Slack: the database, the vault, the tagging process, the settings' orgs."""

    sessions: sessionmaker[Session]
    vault: ReporterVault
    tagger: BatchTagger
    known: KnownOrgs = KnownOrgs()


def oldest_moment(args: ImportArgs, config: WorkspaceConfig, now: datetime) -> float | None:
    """Where reading the channel starts: the day asked, or the retention's limit if later (nothing older than
    the workspace keeps is read at all)."""
    moments = []
    if args.since:
        moments.append(datetime.combine(args.since, datetime.min.time(), UTC))
    if config.retention_days:
        moments.append(now - timedelta(days=config.retention_days))
    return max(moments).timestamp() if moments else None


def run_live_import(
    deps: LiveImportDeps,
    client: WebClient,
    request: LiveImportRequest,
    config: WorkspaceConfig,
    watcher: ImportWatcher,
    *,
    now: datetime | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> tuple[ExportChannel, ImportReport]:
    """Read the channel, then import it; raises ``ChannelUnreadable`` (nothing written) or ``ReadStopped``
    (the batches stored so far stay, with their checkpoint)."""
    now = now or datetime.now(UTC)
    args = request.args
    channel = resolve(client, args.channel, request.here)
    after = _resume_point(deps.sessions, request.team_id, channel.id, args)
    messages = read_channel(
        client,
        channel,
        oldest=oldest_moment(args, config, now),
        after=after,
        on_page=lambda read: watcher.reading(channel, read),
        stop=stop,
    )
    total = len(messages)
    watcher.read(channel, total)
    run = HistoryImport(
        deps.sessions,
        deps.vault,
        deps.tagger,
        request.team_id,
        config,
        source=SOURCE,
        everything=args.everything,
        since=args.since,
        known=deps.known,
        now=now,
        progress=lambda report, _name: watcher.importing(channel, report, total),
        batch_size=BATCH_SIZE,
    )
    run.channel(channel.id, channel.name, _until_stopped(messages, stop))
    return channel, run.finish()


def _resume_point(sessions: sessionmaker[Session], team_id: str, channel_id: str, args: ImportArgs) -> str:
    """The channel's checkpoint (read only: a refused read must write nothing, not even the workspace)."""
    with sessions.begin() as session:
        workspace = find_workspace(session, team_id)
        if workspace is None:
            return ""
        mode = "all" if args.everything else "marked"
        return resume_after(
            session, workspace.id, SOURCE, channel_id, mode, args.since.isoformat() if args.since else None
        )


def _until_stopped(messages: Iterable[ExportMessage], stop: Callable[[], bool]) -> Iterator[ExportMessage]:
    """The messages, until a stop: then the batch in hand is dropped (its checkpoint was not written)."""
    for message in messages:
        if stop():
            raise ReadStopped
        yield message
