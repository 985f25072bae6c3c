"""What the listeners need, built once per process and passed in (no globals)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.jobs.tagging import TaggingWorker
from bot.settings import Settings
from bot.slack.installations import Installations
from bot.slack.managers import ManagerDirectory
from bot.workspace_config import ConfigCache, WorkspaceConfig
from models.privacy import ReporterVault


def team_of(body: dict[str, Any]) -> str:
    """The workspace a request comes from, wherever its payload puts it."""
    team = body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("view") or {}).get("team_id")
    return str(team or "")


@dataclass
class Services:
    settings: Settings
    sessions: sessionmaker[Session]
    vault: ReporterVault
    tagging: TaggingWorker
    client: WebClient
    configs: ConfigCache
    managers: ManagerDirectory
    installations: Installations

    def client_for(self, team_id: str) -> WebClient | None:
        """A client holding the workspace's own bot token, for work no request carries (tagging, digests).

        Listeners use the client Bolt gives them, which already holds it. None when the workspace has no
        installation (OAuth mode only; with one ``SLACK_BOT_TOKEN`` every workspace is that token's).
        """
        return self.installations.client_for(team_id)

    def config(self, team_id: str) -> WorkspaceConfig:
        """The workspace's settings (``/insight config``), over the environment's defaults."""
        return self.configs.get(team_id)

    def lang_of(self, team_id: str) -> str:
        return self.config(team_id).language
