"""manifest.yml and the code stay in step: everything registered is declared, everything declared is used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_bolt import App

from bot import ids
from bot.app import create_app
from bot.slack.installations import REDIRECT_PATH

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def load_manifest() -> dict[str, Any]:
    return dict(yaml.safe_load(MANIFEST.read_text(encoding="utf-8")))


LISTENER_KINDS = ("command", "shortcut", "view", "action", "event")


def registered(services: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """Build the app while recording every constraint each ``register`` passes to Bolt."""
    seen: dict[str, set[str]] = {kind: set() for kind in LISTENER_KINDS}
    for kind in LISTENER_KINDS:
        original = getattr(App, kind)

        def recording(
            self: App, constraints: Any, *args: Any, _kind: str = kind, _original: Any = original, **kwargs: Any
        ) -> Any:
            seen[_kind].add(constraints if isinstance(constraints, str) else repr(constraints))
            return _original(self, constraints, *args, **kwargs)

        monkeypatch.setattr(App, kind, recording)
    create_app(services, token_verification=False)
    return seen


def test_manifest_declares_what_the_app_registers(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = load_manifest()
    listeners = registered(services, monkeypatch)
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    shortcuts = {s["callback_id"] for s in manifest["features"]["shortcuts"]}
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert commands == set(ids.COMMANDS) == listeners["command"]
    assert shortcuts == set(ids.SHORTCUTS) == listeners["shortcut"]
    assert set(ids.VIEWS) == listeners["view"]
    assert set(ids.ACTIONS) == listeners["action"]
    # message.channels / message.groups deliver ``message`` events: edits and deletions have their own listener.
    assert events == set(ids.EVENTS) - {"message"} | set(ids.MESSAGE_SUBSCRIPTIONS)
    subtypes = {repr({"type": "message", "subtype": s}) for s in (ids.MESSAGE_CHANGED, ids.MESSAGE_DELETED)}
    assert listeners["event"] == set(ids.EVENTS) | subtypes


def test_manifest_scopes_and_interactivity_match_the_code() -> None:
    manifest = load_manifest()
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(ids.BOT_SCOPES)
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    urls = {
        manifest["settings"]["interactivity"]["request_url"],
        manifest["settings"]["event_subscriptions"]["request_url"],
        *(c["url"] for c in manifest["features"]["slash_commands"]),
    }
    assert {url.rsplit("/slack/", 1)[1] for url in urls} == {"events"}
    [redirect] = manifest["oauth_config"]["redirect_urls"]
    assert redirect.endswith(REDIRECT_PATH) and redirect.startswith("https://")
    assert manifest["settings"]["socket_mode_enabled"] in (True, False)
    # DMs (confirmations) need the Messages tab.
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


def test_manifest_check_sees_an_undeclared_listener(services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The drift check can fail: a listener added by a surface is seen."""
    from bot.listeners import commands

    original = commands.register

    def register_more(app: App, services: Any) -> None:
        original(app, services)
        app.command("/undeclared")(lambda ack: ack())

    monkeypatch.setattr(commands, "register", register_more)
    assert "/undeclared" in registered(services, monkeypatch)["command"]
