"""The baseline for ack latency: a bare Bolt app whose ``/insight`` and ``reaction_added`` only ack, behind the
same waitress + adapter.

Whatever the real app costs beyond this is Pépites' own work on the ack path.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from tests.support.wsgi_server import BackgroundWSGIServer

BOT_TOKEN = "xoxb-bench-bare"


def _offline_authorize(team_id: str | None, **_: Any) -> AuthorizeResult:
    """Authorize without asking Slack (no auth.test), as a single-workspace app with a known bot would."""
    return AuthorizeResult(enterprise_id=None, team_id=team_id, bot_token=BOT_TOKEN, bot_user_id="UBOT", bot_id="BBOT")


def build_bare_app(signing_secret: str, *, api_url: str | None = None) -> App:
    """A Bolt app with signature checks and one ``/insight`` listener that acks and does nothing else.

    With ``api_url`` it holds a token and a client on that Web API (one lazy auth.test, like the real app);
    without, it authorizes offline and never leaves the process.
    """
    if api_url is None:
        app = App(signing_secret=signing_secret, authorize=_offline_authorize)
    else:
        app = App(
            signing_secret=signing_secret,
            client=WebClient(token=BOT_TOKEN, base_url=api_url),
            token_verification_enabled=False,
        )

    @app.command("/insight")
    def insight(ack: Ack) -> None:
        ack()

    @app.event("reaction_added")
    def reaction() -> None:
        """Bolt acks an event itself; nothing else to do."""

    return app


def serve_bare_app(signing_secret: str, *, threads: int = 16, api_url: str | None = None) -> BackgroundWSGIServer:
    """The bare app behind Bolt's WSGI adapter on waitress, 127.0.0.1, an OS-chosen port; started."""
    handler = SlackRequestHandler(build_bare_app(signing_secret, api_url=api_url))
    return BackgroundWSGIServer(handler, threads=threads).start()
