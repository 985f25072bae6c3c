"""App Home: a person's Home tab is published each time they open it."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.flows.home import publish_home
from bot.services import Database, Services, Workspaces
from bot.slack.payloads import workspace_of


def home_opened_callback(
    db: Database, workspaces: Workspaces, event: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """Publish the person's App Home each time they open its Home tab."""
    if event.get("tab", "home") != "home":
        return
    team_id = workspace_of(context)  # an org-wide install's event has no team: its workspace is the org
    if team_id:
        publish_home(db, workspaces, client, team_id, str(event["user"]))


def register(app: App, services: Services) -> None:
    db, workspaces = services.db, services.workspaces
    app.event("app_home_opened")(partial(home_opened_callback, db, workspaces))
