"""Socket Mode's process: Slack's envelopes over the WebSocket, and ``GET /healthz`` on $PORT for orchestrators.

Nothing else listens: Slack's traffic comes over the WebSocket, so there is no signature to check and no
public URL. ``/healthz`` answers 200 when the database answers and a Socket Mode session is established,
503 with a ``reason`` otherwise (a revoked token, Slack unreachable, a link gone silent).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker
from waitress import create_server

from bot.slack.server import HEALTH_PATH, StartResponse, WSGIApp, health
from bot.slack.socket_mode import PromptSocketModeHandler, refusal

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.settings import Settings

log = logging.getLogger(__name__)


class SocketModeRefused(RuntimeError):
    """Slack refused the app token (``invalid_auth``…) or could not be reached when the process started."""


def socket_mode_health(
    sessions: sessionmaker[Session], nlp_state: str, link_problem: Callable[[], str | None]
) -> tuple[int, dict[str, Any]]:
    """HTTP mode's health (the database) plus the Socket Mode session; 503 with the reasons when either fails."""
    status, body = health(sessions, nlp_state)
    reasons = [] if status == 200 else ["database unreachable"]
    problem = link_problem()
    body["slack"] = "connected" if problem is None else "disconnected"
    if problem is not None:
        reasons.append(problem)
    if reasons:
        body.update(status="degraded", reason="; ".join(reasons))
    return (503 if reasons else 200), body


def make_health_wsgi(
    sessions: sessionmaker[Session], nlp_state: Callable[[], str], link_problem: Callable[[], str | None]
) -> WSGIApp:
    """Nothing but ``GET /healthz``; anything else is 404."""

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") != HEALTH_PATH or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
            return [b"Not found"]
        status, report = socket_mode_health(sessions, nlp_state(), link_problem)
        payload = json.dumps(report).encode()
        reason = "OK" if status == 200 else "Service Unavailable"
        start_response(
            f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        )
        return [payload]

    return wsgi


class SocketModeServer:
    """``pepites run`` in Socket Mode: ``start()`` serves ``/healthz`` and opens the session, ``close()`` ends both."""

    def __init__(self, runtime: Runtime, settings: Settings, host: str = "0.0.0.0") -> None:
        self.handler = PromptSocketModeHandler(
            runtime.app, settings.app_token or "", concurrency=settings.listener_threads
        )
        services = runtime.services
        wsgi = make_health_wsgi(services.sessions, lambda: services.tagging.tagger.state, self.handler.link_problem)
        self._waitress: Any = create_server(wsgi, host=host, port=settings.port, threads=2, ident="pepites")
        self._thread = threading.Thread(target=self._waitress.run, name="healthz", daemon=True)
        self._host, self._port = host, settings.port

    def start(self) -> SocketModeServer:
        """Serve ``/healthz``, then connect; raises :class:`SocketModeRefused` (and closes) if Slack says no."""
        self._thread.start()
        log.info("health check on http://%s:%s%s", self._host, self._port, HEALTH_PATH)
        try:
            self.handler.connect()
        except Exception as exc:  # apps.connections.open refused the token, or Slack is unreachable
            self.close()
            raise SocketModeRefused(f"cannot start Socket Mode (SLACK_APP_TOKEN): {refusal(exc)}") from exc
        return self

    def close(self, grace: float = 0.0) -> bool:
        """Stop taking envelopes, let those received finish and send their acks for up to ``grace`` seconds,
        then close the Socket Mode link and stop answering ``/healthz``; True when all finished in time."""
        drained = self.handler.client.drain(grace)
        self.handler.close()
        self._waitress.close()
        self._thread.join(timeout=5)
        return drained
