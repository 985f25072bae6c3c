"""Per-workspace settings: stored in ``workspace.settings``, defaults from the environment, edited in Slack.

A workspace that never ran ``/insight config`` behaves as the environment says (``PEPITES_*``). What an
admin or manager saves replaces those defaults for that workspace only. Stored values are checked again
when read: a value that no longer parses (an unknown time zone after an upgrade, a hand-edited row) falls
back to the default with a warning instead of breaking the workspace.

Listeners read the configuration of each request's workspace through :class:`ConfigCache`, which keeps it
for :data:`CACHE_SECONDS` so the ack path reads the database at most that often; a save in this process
drops the cached copy at once, other replicas see it within the same delay.
"""

from __future__ import annotations

import logging
import time as time_module
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import time
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.config_values import PARSERS, ConfigError
from bot.ids import DEFAULT_CAPTURE_EMOJI, DEFAULT_ESCALATION_EMOJIS
from bot.settings import Settings
from bot.slack.cache import TTLCache
from models.workspaces import store_settings, stored_settings

log = logging.getLogger(__name__)

CACHE_SECONDS: Final = 30.0


@dataclass(frozen=True)
class WorkspaceConfig:
    """Everything a workspace can set; every field has a default."""

    digest_channel: str | None = None
    digest_weekday: int = 0  # Monday
    digest_time: time = time(9, 0)
    timezone: str = "Europe/Paris"
    sales_channel: str | None = None
    managers: tuple[str, ...] = ()
    manager_group: str | None = None
    escalation_emojis: tuple[str, ...] = DEFAULT_ESCALATION_EMOJIS
    quorum: int = 3
    capture_emoji: str = DEFAULT_CAPTURE_EMOJI
    language: str = "fr"
    retention_days: int = 0  # 0: keep insights for ever

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def has_managers(self) -> bool:
        return bool(self.managers or self.manager_group)

    @classmethod
    def defaults(cls, settings: Settings) -> WorkspaceConfig:
        """The environment's values: what a workspace gets until someone changes it."""
        return cls(
            digest_channel=settings.digest_channel,
            digest_weekday=settings.digest_weekday,
            digest_time=settings.digest_time,
            timezone=settings.timezone,
            sales_channel=settings.sales_channel,
            managers=settings.manager_ids,
            manager_group=settings.manager_group,
            escalation_emojis=settings.escalation_emojis,
            quorum=settings.quorum,
            capture_emoji=settings.capture_emoji,
            language=settings.language,
            retention_days=settings.retention_days,
        )

    def with_stored(self, stored: Mapping[str, Any]) -> WorkspaceConfig:
        """These defaults overridden by a workspace's stored values; a bad stored value keeps the default."""
        config = self
        for name, value in stored.items():
            try:
                config = config.with_value(name, value)
            except ConfigError as exc:
                log.warning("ignoring the stored workspace setting %s", exc)
        return config

    def with_value(self, name: str, value: Any) -> WorkspaceConfig:
        """One setting changed, checked; raises :class:`ConfigError` naming it."""
        parser = PARSERS.get(name)
        if parser is None:
            raise ConfigError(name, "unknown_setting")
        return replace(self, **{name: parser(name, value)})

    def to_stored(self) -> dict[str, Any]:
        """What ``workspace.settings`` holds: JSON values only."""
        return {
            "digest_channel": self.digest_channel,
            "digest_weekday": self.digest_weekday,
            "digest_time": self.digest_time.strftime("%H:%M"),
            "timezone": self.timezone,
            "sales_channel": self.sales_channel,
            "managers": list(self.managers),
            "manager_group": self.manager_group,
            "escalation_emojis": list(self.escalation_emojis),
            "quorum": self.quorum,
            "capture_emoji": self.capture_emoji,
            "language": self.language,
            "retention_days": self.retention_days,
        }


SETTING_NAMES: Final = tuple(PARSERS)


def load_config(session: Session, team_id: str, defaults: WorkspaceConfig) -> WorkspaceConfig:
    """A workspace's configuration: its stored values over the defaults."""
    return defaults.with_stored(stored_settings(session, team_id))


def save_config(session: Session, team_id: str, config: WorkspaceConfig) -> None:
    """Store a workspace's whole configuration (what ``/insight config`` submitted)."""
    store_settings(session, team_id, config.to_stored())


class ConfigCache:
    """Each workspace's configuration, read from the database at most every ``ttl`` seconds."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        defaults: WorkspaceConfig,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time_module.monotonic,
    ) -> None:
        self._sessions = sessions
        self.defaults = defaults
        self._cache: TTLCache[str, WorkspaceConfig] = TTLCache(ttl, clock)

    def get(self, team_id: str) -> WorkspaceConfig:
        """The workspace's configuration; the defaults when there is no team (or the database is down)."""
        if not team_id:
            return self.defaults

        def load() -> WorkspaceConfig:
            with self._sessions.begin() as session:
                return load_config(session, team_id, self.defaults)

        try:
            return self._cache.get_or_load(team_id, load)
        except Exception:  # noqa: BLE001 - the database down must not stop an ack: answer with what we know
            known = self._cache.has(team_id)
            log.warning("could not read the settings of a workspace; using %s", "cached" if known else "defaults")
            return self._cache.last(team_id, self.defaults)

    def save(self, team_id: str, config: WorkspaceConfig) -> None:
        with self._sessions.begin() as session:
            save_config(session, team_id, config)
        self._cache.put(team_id, config)

    def forget(self, team_id: str) -> None:
        self._cache.forget(team_id)
