"""What the listeners need, built once per process and passed in (no globals)."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from bot.tagging import TaggingWorker
from models.privacy import ReporterVault


@dataclass
class Services:
    settings: Settings
    sessions: sessionmaker[Session]
    vault: ReporterVault
    tagging: TaggingWorker
    client: WebClient

    @property
    def lang(self) -> str:
        return self.settings.language
