"""The parts a process hands to its listeners and jobs, each to those that use it (no globals).

:class:`Database` is the unit of work and the reporter vault; :class:`Workspaces` answers per-workspace
questions (settings, managers, whose bot token); :class:`TaggingQueue` takes insights to tag.
:class:`Services` only holds them together for ``create_app``, which gives each surface what it needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.inbox import EventInbox
from bot.jobs.tagging import TaggingWorker
from bot.settings import Settings
from bot.slack.installations import Installations
from bot.slack.managers import ManagerDirectory
from bot.workspace_config import ConfigCache, WorkspaceConfig
from models.privacy import ReporterVault

if TYPE_CHECKING:  # the import job's flow stores insights through this module's types
    from bot.jobs.history_import import LiveImports


@dataclass(frozen=True)
class Database:
    """Units of work (``with db.sessions.begin() as session:``) and the vault that keeps reporters anonymous."""

    sessions: sessionmaker[Session]
    vault: ReporterVault


@dataclass(frozen=True)
class Workspaces:
    """Per workspace: its settings, its managers, and the client holding its bot token."""

    configs: ConfigCache
    managers: ManagerDirectory
    installations: Installations

    def config(self, team_id: str) -> WorkspaceConfig:
        """The workspace's settings (``/insight config``), over the environment's defaults."""
        return self.configs.get(team_id)

    def lang_of(self, team_id: str) -> str:
        """The language the bot speaks in this workspace."""
        return self.config(team_id).language

    def client_for(self, team_id: str) -> WebClient | None:
        """A client holding the workspace's own bot token, for work no request carries (tagging, digests).

        Listeners use the client Bolt gives them, which already holds it. None when the workspace has no
        installation (OAuth mode only; with one ``SLACK_BOT_TOKEN`` every workspace is that token's).
        """
        return self.installations.client_for(team_id)


class TaggingQueue(Protocol):
    """Takes a stored insight to tag after the ack (:class:`bot.jobs.tagging.TaggingWorker`)."""

    def submit(self, insight_id: int) -> None: ...


@dataclass(frozen=True)
class Capture:
    """What storing a captured insight needs: the database, the per-minute limit, the tagging queue."""

    db: Database
    rate_limit: int
    tagging: TaggingQueue


@dataclass(frozen=True)
class Services:
    """One process's parts, for wiring only: each listener and job takes the few it uses."""

    settings: Settings
    db: Database
    workspaces: Workspaces
    capture: Capture
    tagging: TaggingWorker
    client: WebClient
    inbox: EventInbox  # events are recorded here before their 2xx and run by its worker after
    imports: LiveImports  # /insight import: channels' histories, imported in the background

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The database's units of work (the App's OAuth stores and the tests use them)."""
        return self.db.sessions
