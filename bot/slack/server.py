"""HTTP mode: Bolt behind its WSGI adapter, served by waitress (a production WSGI server), plus /healthz.

A :class:`Gate` counts the Slack requests in flight; once closed (the process is stopping) /healthz and
every new request answer 503, so a load balancer drains the replica and Slack retries elsewhere, while the
requests already inside finish.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from waitress import create_server

from bot.slack.installations import INSTALL_PATH, REDIRECT_PATH

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Gate:
    """Open while the process serves; closed at stop. Counts the requests inside, for the drain to wait on."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._inside = 0
        self.closed = False
        self.served_while_closing = 0

    def enter(self) -> bool:
        """Let a request in (True), or refuse it because the process is stopping (False)."""
        with self._lock:
            if self.closed:
                return False
            self._inside += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._inside -= 1
            if self.closed:
                self.served_while_closing += 1
            self._lock.notify_all()

    def close(self) -> int:
        """Refuse what comes next; how many requests are inside now (the ones the drain waits for)."""
        with self._lock:
            self.closed = True
            return self._inside

    def wait_empty(self, timeout: float) -> bool:
        """Block until no request is inside (True) or ``timeout`` seconds passed (False)."""
        with self._lock:
            return self._lock.wait_for(lambda: self._inside == 0, max(timeout, 0.0))


def health(sessions: sessionmaker[Session], nlp_state: str) -> tuple[int, dict[str, Any]]:
    """200 when the database answers; the NLP state is reported but does not fail the check."""
    body: dict[str, Any] = {"nlp": nlp_state}
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
        body["database"] = "ok"
        status = 200
    except SQLAlchemyError:
        body["database"] = "unreachable"
        status = 503
    body["status"] = "ok" if status == 200 else "degraded"
    return status, body


def _body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return bytes(environ["wsgi.input"].read(length)) if length > 0 else b""


def _signed(verifier: SignatureVerifier | None, environ: dict[str, Any], body: bytes) -> bool:
    """Slack's signature, checked before anything reads the body (a malformed timestamp counts as wrong)."""
    timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE")
    if verifier is None or not timestamp or not signature or not timestamp.isdigit():
        return False
    try:
        return bool(verifier.is_valid(body=body, timestamp=timestamp, signature=signature))
    except (ValueError, UnicodeDecodeError):
        return False


def _stopping(start_response: StartResponse) -> Iterable[bytes]:
    payload = b'{"status": "stopping"}'
    start_response(
        "503 Service Unavailable",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


def make_wsgi(
    app: App,
    signing_secret: str,
    sessions: sessionmaker[Session],
    nlp_state: Callable[[], str],
    gate: Gate | None = None,
) -> WSGIApp:
    """POST /slack/events goes to Bolt, and with OAuth GET /slack/install and /slack/oauth_redirect too;
    GET /healthz answers for load balancers; anything else is 404. Once ``gate`` is closed, /healthz and
    the Slack paths answer 503."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    # Socket Mode has no signing secret (and needs none): every POST here is then refused as unsigned.
    verifier = SignatureVerifier(signing_secret) if signing_secret else None
    slack_paths = {EVENTS_PATH} | ({INSTALL_PATH, REDIRECT_PATH} if app.oauth_flow is not None else set())
    gate = gate or Gate()

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in slack_paths:
            return route(environ, start_response)
        if not gate.enter():
            return _stopping(start_response)
        try:
            return route(environ, start_response)
        finally:
            gate.leave()

    def route(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            if gate.closed:
                return _stopping(start_response)
            status, report = health(sessions, nlp_state())
            payload = json.dumps(report).encode()
            reason = "OK" if status == 200 else "Service Unavailable"
            start_response(
                f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
            )
            return [payload]
        if path == EVENTS_PATH and environ.get("REQUEST_METHOD") == "POST":
            # Bolt checks the signature too, but only after parsing the body: a malformed unsigned body or
            # timestamp would get a 500 and a traceback in the logs rather than the 401 it deserves.
            raw = _body(environ)
            if not _signed(verifier, environ, raw):
                payload = b'{"error": "invalid request"}'
                start_response(
                    "401 Unauthorized",
                    [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
                )
                return [payload]
            environ["wsgi.input"] = io.BytesIO(raw)
            environ["CONTENT_LENGTH"] = str(len(raw))
        if path in slack_paths:
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"Not found"]

    return wsgi


class Server:
    """waitress on its own thread, so the main thread is free to wait for a signal and drain."""

    def __init__(self, wsgi: WSGIApp, host: str, port: int, threads: int) -> None:
        self._waitress: Any = create_server(wsgi, host=host, port=port, threads=threads, ident="pepites")
        self._thread = threading.Thread(target=self._waitress.run, name="http", daemon=True)
        log.info("listening on http://%s:%s%s", host, port, EVENTS_PATH)

    def start(self) -> Server:
        self._thread.start()
        return self

    def flush(self, timeout: float) -> bool:
        """Wait until every answer already computed has been written to its socket (True), or ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            channels = list(self._waitress.active_channels.values())
            if all(not channel.total_outbufs_len and not channel.requests for channel in channels):
                return True
            time.sleep(0.02)
        return False
