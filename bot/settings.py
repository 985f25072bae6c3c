"""One settings object, read once from the environment (and an optional ``.env``), validated, typed."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from bot.config_values import PARSERS, ConfigError
from bot.ids import DEFAULT_CAPTURE_EMOJI, DEFAULT_ESCALATION_EMOJIS
from models.db import DEFAULT_DATABASE_URL

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class SettingsError(ValueError):
    """A variable is missing or wrong; the message names it."""


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def _int(env: Mapping[str, str], name: str, default: int, minimum: int, maximum: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc
    if not minimum <= value <= maximum:
        raise SettingsError(f"{name} must be between {minimum} and {maximum}, not {value}")
    return value


def _setting(env: Mapping[str, str], name: str, setting: str, default: Any) -> Any:
    """A workspace default from the environment, checked by the same parser as ``/insight config``."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return PARSERS[setting](setting, raw)
    except ConfigError as exc:
        raise SettingsError(f"{name}: {exc.message}") from exc


@dataclass(frozen=True)
class Settings:
    """Everything Pépites reads from its environment. Tokens come only from here."""

    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    # OAuth (several workspaces): set instead of bot_token; each workspace installs through /slack/install.
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = None
    host: str = "0.0.0.0"
    port: int = 3000
    http_threads: int = 16
    shutdown_grace: int = 20
    slack_timeout: int = 10
    rate_limit: int = 10
    listener_threads: int = 16
    event_threads: int = 4
    event_reclaim: int = 60
    capture_emoji: str = DEFAULT_CAPTURE_EMOJI
    escalation_emojis: tuple[str, ...] = DEFAULT_ESCALATION_EMOJIS
    quorum: int = 3
    manager_ids: tuple[str, ...] = ()
    # Workspace defaults (each workspace can change them with /insight config).
    digest_channel: str | None = None
    digest_weekday: int = 0
    digest_time: time = time(9, 0)
    timezone: str = "Europe/Paris"
    sales_channel: str | None = None
    manager_group: str | None = None
    retention_days: int = 0
    language: str = "fr"
    known_customers: tuple[str, ...] = ()
    known_competitors: tuple[str, ...] = ()
    model_dir: Path = field(default_factory=lambda: Path("var/models"))
    log_level: str = "INFO"

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def oauth(self) -> bool:
        """Several workspaces, each with its own installation, rather than one ``SLACK_BOT_TOKEN``."""
        return bool(self.client_id)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and check the environment; raise SettingsError naming the wrong variable."""
        env = os.environ if env is None else env
        language = env.get("PEPITES_LANGUAGE", "fr").strip().lower() or "fr"
        if language not in ("fr", "en"):
            raise SettingsError(f"PEPITES_LANGUAGE must be 'fr' or 'en', not {language!r}")
        redirect_uri = env.get("SLACK_REDIRECT_URI", "").strip() or None
        if redirect_uri and not redirect_uri.startswith("https://"):
            raise SettingsError(f"SLACK_REDIRECT_URI must be an https:// URL, not {redirect_uri!r}")
        api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
        if not api_url.startswith(("https://", "http://")):
            raise SettingsError(f"SLACK_API_URL must be an http(s) URL, not {api_url!r}")
        return cls(
            bot_token=env.get("SLACK_BOT_TOKEN") or None,
            signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            app_token=env.get("SLACK_APP_TOKEN") or None,
            client_id=env.get("SLACK_CLIENT_ID", "").strip() or None,
            client_secret=env.get("SLACK_CLIENT_SECRET") or None,
            redirect_uri=redirect_uri,
            slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
            database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            secret_key=env.get("PEPITES_SECRET_KEY") or None,
            host=env.get("PEPITES_HOST", "").strip() or "0.0.0.0",
            port=_int(env, "PORT", 3000, 1, 65535),
            http_threads=_int(env, "PEPITES_HTTP_THREADS", 16, 1, 256),
            shutdown_grace=_int(env, "PEPITES_SHUTDOWN_GRACE", 20, 0, 3600),
            slack_timeout=_int(env, "PEPITES_SLACK_TIMEOUT", 10, 1, 120),
            rate_limit=_int(env, "PEPITES_RATE_LIMIT", 10, 0, 1000),
            listener_threads=_int(env, "PEPITES_LISTENER_THREADS", 16, 1, 256),
            event_threads=_int(env, "PEPITES_EVENT_THREADS", 4, 1, 64),
            event_reclaim=_int(env, "PEPITES_EVENT_RECLAIM", 60, 1, 3600),
            capture_emoji=_setting(env, "PEPITES_CAPTURE_EMOJI", "capture_emoji", DEFAULT_CAPTURE_EMOJI),
            escalation_emojis=_setting(
                env, "PEPITES_ESCALATION_EMOJIS", "escalation_emojis", DEFAULT_ESCALATION_EMOJIS
            ),
            quorum=_int(env, "PEPITES_QUORUM", 3, 1, 100),
            manager_ids=_setting(env, "PEPITES_MANAGERS", "managers", ()),
            # PEPITES_ALERT_CHANNEL is the earlier name of the digest channel (alerts go there too).
            digest_channel=_setting(
                env,
                "PEPITES_DIGEST_CHANNEL" if env.get("PEPITES_DIGEST_CHANNEL") else "PEPITES_ALERT_CHANNEL",
                "digest_channel",
                None,
            ),
            digest_weekday=_setting(env, "PEPITES_DIGEST_DAY", "digest_weekday", 0),
            digest_time=_setting(env, "PEPITES_DIGEST_TIME", "digest_time", time(9, 0)),
            timezone=_setting(env, "PEPITES_TIMEZONE", "timezone", "Europe/Paris"),
            sales_channel=_setting(env, "PEPITES_SALES_CHANNEL", "sales_channel", None),
            manager_group=_setting(env, "PEPITES_MANAGER_GROUP", "manager_group", None),
            retention_days=_int(env, "PEPITES_RETENTION_DAYS", 0, 0, 36500),
            language=language,
            known_customers=_split(env.get("PEPITES_KNOWN_CUSTOMERS")),
            known_competitors=_split(env.get("PEPITES_KNOWN_COMPETITORS")),
            model_dir=Path(env.get("PEPITES_MODEL_DIR", "").strip() or "var/models"),
            log_level=(env.get("PEPITES_LOG_LEVEL", "").strip() or "INFO").upper(),
        )

    def require_slack(self) -> None:
        """Fail fast, naming what is missing, before the bot tries to talk to Slack."""
        missing = []
        if self.oauth:
            if self.bot_token:
                raise SettingsError(
                    "set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID (workspaces install through "
                    "/slack/install), not both"
                )
            if self.socket_mode:
                raise SettingsError("installing through /slack/install needs HTTP mode: unset SLACK_APP_TOKEN")
            if not self.client_secret:
                missing.append("SLACK_CLIENT_SECRET (from Basic Information; needed with SLACK_CLIENT_ID)")
        elif not self.bot_token:
            missing.append(
                "SLACK_BOT_TOKEN (the xoxb- bot token from OAuth & Permissions; or SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET to let several workspaces install the app)"
            )
        if self.socket_mode:
            if not (self.app_token or "").startswith("xapp-"):
                raise SettingsError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
        elif not self.signing_secret:
            missing.append("SLACK_SIGNING_SECRET (from Basic Information; needed in HTTP mode)")
        if not self.secret_key:
            missing.append("PEPITES_SECRET_KEY (any random string of 16+ characters; seals anonymous reporters)")
        if missing:
            raise SettingsError("missing environment variable(s): " + "; ".join(missing))
        if self.secret_key and len(self.secret_key) < 16:
            raise SettingsError("PEPITES_SECRET_KEY must be at least 16 characters long")
