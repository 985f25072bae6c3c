"""App Home: read what a person may see and publish it (``views.publish``) when they open the tab, and again
after they act from it (App Home actions have no ``response_url`` to answer on)."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.config_values import WEEKDAYS
from bot.i18n import t
from bot.services import Database, Workspaces
from bot.slack import messenger
from bot.views.home import (
    ESCALATIONS_SHOWN,
    MINE_SHOWN,
    THEMES_SHOWN,
    ManagerHome,
    channel_mention,
    home_view,
    user_mention,
)
from bot.workspace_config import WorkspaceConfig
from models.home import manager_overview, reporter_home


def _settings_lines(lang: str, config: WorkspaceConfig) -> list[tuple[str, str]]:
    def channel(value: str | None) -> str:
        return channel_mention(value) if value else "—"

    day = t(lang, f"weekday_{WEEKDAYS[config.digest_weekday]}")
    schedule = f"{day} {config.digest_time.strftime('%H:%M')} ({config.timezone})"
    managers = ", ".join(user_mention(u) for u in config.managers) or "—"
    return [
        (t(lang, "config_digest_channel"), channel(config.digest_channel)),
        (t(lang, "config_digest_weekday"), schedule),
        (t(lang, "config_sales_channel"), channel(config.sales_channel)),
        (t(lang, "config_managers"), managers),
        (t(lang, "config_manager_group"), config.manager_group or "—"),
        (t(lang, "config_escalation_emojis"), " ".join(f":{e}:" for e in config.escalation_emojis)),
        (t(lang, "config_quorum"), str(config.quorum)),
        (t(lang, "config_capture_emoji"), f":{config.capture_emoji}:"),
        (t(lang, "config_language"), "Français" if config.language == "fr" else "English"),
        (t(lang, "config_retention_days"), str(config.retention_days) if config.retention_days else "∞"),
    ]


def publish_home(db: Database, workspaces: Workspaces, client: WebClient, team_id: str, user_id: str) -> bool:
    """Build and publish a person's App Home; False when Slack refused it."""
    config = workspaces.config(team_id)
    is_manager = workspaces.managers.may_act(client, config, user_id)
    now = datetime.now(UTC)
    with db.sessions.begin() as session:
        mine, mine_total = reporter_home(session, team_id, db.vault.hash(team_id, user_id), MINE_SHOWN)
        overview = manager_overview(session, team_id, now, ESCALATIONS_SHOWN, THEMES_SHOWN) if is_manager else None
    manager = (
        ManagerHome(
            escalations=overview.escalations,
            escalations_total=overview.escalations_total,
            themes=overview.themes,
            themes_total=overview.themes_total,
            settings=_settings_lines(config.language, config),
            value_eur_total=overview.value_eur_total,
        )
        if overview is not None
        else None
    )
    view = home_view(config.language, mine, mine_total, manager)
    return messenger.publish(client, user_id, view, failure="could not publish an App Home")
