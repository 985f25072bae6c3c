"""The app joins or leaves: ``app_uninstalled``, ``tokens_revoked``, and on an org-wide install (Enterprise Grid)
``team_access_granted`` / ``team_access_revoked`` as the org's admins add or remove workspaces.

With installations (OAuth mode), Bolt's own listeners delete the installation and bot rows of the workspace
or org (Bolt's context: an org-wide uninstall has an enterprise id and no team), and this process forgets its
cached client; the workspace's insights stay until its retention or a ``/insight forget``. With one
``SLACK_BOT_TOKEN`` the token no longer works: that is logged for the operator.

An org-wide install is one workspace keyed by its enterprise id (:func:`bot.slack.payloads.workspace_of`):
a workspace granted access shares it, one revoked keeps what it reported there.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy.exc import SQLAlchemyError

from bot.services import Database, Services
from bot.slack.payloads import workspace_of
from models.workspaces import ensure_workspace

log = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    installations = services.workspaces.installations
    db = services.db
    oauth = installations.store is not None
    revoked = app.default_tokens_revoked_event_listener() if oauth else None
    uninstalled = app.default_app_uninstalled_event_listener() if oauth else None

    def on_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        team = workspace_of(context)
        if team:
            installations.forget(team)
        if revoked is None:
            log.warning("Slack revoked this app's tokens in workspace %s: SLACK_BOT_TOKEN may no longer work", team)
            return
        revoked(event=event, context=context)
        log.info("tokens revoked in workspace %s: its installation was updated", team)

    def on_app_uninstalled(context: BoltContext) -> None:
        team = workspace_of(context)
        if team:
            installations.forget(team)
        if uninstalled is None:
            log.warning("Pépites was uninstalled from workspace %s: SLACK_BOT_TOKEN no longer works", team)
            return
        uninstalled(context=context)
        log.info("Pépites was uninstalled from workspace %s: its installation was deleted", team)

    app.event("tokens_revoked")(on_tokens_revoked)
    app.event("app_uninstalled")(on_app_uninstalled)
    app.event("team_access_granted")(partial(team_access_granted_callback, db))
    app.event("team_access_revoked")(team_access_revoked_callback)


def team_access_granted_callback(db: Database, event: dict[str, Any], context: BoltContext) -> None:
    """An org's admins gave workspaces access to the org-wide install: the org's workspace exists from now
    on (its first digest covers the weeks since), whichever workspace speaks first."""
    org = workspace_of(context)
    log.info("org %s: %d workspace(s) granted access", org or "?", len(event.get("team_ids") or []))
    if not org:
        return
    try:
        with db.sessions.begin() as session:
            ensure_workspace(
                session,
                org,
                enterprise_id=context.enterprise_id,
                is_enterprise_install=bool(context.is_enterprise_install),
            )
    except SQLAlchemyError as exc:  # the workspace is created on its first insight instead
        log.warning("recording an org's workspace failed (%s)", type(exc).__name__)


def team_access_revoked_callback(event: dict[str, Any], context: BoltContext) -> None:
    """Workspaces lost access to the org-wide install: what their people reported stays the org's."""
    log.info("org %s: %d workspace(s) revoked", workspace_of(context) or "?", len(event.get("team_ids") or []))
