"""Socket Mode: slack_sdk's built-in client, with a prompt link swap and a watchdog (served by ``socket_server``).

Why not the stock client (figures in docs/decisions.md, ``bench/socket_latency.py``):

1. On ``disconnect`` (``refresh_requested``, routine) the stock ``connect()`` closes the old link under the
   lock its reader holds for up to 3 s in ``recv()``, and only then makes the new link current: a command sent
   at once was acked after ~3.1 s. Here the new link is current at once with its own reader; the old one is
   still read until Slack closes it or ``DRAIN_SECONDS`` pass, then ``shutdown()`` (no lock) and closed.
2. A dead link: the stock check waits 4 x ``ping_interval`` without a pong and then only closes it. Here a
   link without a pong for ``stale_after`` seconds is replaced on the next monitor tick, and a link Slack
   closes is replaced at once.

Logs: the SDK writes to ``bot.socket_mode.sdk`` at WARNING without its per-link ERROR lines; this module
writes one line per real event (session established and why, link failed with the errno's name, link
silent, Slack refusing the token), never a token, an id or a message.
"""

from __future__ import annotations

import errno
import functools
import logging
import socket
import threading
import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin.client import SocketModeClient
from slack_sdk.socket_mode.builtin.connection import Connection, ConnectionState

log = logging.getLogger(__name__)
SDK_LOGGER = "bot.socket_mode.sdk"
PING_INTERVAL = 2.0
STALE_AFTER = 5.0  # a pong may be this late (CPU load) before the link is replaced
RECEIVE_BUFFER = 8192  # one recv() per envelope rather than two or three with the default 1024
DRAIN_SECONDS = 10.0  # how long a replaced link is still read (Slack closes it itself)


def describe(error: BaseException) -> str:
    """``ConnectionResetError (ECONNRESET)``: the kind of failure, never its message (which may quote data)."""
    code = getattr(error, "errno", None)
    name = errno.errorcode.get(code, str(code)) if isinstance(code, int) else None
    return f"{type(error).__name__} ({name})" if name else type(error).__name__


class PromptSocketModeClient(SocketModeClient):
    """The built-in client whose new link is current at once and whose dead links are replaced within seconds."""

    def __init__(self, *args: Any, stale_after: float = STALE_AFTER, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stale_after = stale_after
        self.last_problem: str | None = "connecting"
        self._connected_at = 0.0
        self._reason = "start"
        self._reported: set[tuple[str, str]] = set()
        self._last_failure_log = 0.0
        self.draining = False
        self._in_flight = 0
        self._idle = threading.Condition()

    def drain(self, timeout: float) -> bool:
        """Take no new envelope (Slack redelivers one not acked), let those received finish and send their
        acks over the still-open link, for up to ``timeout`` seconds; True when all did."""
        self.draining = True
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._in_flight > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.05))
        return True

    def enqueue_message(self, message: str) -> None:
        if self.draining:
            return  # not acked: Slack sends it again, to the next process
        if '"disconnect"' not in message[:64]:  # a disconnect is handled by the processor, no listener
            with self._idle:
                self._in_flight += 1  # counted from receipt until its listeners (and ack) are done
        super().enqueue_message(message)

    def run_message_listeners(self, message: dict[str, Any], raw_message: str) -> None:
        try:
            super().run_message_listeners(message, raw_message)
        finally:
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._in_flight = max(0, self._in_flight - 1)
            self._idle.notify_all()

    def connect(self) -> None:
        old_session, old_state = self.current_session, self.current_session_state
        if self.wss_uri is None:
            self.wss_uri = self.issue_new_wss_url()
        session = Connection(
            url=self.wss_uri,
            logger=self.logger,
            ping_interval=self.ping_interval,
            trace_enabled=self.trace_enabled,
            all_message_trace_enabled=self.all_message_trace_enabled,
            ping_pong_trace_enabled=self.ping_pong_trace_enabled,
            receive_buffer_size=self.receive_buffer_size,
            proxy=self.proxy,
            proxy_headers=self.proxy_headers,
            on_message_listener=self._on_message,
            ssl_context=self.web_client.ssl,
        )
        session.on_error_listener = functools.partial(self._link_error, session)
        session.on_close_listener = functools.partial(self._link_closed, session)
        session.connect()
        if not session.is_active():
            self.last_problem = "could not open a Socket Mode connection"
            return  # the old link (if alive) stays current; the monitor tries again next tick
        state = ConnectionState()
        self.current_session, self.current_session_state = session, state
        threading.Thread(target=_read, args=(session, state), name="socket-mode-reader", daemon=True).start()
        self._connected_at = time.time()
        self.auto_reconnect_enabled = self.default_auto_reconnect_enabled
        if old_session is not None:
            retire = threading.Timer(DRAIN_SECONDS, _retire, args=(old_session, old_state))
            retire.daemon = True
            retire.start()
        if not self.current_app_monitor_started:
            self.current_app_monitor_started = True
            self.current_app_monitor.start()
        self.last_problem = None
        log.info("Socket Mode session established (%s)", self._reason)
        self._reason = "reconnect"

    def connect_to_new_endpoint(self, force: bool = False) -> None:
        try:
            super().connect_to_new_endpoint(force=force)
        except Exception as exc:  # apps.connections.open refused (revoked token...) or Slack unreachable
            self.last_problem = f"cannot open a Socket Mode session: {refusal(exc)}"
            now = time.monotonic()
            if now - self._last_failure_log >= 60:  # once a minute while it lasts
                self._last_failure_log = now
                log.error("%s; retrying every %.0f s", self.last_problem, self.ping_interval)
            raise

    def _on_message(self, message: str) -> None:
        if '"disconnect"' in message[:64]:  # remembered for the next "session established" line
            self._reason = "after Slack's disconnect"
        super()._on_message(message)

    def _run_current_session(self) -> None:
        """Unused: each link has its own reader thread (see ``connect``)."""

    def pong_age(self) -> float:
        """Seconds since the newest answered ping was sent on the current link (or since it opened)."""
        session = self.current_session
        if session is None:
            return float("inf")
        return max(0.0, time.time() - (session.last_ping_pong_time or self._connected_at))

    def is_connected(self) -> bool:
        return super().is_connected() and self.pong_age() < self.stale_after

    def link_problem(self) -> str | None:
        """None while a Socket Mode session is up, else why not (for ``/healthz``)."""
        if self.closed:
            return "Socket Mode client stopped"
        if self.is_connected():
            return None
        return self.last_problem or "no Socket Mode session"

    def _monitor_current_session(self) -> None:
        super()._monitor_current_session()
        session = self.current_session
        if self.closed or not self.auto_reconnect_enabled or session is None or not session.is_active():
            return
        age = self.pong_age()
        if age < self.stale_after:
            return
        self.last_problem = f"Socket Mode link silent for {age:.0f} s"
        if ("silent", session.session_id) not in self._reported:  # once per link, not per attempt
            self._reported.add(("silent", session.session_id))
            log.warning("%s: replacing it", self.last_problem)
        self._reason = "after a silent link"
        try:
            self.connect_to_new_endpoint(force=True)
        except Exception:
            pass  # logged in connect_to_new_endpoint; tried again next tick

    def _link_error(self, session: Connection, error: Exception) -> None:
        if session is not self.current_session:
            log.debug("replaced Socket Mode link ended: %s", describe(error))
            return
        if ("error", session.session_id) not in self._reported:  # once per link
            self._reported.add(("error", session.session_id))
            self.last_problem = f"Socket Mode link failed: {describe(error)}"
            self._reason = f"after {describe(error)}"
            log.warning("%s; reconnecting", self.last_problem)
        for listener in self.on_error_listeners:
            listener(error)

    def _link_closed(self, session: Connection, code: int, reason: str | None = None) -> None:
        if session is not self.current_session:
            return  # Slack closing a link it asked us to leave: expected
        self._reason = f"after Slack closed the link ({code})"
        self.last_problem = "Slack closed the Socket Mode link"
        if self.auto_reconnect_enabled and not self.closed:
            try:  # at once: the stock attempt is a no-op (the closing link still counts as connected)
                self.connect_to_new_endpoint(force=True)
            except Exception:
                pass  # logged in connect_to_new_endpoint; the monitor tries again
        for listener in self.on_close_listeners:
            listener(code, reason)

    def close(self) -> None:
        session, state = self.current_session, self.current_session_state
        self.closed = True
        if session is not None:
            _wake(session, state)  # else close() waits up to 3 s for the reader's lock
        self.message_queue.put(None)  # wakes the message processor (it waits 1 s on the queue otherwise)
        super().close()


def refusal(error: BaseException) -> str:
    """Slack's error code (``invalid_auth``) when Slack answered, else the kind of failure."""
    response = getattr(error, "response", None)
    code = response.get("error") if response is not None and hasattr(response, "get") else None
    return str(code) if code else describe(error)


def _read(session: Connection, state: ConnectionState) -> None:
    try:
        session.run_until_completion(state)
    except Exception as exc:
        log.debug("Socket Mode reader stopped: %s", describe(exc))


def _wake(session: Connection, state: ConnectionState) -> None:
    state.terminated = True
    sock = session.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked recv(); takes no lock, unlike close()
        except OSError:
            pass


def _retire(session: Connection, state: ConnectionState) -> None:
    """Stop reading a replaced link, then close it."""
    _wake(session, state)
    try:
        session.close()
    except Exception as exc:
        log.debug("closing a replaced Socket Mode link failed: %s", describe(exc))


class _PerLinkNoise(logging.Filter):
    """Drop the SDK's lines that repeat per dead link; PromptSocketModeClient logs one line instead."""

    PREFIXES = (
        "on_error invoked",
        "Failed to check the state of sock",
        "Got an OSError while receiving",
        "Failed to establish a connection",
        "Failed to check the current session",
        "Error code:",
        "Failed to retrieve WSS URL",
    )

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(self.PREFIXES))


class PromptSocketModeHandler(SocketModeHandler):
    """Bolt's SocketModeHandler (same ``handle``, ``connect``, ``close``) around :class:`PromptSocketModeClient`."""

    client: PromptSocketModeClient

    def __init__(
        self,
        app: App,
        app_token: str,
        *,
        ping_interval: float = PING_INTERVAL,
        stale_after: float = STALE_AFTER,
        concurrency: int = 10,
    ) -> None:
        # Not super().__init__(): it would build, and start the threads of, a stock client first.
        sdk_logger = logging.getLogger(SDK_LOGGER)
        if sdk_logger.level == logging.NOTSET:
            sdk_logger.setLevel(logging.WARNING)
        if not any(isinstance(f, _PerLinkNoise) for f in sdk_logger.filters):
            sdk_logger.addFilter(_PerLinkNoise())
        self.app = app
        self.app_token = app_token
        self.client = PromptSocketModeClient(
            app_token=app_token,
            logger=sdk_logger,
            web_client=app.client,
            ping_interval=ping_interval,
            stale_after=stale_after,
            receive_buffer_size=RECEIVE_BUFFER,
            concurrency=concurrency,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]

    def link_problem(self) -> str | None:
        """None while a Socket Mode session is up, else why not."""
        return self.client.link_problem()
