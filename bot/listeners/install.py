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
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.services import Database, Services
from bot.slack.installations import Installations
from bot.slack.payloads import workspace_of
from models.workspaces import ensure_workspace

log = logging.getLogger(__name__)


def installed_enterprise(context: BoltContext, body: dict[str, Any]) -> str | None:
    """The Enterprise Grid org of the installation serving a request, or None.

    The authorization's when it names one (the installation found in OAuth mode, ``auth.test`` of the one token);
    else Bolt's context for an event (read from its ``authorizations``: the installation's) or a slash command (only
    the installing org's people can run it). Never an interactive payload's ``enterprise``, which in a Slack Connect
    channel may be the acting person's org.
    """
    result = context.authorize_result
    if result is not None and result.enterprise_id:
        return str(result.enterprise_id)
    if context.enterprise_id and (body.get("authorizations") or body.get("command")):
        return str(context.enterprise_id)
    return None


class GridWorkspaces:
    """Stores the Enterprise Grid org of a workspace first seen through a request (one token, or a workspace row
    made before its install was recorded), so that work without a request finds its installation. Once per
    workspace and process: a request pays for it the first time only."""

    def __init__(self, db: Database, installations: Installations) -> None:
        self._db = db
        self._installations = installations
        self._seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def remember(self, context: BoltContext, body: dict[str, Any]) -> None:
        enterprise_id = installed_enterprise(context, body)
        team = workspace_of(context)
        if not enterprise_id or not team:
            return  # not on Grid, or a request without a workspace (never a row with team_id='')
        key = (team, enterprise_id)
        with self._lock:
            if key in self._seen:
                return
        org_wide = bool(context.is_enterprise_install) and team == enterprise_id
        try:
            with self._db.sessions.begin() as session:
                ensure_workspace(session, team, enterprise_id=enterprise_id, is_enterprise_install=org_wide or None)
        except SQLAlchemyError as exc:  # asked again on the workspace's next request
            log.warning("recording a workspace's Grid org failed (%s)", type(exc).__name__)
            return
        with self._lock:
            self._seen.add(key)
        self._installations.forget(team)  # a lookup that found no bot without the org is done again

    def middleware(self, context: BoltContext, body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:
        """Bolt's global middleware: remember, then let the request go on whatever happened."""
        self.remember(context, body)
        return next()


def register(app: App, services: Services) -> None:
    installations = services.workspaces.installations
    db = services.db
    app.middleware(GridWorkspaces(db, installations).middleware)
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
