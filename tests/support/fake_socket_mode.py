"""A fake of Slack's Socket Mode side, for tests and benchmarks (loopback only).

Two parts:

* ``apps.connections.open``: either its own tiny HTTP server (``fake.base_url``,
  ``http://127.0.0.1:<port>/api/``, every other method answers ``{"ok": true}``), or grafted onto an
  existing fake Web API with ``fake.attach(fake_slack)`` so one ``WebClient(base_url=...)`` serves both.
  It answers ``{"ok": true, "url": "ws://127.0.0.1:<ws port>/link/?ticket=<n>&app_id=<app>"}``.
* A WebSocket server (the ``websockets`` library, asyncio, in a daemon thread) that greets each
  connection with ``hello`` and then carries envelopes shaped as Slack documents them::

      {"envelope_id": "...", "type": "slash_commands" | "events_api" | "interactive",
       "payload": {...}, "accepts_response_payload": bool,
       "retry_attempt": 0, "retry_reason": ""}          # the last two on events_api only

  and records each ack (``{"envelope_id": ..., "payload": ...}``) with its arrival time.

Faults, each on one link (default: the newest open one):

* ``refresh()``: ``{"type": "disconnect", "reason": "refresh_requested", ...}``; the link gets no more
  envelopes and the server closes it ``refresh_grace`` seconds later (Slack keeps the old link open a
  while; the client is expected to open a new one at once).
* ``close_clean()``: a close frame (1001) without any ``disconnect`` message.
* ``abort()``: TCP reset (SO_LINGER 0), no close frame. ``drop()``: FIN without a close frame.
* ``stall()``: stop reading the link (pings unanswered, acks unread) and send nothing more on it.

All times are ``time.monotonic()`` of this process. Thread-safe; every public method may be called from
any thread except the server's own.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed


@dataclass
class Link:
    """One WebSocket connection a client opened."""

    id: int
    ticket: str
    opened_at: float
    connection: ServerConnection = field(repr=False)
    closed_at: float | None = None
    close_cause: str = ""  # "refresh", "clean", "abort", "drop", "client", "stall"...
    draining: bool = False  # a disconnect was sent: no new envelopes
    stalled: bool = False
    received: int = 0  # text frames read from the client

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass
class Envelope:
    envelope_id: str
    type: str
    link_id: int
    sent_at: float
    body: dict[str, Any]


@dataclass
class Ack:
    envelope_id: str
    link_id: int
    acked_at: float
    payload: Any  # what the app answered (None when the ack carries no payload)


class FakeSocketMode:
    """Slack's Socket Mode side on 127.0.0.1; see the module docstring."""

    def __init__(
        self,
        *,
        app_token: str | None = None,
        app_id: str = "A0PEPITES",
        team_id: str = "T1",
        refresh_grace: float = 10.0,
        server_ping_interval: float | None = None,
        with_api: bool = True,
        routing: str = "newest",
    ) -> None:
        self.app_token = app_token  # when set, apps.connections.open checks the Bearer token
        self.app_id = app_id
        self.team_id = team_id
        self.refresh_grace = refresh_grace
        # "newest": every envelope to the newest link that takes envelopes; "spread": round robin over all of
        # them (Slack spreads an app's envelopes over its up to 10 connections: several processes, one token).
        self.routing = routing
        self._spread = itertools.count()
        self.server_ping_interval = server_ping_interval
        self.links: list[Link] = []
        self.envelopes: dict[str, Envelope] = {}
        self.acks: dict[str, Ack] = {}
        self.duplicate_acks: list[Ack] = []
        self.unknown_frames: list[str] = []
        self.connections_opened = 0  # apps.connections.open calls
        self._tickets = itertools.count(1)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._loop = asyncio.new_event_loop()
        self._server: Any = None
        self._ws_port = 0
        self._thread: threading.Thread | None = None
        self._http: ThreadingHTTPServer | None = (
            ThreadingHTTPServer(("127.0.0.1", 0), _api_handler(self)) if with_api else None
        )
        self._http_thread: threading.Thread | None = None
        self.on_ack: Callable[[Ack], None] | None = None
        # What slash commands carry as response_url (tests point it at their fake Web API's /response/...).
        self.response_url: Callable[[str], str] = lambda envelope_id: (
            f"https://hooks.slack.com/commands/T1/{envelope_id}"
        )

    # -- life cycle ----------------------------------------------------------------------------------

    def start(self) -> FakeSocketMode:
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)

            async def boot() -> None:
                self._server = await serve(
                    self._handle, "127.0.0.1", 0, ping_interval=self.server_ping_interval, max_queue=None
                )
                self._ws_port = self._server.sockets[0].getsockname()[1]
                ready.set()

            self._loop.run_until_complete(boot())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="fake-socket-mode", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Socket Mode server did not start")
        if self._http is not None:
            self._http_thread = threading.Thread(
                target=self._http.serve_forever, args=(0.05,), name="fake-socket-api", daemon=True
            )
            self._http_thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:

            async def stop() -> None:
                self._server.close()
                for link in list(self.links):
                    if link.open:
                        link.connection.transport.abort()
                for task in asyncio.all_tasks():
                    if task is not asyncio.current_task():
                        task.cancel()
                await asyncio.sleep(0.05)

            try:
                asyncio.run_coroutine_threadsafe(stop(), self._loop).result(5)
            except Exception:
                pass
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            self._thread = None
        if self._http is not None and self._http_thread is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http_thread = None

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- apps.connections.open -------------------------------------------------------------------------

    @property
    def ws_port(self) -> int:
        return self._ws_port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/api/`` of the built-in endpoint (``with_api=True``)."""
        assert self._http is not None, "built with with_api=False: attach() it to a fake Web API"
        return f"http://127.0.0.1:{self._http.server_address[1]}/api/"

    def connections_open(self, token: str | None) -> dict[str, Any]:
        """The answer to ``apps.connections.open`` called with ``token``."""
        if self.app_token is not None and token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        if token is not None and not token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        with self._lock:
            self.connections_opened += 1
        ticket = next(self._tickets)
        return {"ok": True, "url": f"ws://127.0.0.1:{self._ws_port}/link/?ticket={ticket}&app_id={self.app_id}"}

    def attach(self, fake_web_api: Any) -> None:
        """Serve ``apps.connections.open`` from a ``tests.support.fake_slack.FakeSlack`` (wraps its ``answer``)."""
        original = fake_web_api.answer

        def answer(method: str, params: dict[str, Any], token: str | None = None) -> dict[str, Any]:
            if method == "apps.connections.open":
                return self.connections_open(token)
            return original(method, params, token)

        fake_web_api.answer = answer
        if hasattr(fake_web_api, "response_url"):
            self.response_url = fake_web_api.response_url

    # -- the WebSocket side -------------------------------------------------------------------------------

    async def _handle(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path).query)
        with self._changed:
            link = Link(
                id=len(self.links) + 1,
                ticket=(query.get("ticket") or [""])[0],
                opened_at=time.monotonic(),
                connection=connection,
            )
            self.links.append(link)
            num = sum(1 for each in self.links if each.open)
            self._changed.notify_all()
        await connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": num,
                    "debug_info": {
                        "host": f"applink-fake-{link.id}",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
            )
        )
        try:
            async for message in connection:
                now = time.monotonic()
                link.received += 1
                self._record(link, message, now)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                if link.closed_at is None:
                    link.closed_at = time.monotonic()
                    link.close_cause = link.close_cause or "client"
                self._changed.notify_all()

    def _record(self, link: Link, message: str | bytes, now: float) -> None:
        try:
            body = json.loads(message)
            envelope_id = body["envelope_id"]
        except (ValueError, KeyError, TypeError):
            with self._lock:
                self.unknown_frames.append(str(message)[:200])
            return
        ack = Ack(envelope_id, link.id, now, body.get("payload"))
        with self._changed:
            if envelope_id in self.acks:
                self.duplicate_acks.append(ack)
            else:
                self.acks[envelope_id] = ack
            self._changed.notify_all()
        if self.on_ack is not None:
            self.on_ack(ack)

    def _call(self, coro: Any, timeout: float = 5.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # -- links ------------------------------------------------------------------------------------------

    def current_link(self) -> Link | None:
        """Where the next envelope goes: the newest open link that takes envelopes (not draining, not stalled;
        with ``routing="spread"`` each in turn), else the newest open one."""
        with self._lock:
            open_links = [link for link in self.links if link.open]
        taking = [link for link in open_links if not link.draining and not link.stalled]
        if taking and self.routing == "spread":
            return taking[next(self._spread) % len(taking)]
        if taking:
            return taking[-1]
        return open_links[-1] if open_links else None

    def wait_for_link(self, after: int = 0, timeout: float = 10.0) -> Link | None:
        """The first link whose id is greater than ``after`` (waits for it to open); None on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for link in self.links:
                    if link.id > after:
                        return link
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)

    def open_links(self) -> list[Link]:
        with self._lock:
            return [link for link in self.links if link.open]

    # -- envelopes ------------------------------------------------------------------------------------------

    def send_envelope(
        self,
        type_: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int | None = None,
        retry_reason: str = "",
        link: Link | None = None,
        envelope_id: str | None = None,
    ) -> str | None:
        """Send one envelope on ``link`` (default: ``current_link()``); its id, or None when no link is open."""
        routed = link is None
        link = link or self.current_link()
        if link is None:
            return None
        envelope_id = envelope_id or str(uuid.uuid4())
        body: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": type_,
            "accepts_response_payload": accepts_response_payload,
        }
        if type_ == "events_api":
            body["retry_attempt"] = retry_attempt or 0
            body["retry_reason"] = retry_reason
        raw = json.dumps(body)

        async def send() -> None:
            target = link
            if routed and target.draining:  # a disconnect went out on it meanwhile: Slack would not use it
                target = self.current_link() or target
            sent_at = time.monotonic()
            with self._lock:
                self.envelopes[envelope_id] = Envelope(envelope_id, type_, target.id, sent_at, body)
            try:
                await target.connection.send(raw)
            except ConnectionClosed:
                pass

        self._call(send())
        return envelope_id

    def send_command(
        self,
        text: str = "hello",
        *,
        command: str = "/insight",
        user_id: str = "U1001",
        channel_id: str = "C100",
        link: Link | None = None,
        **extra: Any,
    ) -> str | None:
        payload = {
            "token": "fake-verification-token",
            "team_id": self.team_id,
            "team_domain": "pepites-test",
            "channel_id": channel_id,
            "channel_name": "general",
            "user_id": user_id,
            "user_name": "someone",
            "command": command,
            "text": text,
            "api_app_id": self.app_id,
            "is_enterprise_install": "false",
            "response_url": self.response_url(uuid.uuid4().hex[:12]),
            "trigger_id": f"{int(time.time())}.1.{uuid.uuid4().hex[:16]}",
        } | extra
        return self.send_envelope("slash_commands", payload, accepts_response_payload=True, link=link)

    def send_event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        link: Link | None = None,
    ) -> str | None:
        payload = {
            "token": "fake-verification-token",
            "team_id": self.team_id,
            "api_app_id": self.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": "UBOT",
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-fake-{uuid.uuid4().hex[:8]}",
        }
        return self.send_envelope(
            "events_api", payload, retry_attempt=retry_attempt, retry_reason=retry_reason, link=link
        )

    def send_interactive(self, payload: dict[str, Any], *, link: Link | None = None) -> str | None:
        """``payload`` is a block_actions / view_submission / shortcut body; view submissions accept a response."""
        accepts = payload.get("type") == "view_submission"
        return self.send_envelope("interactive", payload, accepts_response_payload=accepts, link=link)

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> Ack | None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while envelope_id not in self.acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._changed.wait(left)
            return self.acks[envelope_id]

    def latency(self, envelope_id: str) -> float | None:
        """Seconds from sending the envelope to its ack; None if not acked (yet)."""
        with self._lock:
            ack, envelope = self.acks.get(envelope_id), self.envelopes.get(envelope_id)
        return None if ack is None or envelope is None else ack.acked_at - envelope.sent_at

    # -- faults -------------------------------------------------------------------------------------------

    def refresh(self, link: Link | None = None, reason: str = "refresh_requested") -> Link | None:
        """Send ``disconnect`` (``reason``) on the link; close it ``refresh_grace`` s later. Returns the link."""
        link = link or self.current_link()
        if link is None:
            return None
        link.draining = True
        raw = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": f"applink-fake-{link.id}"}})

        async def send() -> None:
            try:
                await link.connection.send(raw)
            except ConnectionClosed:
                return

            async def later() -> None:
                await asyncio.sleep(self.refresh_grace)
                if link.open:
                    link.close_cause = "refresh"
                    await link.connection.close(1001, "")

            asyncio.ensure_future(later())

        self._call(send())
        return link

    def close_clean(self, link: Link | None = None, code: int = 1001) -> Link | None:
        """A close frame without a ``disconnect`` message first."""
        link = link or self.current_link()
        if link is not None:
            link.close_cause = "clean"
            link.draining = True

            async def close() -> None:
                await link.connection.close(code, "")

            self._call(close(), timeout=15)
        return link

    def abort(self, link: Link | None = None) -> Link | None:
        """TCP reset: no close frame, no FIN."""
        return self._cut(link, rst=True)

    def drop(self, link: Link | None = None) -> Link | None:
        """The TCP connection ends (FIN) without a WebSocket close frame."""
        return self._cut(link, rst=False)

    def _cut(self, link: Link | None, *, rst: bool) -> Link | None:
        link = link or self.current_link()
        if link is None:
            return None
        link.close_cause = "abort" if rst else "drop"
        link.draining = True

        async def cut() -> None:
            transport = link.connection.transport
            if rst:
                sock = transport.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                transport.abort()
            else:
                transport.close()

        self._call(cut())
        with self._changed:
            if link.closed_at is None:
                link.closed_at = time.monotonic()
            self._changed.notify_all()
        return link

    def stall(self, link: Link | None = None) -> Link | None:
        """Stop reading the link and sending on it; the TCP connection stays up (a silent half-dead link)."""
        link = link or self.current_link()
        if link is None:
            return None
        link.stalled = True

        async def pause() -> None:
            link.connection.transport.pause_reading()

        self._call(pause())
        return link

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                "links": len(self.links),
                "connections_opened": self.connections_opened,
                "envelopes": len(self.envelopes),
                "acks": len(self.acks),
                "duplicate_acks": len(self.duplicate_acks),
            }


def _api_handler(fake: FakeSocketMode) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            method = urlsplit(self.path).path.removeprefix("/api/")
            auth = self.headers.get("Authorization", "")
            token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
            if method == "apps.connections.open":
                answer = fake.connections_open(token)
            elif method == "auth.test":
                answer = {
                    "ok": True,
                    "team_id": fake.team_id,
                    "user_id": "UBOT",
                    "bot_id": "BBOT",
                    "url": "https://pepites-test.slack.com/",
                    "team": "Pepites",
                    "user": "pepites",
                }
            else:
                answer = {"ok": True}
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

    return Handler
