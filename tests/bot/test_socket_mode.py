"""The Socket Mode client (bot/slack/socket_mode.py) against the local fake of Slack's Socket Mode side, with a
bare Bolt app: every kind of envelope acked once, a refresh without a stall, dead links replaced in seconds."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from bot.log_privacy import redact
from bot.slack.socket_mode import PromptSocketModeHandler, describe, refusal
from bot.slack.socket_server import socket_mode_health
from tests.support.fake_socket_mode import FakeSocketMode

TOKEN = "xapp-1-A0PEPITES-1-test"
# Faster than production (2 s / 5 s) so the faults below take about a second each.
PING, STALE = 0.5, 1.5


def bare_app(api_url: str) -> App:
    app = App(
        signing_secret="unused",
        client=WebClient(token="xoxb-test", base_url=api_url),
        token_verification_enabled=False,
        request_verification_enabled=False,
    )

    @app.command("/insight")
    def insight(ack: Ack) -> None:
        ack(text="noted")

    @app.event("app_mention")
    def mention() -> None:
        pass

    @app.action("vote")
    def vote(ack: Ack) -> None:
        ack()

    return app


@pytest.fixture
def fake() -> Iterator[FakeSocketMode]:
    with FakeSocketMode(app_token=TOKEN, refresh_grace=2) as running:
        yield running


@pytest.fixture
def handler(fake: FakeSocketMode) -> Iterator[PromptSocketModeHandler]:
    handler = PromptSocketModeHandler(bare_app(fake.base_url), TOKEN, ping_interval=PING, stale_after=STALE)
    handler.connect()
    assert fake.wait_for_link(timeout=5) is not None
    yield handler
    handler.close()


def test_socket_mode_acks_every_kind_of_envelope_once(fake: FakeSocketMode, handler: PromptSocketModeHandler) -> None:
    command = fake.send_command("hello")
    event = fake.send_event(
        {"type": "app_mention", "user": "U1", "text": "hi", "channel": "C1", "ts": "1.2"},
        retry_attempt=1,
        retry_reason="timeout",
    )
    action = fake.send_interactive(
        {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": "U1"},
            "api_app_id": "A1",
            "actions": [{"action_id": "vote", "block_id": "b", "type": "button", "value": "1"}],
        }
    )
    for envelope in (command, event, action):
        assert envelope is not None and fake.wait_for_ack(envelope, 5) is not None
    assert fake.acks[str(command)].payload == {"text": "noted"}
    assert not fake.duplicate_acks
    assert handler.link_problem() is None


def test_socket_mode_refresh_acks_a_command_on_the_new_link_at_once(
    fake: FakeSocketMode, handler: PromptSocketModeHandler
) -> None:
    old = fake.refresh()
    assert old is not None
    new = fake.wait_for_link(after=old.id, timeout=5)
    assert new is not None
    envelope = fake.send_command("right after the refresh", link=new)
    assert envelope is not None and fake.wait_for_ack(envelope, 3) is not None
    latency = fake.latency(envelope)
    assert latency is not None and latency < 1.0  # the stock client: ~3.1 s
    assert handler.link_problem() is None


@pytest.mark.parametrize("fault", ["close_clean", "abort", "drop", "stall"])
def test_socket_mode_replaces_a_dead_link_within_seconds(
    fake: FakeSocketMode, handler: PromptSocketModeHandler, fault: str
) -> None:
    old = fake.current_link()
    assert old is not None
    getattr(fake, fault)(old)
    new = fake.wait_for_link(after=old.id, timeout=STALE + 3 * PING + 1)
    assert new is not None, f"no new link after {fault}"
    envelope = fake.send_command("after " + fault, link=new)
    assert envelope is not None and fake.wait_for_ack(envelope, 3) is not None


def test_socket_mode_reports_a_lost_link_once_with_its_reason(
    fake: FakeSocketMode, handler: PromptSocketModeHandler, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.slack.socket_mode")
    old = fake.current_link()
    fake.stall(old)
    assert old is not None and fake.wait_for_link(after=old.id, timeout=5) is not None
    established = "Socket Mode session established (after a silent link)"
    for _ in range(50):  # the server sees the link a moment before the client says so
        lines = [r.getMessage() for r in caplog.records if r.name == "bot.slack.socket_mode"]
        if established in lines:
            break
        fake.wait_for_link(after=10**6, timeout=0.05)
    assert established in lines
    assert sum(line.startswith("Socket Mode link silent") for line in lines) == 1


def test_socket_mode_health_says_why_when_slack_is_gone(fake: FakeSocketMode, handler: PromptSocketModeHandler) -> None:
    sessions = sessionmaker(create_engine("sqlite://"))
    assert socket_mode_health(sessions, "ready", handler.link_problem)[0] == 200
    fake.close()  # Slack gone: the link dies and no new one can be opened
    status, body = 200, {}
    for _ in range(40):
        status, body = socket_mode_health(sessions, "ready", handler.link_problem)
        if status == 503:
            break
        fake.wait_for_link(after=10**6, timeout=0.1)
    assert status == 503 and body["slack"] == "disconnected" and body["database"] == "ok"
    assert "Socket Mode" in body["reason"]


def test_socket_mode_refused_token_names_slack_error(fake: FakeSocketMode) -> None:
    handler = PromptSocketModeHandler(bare_app(fake.base_url), "xapp-1-revoked", ping_interval=PING)
    with pytest.raises(Exception) as refused:
        handler.connect()
    handler.close()
    assert refusal(refused.value) == "invalid_auth"
    assert handler.link_problem() == "Socket Mode client stopped"


def test_socket_mode_log_lines_keep_the_errno_through_the_privacy_filter() -> None:
    assert describe(ConnectionResetError(104, "Connection reset by peer")) == "ConnectionResetError (ECONNRESET)"
    line = f"Socket Mode link failed: {describe(BrokenPipeError(32, 'Broken pipe'))}; reconnecting"
    assert redact(line) == line
    sdk_line = "on_error invoked (session id: s1, error: ConnectionResetError, message: [Errno 104] Connection reset)"
    assert "[Errno 104]" in redact(sdk_line)
