"""The app leaves a workspace: ``app_uninstalled`` and ``tokens_revoked``.

With installations (OAuth mode), Bolt's own listeners delete the workspace's installation and bot rows,
and this process forgets its cached client; the workspace's insights stay until its retention or a
``/insight forget``. With one ``SLACK_BOT_TOKEN`` the token no longer works: that is logged for the operator.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext

from bot.services import Services

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    installations = services.workspaces.installations
    oauth = installations.store is not None
    revoked = app.default_tokens_revoked_event_listener() if oauth else None
    uninstalled = app.default_app_uninstalled_event_listener() if oauth else None

    def on_tokens_revoked(event: dict[str, Any], context: BoltContext, body: dict[str, Any]) -> None:
        team = str(body.get("team_id") or "")
        installations.forget(team)
        if revoked is None:
            log.warning("Slack revoked this app's tokens in workspace %s: SLACK_BOT_TOKEN may no longer work", team)
            return
        revoked(event=event, context=context)
        log.info("tokens revoked in workspace %s: its installation was updated", team)

    def on_app_uninstalled(context: BoltContext, body: dict[str, Any]) -> None:
        team = str(body.get("team_id") or "")
        installations.forget(team)
        if uninstalled is None:
            log.warning("Pépites was uninstalled from workspace %s: SLACK_BOT_TOKEN no longer works", team)
            return
        uninstalled(context=context)
        log.info("Pépites was uninstalled from workspace %s: its installation was deleted", team)

    app.event("tokens_revoked")(on_tokens_revoked)
    app.event("app_uninstalled")(on_app_uninstalled)
