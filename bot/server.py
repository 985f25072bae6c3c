"""HTTP mode: Bolt behind its WSGI adapter, served by waitress (a production WSGI server), plus /healthz."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from waitress import create_server

from bot.installations import INSTALL_PATH, REDIRECT_PATH
from bot.services import Services

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def health(services: Services) -> tuple[int, dict[str, Any]]:
    """200 when the database answers; the NLP state is reported but does not fail the check."""
    body: dict[str, Any] = {"nlp": services.tagging.tagger.state}
    try:
        with services.sessions() as session:
            session.execute(text("SELECT 1"))
        body["database"] = "ok"
        status = 200
    except SQLAlchemyError:
        body["database"] = "unreachable"
        status = 503
    body["status"] = "ok" if status == 200 else "degraded"
    return status, body


def make_wsgi(app: App, services: Services) -> WSGIApp:
    """POST /slack/events goes to Bolt, and with OAuth GET /slack/install and /slack/oauth_redirect too;
    GET /healthz answers for load balancers; anything else is 404."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    slack_paths = {EVENTS_PATH} | ({INSTALL_PATH, REDIRECT_PATH} if app.oauth_flow is not None else set())

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            status, body = health(services)
            payload = json.dumps(body).encode()
            reason = "OK" if status == 200 else "Service Unavailable"
            start_response(
                f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
            )
            return [payload]
        if path in slack_paths:
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"Not found"]

    return wsgi


def serve(wsgi: WSGIApp, port: int, threads: int, host: str = "0.0.0.0") -> None:
    """Serve until interrupted."""
    server = create_server(wsgi, host=host, port=port, threads=threads, ident="pepites")
    log.info("listening on http://%s:%s%s", host, port, EVENTS_PATH)
    server.run()
