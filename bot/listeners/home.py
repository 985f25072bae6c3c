"""App Home: a person's Home tab is published each time they open it."""

from __future__ import annotations

from functools import partial
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.flows.home import publish_home
from bot.services import Database, Services, Workspaces


def home_opened_callback(
    db: Database, workspaces: Workspaces, event: dict[str, Any], body: dict[str, Any], client: WebClient
) -> None:
    """Publish the person's App Home each time they open its Home tab."""
    if event.get("tab", "home") != "home":
        return
    publish_home(db, workspaces, client, str(body.get("team_id") or ""), str(event["user"]))


def register(app: App, services: Services) -> None:
    db, workspaces = services.db, services.workspaces
    app.event("app_home_opened")(partial(home_opened_callback, db, workspaces))
