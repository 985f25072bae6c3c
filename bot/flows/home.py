"""App Home: read what a person may see and publish it (``views.publish``) when they open the tab, and again
after they act from it (App Home actions have no ``response_url`` to answer on)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config_values import WEEKDAYS
from bot.i18n import t
from bot.services import Services
from bot.views.cards import InsightCard
from bot.views.home import (
    ESCALATIONS_SHOWN,
    MINE_SHOWN,
    THEMES_SHOWN,
    HomeEscalation,
    HomeTheme,
    ManagerHome,
    channel_mention,
    home_view,
    user_mention,
)
from bot.workspace_config import WorkspaceConfig
from models.digests import OPEN_STATUSES, value_before, vote_counts
from models.insights import reporter_insights
from models.schema import Insight, Theme, Workspace
from models.workspaces import ensure_workspace

log = logging.getLogger(__name__)


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


def _manager_home(session: Session, workspace: Workspace, config: WorkspaceConfig, now: datetime) -> ManagerHome:
    open_escalated = (
        Insight.workspace_id == workspace.id,
        Insight.escalated_at.is_not(None),
        Insight.status.in_(OPEN_STATUSES),
    )
    rows = list(
        session.scalars(
            select(Insight).where(*open_escalated).order_by(Insight.escalated_at, Insight.id).limit(ESCALATIONS_SHOWN)
        )
    )
    total = int(session.scalar(select(func.count()).select_from(Insight).where(*open_escalated)) or 0)
    votes = vote_counts(session, [row.id for row in rows])
    escalations = [
        HomeEscalation(InsightCard.of(row), votes.get(row.id, 0), max((now - row.escalated_at).days, 0))
        for row in rows
        if row.escalated_at is not None
    ]
    week = session.scalar(select(func.max(Theme.week)).where(Theme.workspace_id == workspace.id))
    themes: list[HomeTheme] = []
    themes_total = 0
    if week is not None:
        in_week = (Theme.workspace_id == workspace.id, Theme.week == week)
        themes = [
            HomeTheme(theme.label, theme.size, theme.reporters, theme.trend)
            for theme in session.scalars(
                select(Theme).where(*in_week).order_by(Theme.size.desc(), Theme.id).limit(THEMES_SHOWN)
            )
        ]
        themes_total = int(session.scalar(select(func.count()).select_from(Theme).where(*in_week)) or 0)
    return ManagerHome(
        escalations=escalations,
        escalations_total=total,
        themes=themes,
        themes_total=themes_total,
        settings=_settings_lines(config.language, config),
        value_eur_total=value_before(session, workspace.id, now),
    )


def publish_home(services: Services, client: WebClient, team_id: str, user_id: str) -> bool:
    """Build and publish a person's App Home; False when Slack refused it."""
    config = services.config(team_id)
    is_manager = services.managers.may_act(client, config, user_id)
    now = datetime.now(UTC)
    with services.sessions.begin() as session:
        workspace = ensure_workspace(session, team_id)
        reporter_hash = services.vault.hash(team_id, user_id)
        mine = [InsightCard.of(row) for row in reporter_insights(session, team_id, reporter_hash, limit=MINE_SHOWN)]
        mine_total = int(
            session.scalar(
                select(func.count())
                .select_from(Insight)
                .where(Insight.workspace_id == workspace.id, Insight.reporter_hash == reporter_hash)
            )
            or 0
        )
        manager = _manager_home(session, workspace, config, now) if is_manager else None
    view = home_view(config.language, mine, mine_total, manager)
    try:
        client.views_publish(user_id=user_id, view=view)
        return True
    except SlackApiError as exc:
        log.warning("could not publish an App Home: %s", exc.response.get("error"))
        return False
